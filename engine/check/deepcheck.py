"""Checks ``ferry validate`` adds once a spec is valid on its own: against the catalogs of the
systems it talks to, and by compiling it.

Why here and not in the meaning checks: both need more than the file - the catalogs (a
project's pulled ones or the shipped ones) and the settings file - and both must run before
``render``, ``plan`` or a sync would find the same problem later (a typo'd field that reads
nothing, a time zone that does not exist).
"""

from __future__ import annotations

from pathlib import Path

from engine.check.catalog.speccheck import check_mapping
from engine.check.catalog.store import Catalogs
from engine.check.specfile import Document
from engine.errors import ConfigError, Problem, SpecError


def document_problems(doc: Document, catalogs_dir: Path | None = None) -> list[Problem]:
    """Catalog problems (errors and warnings) and compile problems of a valid Mapping."""
    if doc.kind != "Mapping":
        return []
    catalogs = Catalogs.for_spec(doc.path, catalogs_dir)
    try:
        problems = check_mapping(doc.data, doc.source, doc.path, catalogs)
    except ConfigError as exc:
        problems = [Problem(doc.source.locate(()), str(exc), code="catalog.file", rank=25)]
    return problems + _compile_problems(doc)


def _compile_problems(doc: Document) -> list[Problem]:
    from engine.check.settings import settings_for
    from engine.compile.compiler import compile_document
    from engine.transforms import InMemorySequenceStore

    try:
        settings = settings_for(doc, None)
    except SpecError:
        return []  # the settings file's own problems are reported when it is validated
    try:
        compile_document(doc, settings, sequences=InMemorySequenceStore())
    except SpecError as exc:
        return list(exc.problems)
    return []
