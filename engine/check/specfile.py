"""From a file on disk to a validated document, or every problem in it, best first.

The stages run in order — YAML (safe, located), version and kind, JSON Schema, meaning — and
each adds what it finds, so a consultant fixing a spec sees all of its problems in one run.
``check_paths`` does this for files and folders and adds the checks that span files
(duplicate spec names, ``requires:`` naming a mapping that is not there); a valid document
carries its model (``engine.model``), built once here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from engine import diskcache
from engine.check import semantic
from engine.errors import Problem, SpecError, UsageError
from engine.load.schema import API_VERSIONS, schema_problems
from engine.load.source import JsonPath, Loaded, SourceMap, json_path, load_path
from engine.model.build import build_model
from engine.model.nodes import Mapping, Model
from engine.suggest import did_you_mean
from engine.transforms import installed_stamp

if TYPE_CHECKING:
    from engine.transforms import TransformRegistry

SPEC_SUFFIXES = (".yaml", ".yml")


class Document(msgspec.Struct, frozen=True):
    """A valid spec document: its kind, its model (what later stages read), the data as loaded
    (for the checks that run before the model exists) and the source map (for locating later
    errors: every model node keeps its path)."""

    path: Path
    api_version: str
    kind: str
    data: dict[str, Any]
    source: SourceMap
    model: Model | None = None
    digest: str = ""
    """Its text's identity (``Loaded.digest``), for results kept on disk about it."""

    @property
    def name(self) -> str:
        if self.model is not None:
            return self.model.name
        return str(self.data.get("metadata", {}).get("name", self.path.stem))

    @property
    def mapping(self) -> Mapping:
        """The model of a ``kind: Mapping`` document (a ``TypeError`` for any other)."""
        if not isinstance(self.model, Mapping):
            raise TypeError(f"{self.path}: expected a built Mapping, got {self.kind}")
        return self.model


def _header_problems(data: Any, source: SourceMap) -> tuple[str | None, list[Problem]]:
    """Check ``apiVersion`` and ``kind``; return the kind when both are known."""
    here = source.locate(())
    if not isinstance(data, dict):
        return None, [
            Problem(
                here,
                "a spec file must be a mapping of keys to values",
                code="spec.not-mapping",
                rank=1,
            )
        ]
    version, kind = data.get("apiVersion"), data.get("kind")
    if version is None:
        return None, [
            Problem(
                here,
                "missing 'apiVersion' (expected 'ferry/v1')",
                code="spec.api-version",
                hint="start the file with apiVersion: ferry/v1",
                rank=1,
            )
        ]
    if version not in API_VERSIONS:
        known = ", ".join(API_VERSIONS)
        return None, [
            Problem(
                source.locate(("apiVersion",)),
                f"unknown apiVersion {version!r}; this Ferry reads {known}",
                json_path(("apiVersion",)),
                code="spec.api-version",
                rank=1,
            )
        ]
    kinds = API_VERSIONS[version]
    if kind not in kinds:
        shown = "missing 'kind'" if kind is None else f"unknown kind {kind!r}"
        return None, [
            Problem(
                source.locate(("kind",)),
                f"{shown}{did_you_mean(str(kind), kinds)}",
                json_path(("kind",)),
                code="spec.kind",
                hint="kinds in " + version + ": " + ", ".join(kinds),
                rank=1,
            )
        ]
    return str(kind), []


def _settings_reference(
    kind: str, data: dict[str, Any], path: Path, source: SourceMap
) -> list[Problem]:
    """A meaning check (before the model exists): the ``settings:`` file is there."""
    ref = data.get("settings")
    if kind != "Mapping" or not isinstance(ref, str):
        return []
    target = path.parent / ref
    if target.is_file():
        return []
    return [
        Problem(
            source.locate(("settings",)),
            f"settings file '{ref}' does not exist (looked for {target})",
            "$.settings",
            code="meaning.settings-file",
            rank=20,
        )
    ]


def check_document(
    loaded: Loaded, path: Path, *, transforms: TransformRegistry | None = None
) -> tuple[Document | None, list[Problem]]:
    """Run every stage over a loaded file; the document is returned only when it is valid.

    ``transforms`` is the caller's transform registry, when it has its own: the schema check
    must accept the transforms the compiler will build from it."""
    problems = list(loaded.problems)
    structural = any(p.rank == 0 for p in problems)
    if structural:
        return None, problems
    kind, header = _header_problems(loaded.data, loaded.source)
    problems += header
    if kind is None:
        return None, problems
    entry = None if problems else _verdict_entry(loaded, transforms)
    if entry is None or diskcache.load("checked", entry) is None:
        found = schema_problems(
            loaded.data,
            loaded.source,
            loaded.data["apiVersion"],
            kind,
            skip={p.json_path for p in problems},
            transforms=transforms,
        )
        found += semantic.check(kind, loaded.data, loaded.source)
        if entry is not None and not found:
            diskcache.store("checked", entry, True)
        problems += found
    problems += _settings_reference(kind, loaded.data, path, loaded.source)
    if problems:
        return None, problems
    return valid_document(loaded, path, kind, transforms=transforms), []


