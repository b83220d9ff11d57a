"""Checks ``ferry validate`` adds once a spec is valid on its own: against the catalogs of the
systems it talks to, and by compiling it.

Why here and not in the meaning checks: both need more than the file - the catalogs (a
project's pulled ones or the shipped ones) and the settings file - and both must run before
``render``, ``plan`` or a sync would find the same problem later (a typo'd field that reads
nothing, a time zone that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine import diskcache
from engine.check.catalog.speccheck import check_mapping
from engine.check.catalog.store import Catalogs, catalog_stamp
from engine.check.requirements import SettingsOf, settings_resolver
from engine.check.specfile import Document, check_paths
from engine.compile.compiler import check_compile
from engine.errors import ConfigError, Problem, SpecError
from engine.transforms import InMemorySequenceStore, installed_stamp


def validate_specs(
    paths: Iterable[Path], *, catalogs: Path | None = None
) -> tuple[list[Document], list[Problem]]:
    """Validate files and folders; return the valid documents and all problems, best first.

    The checks of each file and across files (``engine.check.specfile.check_paths``), then
    each valid Mapping checked against the catalogs (``catalogs`` names the project's folder;
    see ``engine.check.catalog.store``) and compiled. Problems include warnings
    (``Problem.is_warning``). Here, above the compiler, so the check stage never reaches up
    to it. ``engine.run.validation.validate_paths`` adds the Connections files' driver
    checks.
    """
    docs, problems = check_paths(paths)
    settings_of = settings_resolver(None)  # each settings file loaded once, not per mapping
    for doc in docs:
        problems += document_problems(doc, catalogs, settings_of)
    return docs, sorted(problems, key=lambda p: (p.rank, p.location))


def document_problems(
    doc: Document, catalogs_dir: Path | None = None, settings_of: SettingsOf | None = None
) -> list[Problem]:
    """Catalog problems (errors and warnings) and compile problems of a valid Mapping (the
    compile goes as far as its problems: the generated code is written when a run compiles),
    with the settings ``settings_of`` gives it (its own settings file by default)."""
    if doc.kind != "Mapping":
        return []
    catalogs = Catalogs.for_spec(doc.path, catalogs_dir)
    entry = _verdict_entry(doc, catalogs)
    if entry is not None and diskcache.load("catalog-checked", entry) is not None:
        problems: list[Problem] = []
    else:
        try:
            problems = check_mapping(doc.mapping, doc.source, doc.path, catalogs)
        except ConfigError as exc:
            problems = [Problem(doc.source.locate(()), str(exc), code="catalog.file", rank=25)]
        if entry is not None and not problems:
            diskcache.store("catalog-checked", entry, True)
    return problems + _compile_problems(doc, settings_of or settings_resolver(None))


def _verdict_entry(doc: Document, catalogs: Catalogs) -> str | None:
    """Where the disk cache (``engine.diskcache``) keeps "the catalog check found nothing" for
    this document, or None when it cannot (its text unknown). The check reads the document's
    model and the catalogs alone: the key holds its text, Ferry's code (the shipped catalogs
    included), the installed transform plugins (which the model is built with) and each
    catalog folder's files. A document with problems or warnings is checked every time."""
    if not doc.digest:
        return None
    folders = [str(f) for f in catalogs.folders] + [catalog_stamp(f) for f in catalogs.folders]
    return diskcache.key(
        doc.digest, str(doc.path), diskcache.engine_stamp(), installed_stamp(), *folders
    )


def _compile_problems(doc: Document, settings_of: SettingsOf) -> list[Problem]:
    settings = settings_of(doc)
    if settings is None:
        return []  # the settings file's own problems are reported when it is validated
    try:
        check_compile(doc, settings, sequences=InMemorySequenceStore())
    except SpecError as exc:
        return list(exc.problems)
    return []
