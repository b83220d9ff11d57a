"""Ferry: a declarative sync engine. The public Python API.

    plan = load_mapping("mappings/zuora-netsuite/customer.yaml")
    payload = plan.render(record)            # None when a guard skips the record
    for payload in plan.render_many(records): ...

``validate`` checks files and folders and returns every problem, best first.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import (
    FerryError,
    Location,
    Problem,
    RenderError,
    SpecError,
)
from engine.explain import Explanation, explain
from engine.plan import Context, Outcome, Plan
from engine.settings import Settings, default_settings, load_settings
from engine.specfile import Document, load_document, validate_paths
from engine.transforms import SequenceStore, TransformRegistry, default_registry

__all__ = [
    "Context",
    "Document",
    "Explanation",
    "FerryError",
    "Location",
    "Outcome",
    "Plan",
    "Problem",
    "RenderError",
    "Settings",
    "SpecError",
    "compile_mapping",
    "default_registry",
    "explain",
    "load_mapping",
    "load_settings",
    "validate",
]


def validate(*paths: str | Path) -> list[Problem]:
    """Every problem in the given spec files and folders, best first (empty when valid)."""
    return validate_paths(Path(p) for p in paths)[1]


def settings_for(doc: Document, settings: Settings | str | Path | None) -> Settings:
    """The settings a mapping compiles with: given, else its ``settings:`` file, else defaults."""
    if isinstance(settings, Settings):
        return settings
    if settings is not None:
        return load_settings(Path(settings))
    ref = doc.data.get("settings")
    if isinstance(ref, str):
        return load_settings(doc.path.parent / ref)
    return default_settings()


def compile_mapping(
    doc: Document,
    settings: Settings,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Compile a validated Mapping document for the given settings."""
    from engine.compiler import compile_document

    return compile_document(doc, settings, registry=registry, sequences=sequences)


def load_mapping(
    path: str | Path,
    settings: Settings | str | Path | None = None,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Load, validate and compile a Mapping spec; raise ``SpecError`` with every problem."""
    doc = load_document(Path(path), kind="Mapping")
    return compile_mapping(doc, settings_for(doc, settings), registry=registry, sequences=sequences)
