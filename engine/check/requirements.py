"""``requires:`` that can never be satisfied under the settings: refused before any run.

Why: a mapping that is switched off by a setting (``enabled: {setting: ...}``) never syncs a
record, so a mapping that requires only it holds every record back, run after run, with exit
code 0. With ``customer_account_master: netsuite``, invoices requiring only
``zuora-netsuite/customer`` would never reach NetSuite. ``ferry validate`` and every run refuse
such a requirement, at its location, naming the setting and the mappings that could own the
parents instead (those linking the same two objects, either way).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.check.settings import Settings, default_settings, load_settings
from engine.check.specfile import Document
from engine.errors import Problem, SpecError
from engine.load.source import json_path
from engine.model.nodes import Switch

SettingsOf = Callable[[Document], Settings | None]


def settings_resolver(override: Path | None) -> SettingsOf:
    """The settings each mapping runs with: ``override``, else its own ``settings:`` file (None
    when that file cannot be read: its own problems are reported where it is validated)."""
    given = load_settings(override) if override is not None else None
    cache: dict[Path, Settings | None] = {}

    def settings_of(doc: Document) -> Settings | None:
        if given is not None:
            return given
        ref = doc.mapping.settings_file
        if ref is None:
            return default_settings()
        path = (doc.path.parent / ref).resolve()
        if path not in cache:
            try:
                cache[path] = load_settings(path)
            except SpecError:
                cache[path] = None
        return cache[path]

    return settings_of


def _why_off(doc: Document, settings: Settings) -> str | None:
    """Why ``doc`` does not run under ``settings`` (None when it runs)."""
    value = doc.mapping.enabled
    if settings.choose(value):
        return None
    if isinstance(value, Switch):
        return f"{value.setting}: {settings.get(value.setting)}"
    return "enabled: false"


def _objects(doc: Document) -> frozenset[tuple[str, str]]:
    ends = (doc.mapping.source, doc.mapping.destination)
    return frozenset((e.endpoint, e.object) for e in ends)


def _requirements(doc: Document) -> list[tuple[tuple[str | int, ...], list[str]]]:
    return [((*r.path, "mapping"), list(r.mappings)) for r in doc.mapping.all_requirements()]


def unsatisfiable(docs: list[Document], settings_of: SettingsOf) -> list[Problem]:
    """A problem for every requirement of a running mapping whose mappings all do not run."""
    mappings = {d.name: d for d in docs if d.kind == "Mapping"}
    problems: list[Problem] = []
    for doc in mappings.values():
        settings = settings_of(doc)
        if settings is None or _why_off(doc, settings) is not None:
            continue
        for path, names in _requirements(doc):
            problem = _check(doc, path, names, mappings, settings)
            if problem is not None:
                problems.append(problem)
    return problems


def _check(
    doc: Document,
    path: tuple[str | int, ...],
    names: list[str],
    mappings: dict[str, Document],
    settings: Settings,
) -> Problem | None:
    required = [mappings[n] for n in names if n in mappings]
    if len(required) < len(names):
        return None  # a mapping not among the specs given: reported as meaning.requires
    reasons = [_why_off(r, settings) for r in required]
    if any(reason is None for reason in reasons):
        return None
    off = ", ".join(f"{r.name}: {reason}" for r, reason in zip(required, reasons, strict=True))
    owners = sorted(
        m.name
        for m in mappings.values()
        if m.name not in names
        and _why_off(m, settings) is None
        and any(_objects(m) == _objects(r) for r in required)
    )
    hint = None
    if owners:
        hint = (
            f"name the mapping that syncs these parents under this setting as an alternative: "
            f"mapping: [{', '.join([*names, *owners])}]"
        )
    return Problem(
        doc.source.locate(path),
        f"requires {' or '.join(names)}, "
        + ("which does not run" if len(names) == 1 else "none of which runs")
        + f" under the settings given ({off}): every record would be held back for ever",
        json_path(path),
        code="meaning.requires-disabled",
        hint=hint,
        rank=30,
    )
