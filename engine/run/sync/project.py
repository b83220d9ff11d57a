"""A set of mapping specs run together: loaded, compiled with one settings file, in order.

Why a unit of its own: ``ferry sync mappings/zuora-netsuite/`` runs every enabled mapping of a
connector in dependency order (accounts, catalog, invoices, payments, credit memos, refunds),
and all of them must see the same settings — two files disagreeing about the customer master
would sync in both directions at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import msgspec

from engine.check.requirements import unsatisfiable
from engine.check.settings import Settings, load_settings, settings_for
from engine.check.specfile import Document
from engine.compile.compiler import compile_document
from engine.compile.plan import Plan
from engine.errors import Problem, SpecError, UsageError
from engine.run.sync.sequences import RunSequences
from engine.run.validation import validate_paths


class Project(msgspec.Struct, frozen=True):
    """The compiled plans of a run (enabled ones, in order) and their shared settings."""

    plans: tuple[Plan, ...]
    disabled: tuple[Plan, ...]
    settings: Settings
    # what engine-side numbering draws from: the run attaches its state file
    sequences: RunSequences = msgspec.field(default_factory=RunSequences)

    def plan(self, name: str) -> Plan | None:
        return next((p for p in self.plans if p.name == name), None)


def _one_settings(mappings: list[Document], override: Path | None) -> Settings:
    if override is not None:
        return load_settings(override)
    chosen: dict[Path, Document] = {}
    for doc in mappings:
        ref = doc.mapping.settings_file
        if ref is not None:
            chosen.setdefault((doc.path.parent / ref).resolve(), doc)
    if len(chosen) > 1:
        problems = [
            Problem(
                d.source.locate(("settings",)),
                f"mappings run together must share one settings file; this one names {p}",
                "$.settings",
                code="project.settings",
            )
            for p, d in chosen.items()
        ]
        raise SpecError(problems)
    return settings_for(mappings[0], None) if mappings else Settings.__new__(Settings)


def load_project(paths: Iterable[Path], *, settings: Path | None = None) -> Project:
    """Validate and compile every Mapping under ``paths``."""
    paths = list(paths)
    docs, problems = validate_paths(paths)
    errors = [p for p in problems if not p.is_warning]  # warnings are for `ferry validate`
    if errors:
        raise SpecError(errors)
    mappings = [d for d in docs if d.kind == "Mapping"]
    if not mappings:
        raise UsageError("no Mapping specs found in " + ", ".join(map(str, paths)))
    resolved = _one_settings(mappings, settings)
    problems = unsatisfiable(mappings, lambda _doc: resolved)
    if problems:
        raise SpecError(problems)
    sequences = RunSequences()
    plans = [compile_document(d, resolved, sequences=sequences) for d in mappings]
    plans.sort(key=lambda p: (p.order, p.name))
    return Project(
        tuple(p for p in plans if p.enabled),
        tuple(p for p in plans if not p.enabled),
        resolved,
        sequences,
    )