def _verdict_entry(loaded: Loaded, transforms: TransformRegistry | None) -> str | None:
    """Where the disk cache (``engine.diskcache``) keeps "the schema and meaning checks found
    nothing" for this text, or None when it cannot: the text is unknown, or the caller has a
    registry of its own. Both checks read the document alone, so the verdict is a function of
    its text, of Ferry's code (schemas included) and of the installed transform plugins (which
    the schema admits): the key holds all three. A document with problems is checked every
    time (its problems name its file and are rare)."""
    if not loaded.digest or transforms is not None:
        return None
    return diskcache.key(loaded.digest, diskcache.engine_stamp(), installed_stamp())


def valid_document(
    loaded: Loaded, path: Path, kind: str, *, transforms: TransformRegistry | None = None
) -> Document:
    """The document of a loaded file the checks passed, with its model built (once, here).

    ``engine.diff.loading`` calls it too, for a file whose only problem it tolerates."""
    model = build_model(kind, loaded.data, transforms=transforms)
    version = loaded.data["apiVersion"]
    return Document(path, version, kind, loaded.data, loaded.source, model, loaded.digest)


def load_document(
    path: Path, *, kind: str | None = None, transforms: TransformRegistry | None = None
) -> Document:
    """Load and validate one file; raise ``SpecError`` listing every problem."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    doc, problems = check_document(load_path(path), path, transforms=transforms)
    if doc is not None and kind is not None and doc.kind != kind:
        problems = [
            Problem(
                doc.source.locate(("kind",)),
                f"expected a {kind} file, got {doc.kind}",
                "$.kind",
                code="spec.kind",
                rank=1,
            )
        ]
    if problems or doc is None:
        raise SpecError(problems)
    return doc


def spec_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders to the YAML files below them; missing paths are usage errors."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES)
        elif path.is_file():
            yield path
        else:
            raise UsageError(f"{path}: no such file or folder")


def _cross_file(docs: list[Document], *, requirements: bool) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[tuple[str, str], Document] = {}
    for doc in docs:
        key = (doc.kind, doc.name)
        if key in first:
            problems.append(
                Problem(
                    doc.source.locate(("metadata", "name")),
                    f"{doc.kind} name '{doc.name}' is also used by {first[key].path}",
                    "$.metadata.name",
                    code="meaning.duplicate-name",
                    rank=30,
                )
            )
        first.setdefault(key, doc)
    mappings = {d.name for d in docs if d.kind == "Mapping"}
    for doc in docs if requirements else []:
        problems += _missing_requirements(doc, mappings)
    return problems


def _missing_requirements(doc: Document, mappings: set[str]) -> list[Problem]:
    if doc.kind != "Mapping":
        return []
    model = doc.mapping
    named: list[tuple[str, JsonPath]] = [
        (name, req.name_path(position))
        for req in model.all_requirements()
        for position, name in enumerate(req.mappings)
    ]
    named += [(n, ("identity", "one_of", i)) for i, n in enumerate(model.identity.one_of)]
    return [
        Problem(
            doc.source.locate(path),
            f"requires mapping '{name}', which is "
            f"not among the specs given{did_you_mean(str(name), mappings)}",
            json_path(path),
            code="meaning.requires",
            rank=30,
        )
        for name, path in named
        if name not in mappings
    ]


def check_paths(paths: Iterable[Path]) -> tuple[list[Document], list[Problem]]:
    """Check files and folders on their own and against each other; return the valid
    documents and every problem found (unsorted).

    Checks across files (``requires:`` naming a mapping) run only when a folder is given: a
    single file is checked on its own. ``engine.run.validation.validate_paths`` adds the
    checks that
    need the catalogs and the compiler.
    """
    paths = list(paths)
    docs: list[Document] = []
    problems: list[Problem] = []
    for path in spec_files(paths):
        doc, found = check_document(load_path(path), path)
        problems += found
        if doc is not None:
            docs.append(doc)
    if not problems:
        problems += _cross_file(docs, requirements=any(p.is_dir() for p in paths))
    return docs, problems
