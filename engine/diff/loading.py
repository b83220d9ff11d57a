"""The two sides of a diff: every spec document of each version, validated and located.

Why not ``validate_paths`` as is: a diff must also read versions that do not sit in a checkout
— a git revision materialised in a temporary folder, or the lone temporary file ``git
difftool`` hands over — so each file carries the name people should see (``HEAD:mappings/
customer.yaml``) apart from where it is on disk. And a Mapping whose ``settings:`` file is not
beside it (difftool's temporary copy) is still compared: the meaning of a spec does not depend
on its settings; only rendering fixtures does, and that falls back visibly. Every other problem,
on either side, stops the diff with the located problems, best first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from engine.check.specfile import Document, check_document, spec_files, valid_document
from engine.errors import Problem, SpecError
from engine.load.source import load_path

TOLERATED = frozenset({"meaning.settings-file"})


class SpecFile(msgspec.Struct, frozen=True):
    """A file to read: where it is on disk, the name shown for it, and its path relative to
    the root it was found under (two versions of a file share that relative path)."""

    path: Path
    display: str
    rel: str


class Entry(msgspec.Struct, frozen=True):
    """A valid document of one side, with its file's text (for comments)."""

    doc: Document
    rel: str
    text: str


class Side(msgspec.Struct, frozen=True):
    """One version: a label for people (``HEAD``, ``working tree``, a path) and its specs."""

    label: str
    entries: tuple[Entry, ...]


def expand(paths: Iterable[Path], label: str | None = None) -> list[SpecFile]:
    """Files and folders to spec files, shown as given (a ``label`` renames a lone file)."""
    out = []
    for root in paths:
        for path in spec_files([root]):
            rel = "" if path == root else path.relative_to(root).as_posix()
            display = label if label is not None and path == root else str(path)
            out.append(SpecFile(path, display, rel))
    return out


def _read(spec: SpecFile) -> tuple[Entry | None, list[Problem]]:
    loaded = load_path(spec.path, spec.display)
    doc, problems = check_document(loaded, spec.path)
    if doc is None and problems and all(p.code in TOLERATED for p in problems):
        doc, problems = valid_document(loaded, spec.path, loaded.data["kind"]), []
    if doc is None:
        return None, problems
    if doc.kind == "Connections":  # the drivers' checks: imported only for such a file
        from engine.run.connections import document_problems

        if problems := document_problems(doc):
            return None, problems
    raw = spec.path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return Entry(doc, spec.rel, raw.decode("utf-8")), []


def _duplicates(entries: Sequence[Entry]) -> list[Problem]:
    seen: dict[tuple[str, str], Entry] = {}
    out = []
    for entry in entries:
        key = (entry.doc.kind, entry.doc.name)
        if key in seen:
            out.append(
                Problem(
                    entry.doc.source.locate(("metadata", "name")),
                    f"{key[0]} name '{key[1]}' is also used by {seen[key].doc.source.file}; "
                    "a diff matches specs by name",
                    "$.metadata.name",
                    code="meaning.duplicate-name",
                    rank=30,
                )
            )
        seen.setdefault(key, entry)
    return out


def load_side(label: str, files: Sequence[SpecFile]) -> tuple[Side, list[Problem]]:
    """Read every file of one version; the problems found, if any, say why it cannot be."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for spec in files:
        entry, found = _read(spec)
        problems += found
        if entry is not None:
            entries.append(entry)
    problems += _duplicates(entries)
    return Side(label, tuple(entries)), problems


def load_sides(
    old: tuple[str, Sequence[SpecFile]], new: tuple[str, Sequence[SpecFile]]
) -> tuple[Side, Side]:
    """Both versions, or a ``SpecError`` listing the problems of both, best first."""
    old_side, old_problems = load_side(*old)
    new_side, new_problems = load_side(*new)
    if old_problems or new_problems:
        raise SpecError(old_problems + new_problems)
    return old_side, new_side
