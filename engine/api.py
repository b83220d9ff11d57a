"""The functions of Ferry's public API (re-exported by ``engine``)."""

from __future__ import annotations

from pathlib import Path

from engine.check.settings import Settings
from engine.check.settings import settings_for as settings_for
from engine.check.specfile import Document, load_document
from engine.compile.plan import Plan
from engine.errors import Problem
from engine.run.validation import validate_paths
from engine.transforms import SequenceStore, TransformRegistry


def validate(*paths: str | Path) -> list[Problem]:
    """Every problem in the given spec files and folders, best first (empty when valid)."""
    return validate_paths(Path(p) for p in paths)[1]


def compile_mapping(
    doc: Document,
    settings: Settings,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Compile a validated Mapping document for the given settings."""
    from engine.compile.compiler import compile_document

    return compile_document(doc, settings, registry=registry, sequences=sequences)


def load_mapping(
    path: str | Path,
    settings: Settings | str | Path | None = None,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Load, validate and compile a Mapping spec; raise ``SpecError`` with every problem."""
    doc = load_document(Path(path), kind="Mapping", transforms=registry)
    return compile_mapping(doc, settings_for(doc, settings), registry=registry, sequences=sequences)
