"""How values, places and counts read in every format: one spelling across text and markdown.

Why shared: a reviewer who reads the terminal output and then the pull-request comment should
see ``customer.yaml:79``, ``{from: billTo.workPhone}`` and ``1 breaking, 2 risky`` spelt the
same way in both.
"""

from __future__ import annotations

from typing import Any

from engine import jsonio
from engine.diff.model import ABSENT, Report, SpecDiff
from engine.diff.normal import flow
from engine.errors import Location
from engine.load.scalars import resolve_plain


def where(location: Location | None) -> str:
    """``file:line`` (the column is in the json), or ``(absent)`` for a side without it."""
    if location is None:
        return "(absent)"
    return f"{location.file}:{location.line}" if location.line > 0 else location.file


def shown(value: Any) -> str:
    """A before/after value for people: text as is (expressions, guards, comments), unless it
    would read as another type (``"1"``, ``"true"``, ``""``); anything else as YAML flow."""
    if isinstance(value, str) and value.strip() == value and resolve_plain(value) == value:
        return value
    return flow(value)


def payload_value(value: Any) -> str:
    """A rendered payload value, as the JSON the endpoint receives (``(absent)``: not sent)."""
    return "(absent)" if value is ABSENT else jsonio.dumps_str(value)


def summary(report: Report) -> str:
    """``1 breaking, 2 risky, 0 info; 1 version problem`` (the counts people look for)."""
    counts = ", ".join(f"{n} {s.value}" for s, n in report.counts().items())
    problems = len(report.version_problems)
    if problems:
        counts += f"; {problems} version problem" + ("s" if problems > 1 else "")
    return counts


def spec_title(spec: SpecDiff) -> str:
    """``name (Kind, v1 → v2, changed)``; kinds without a version (Connections) show none."""
    if spec.old_version is None and spec.new_version is None:
        return f"{spec.name} ({spec.kind}, {spec.status})"
    old = "-" if spec.old_version is None else f"v{spec.old_version}"
    new = "-" if spec.new_version is None else f"v{spec.new_version}"
    return f"{spec.name} ({spec.kind}, {old} → {new}, {spec.status})"


def modes_text(modes: tuple[str, ...]) -> str:
    """``create+update``: the modes in which a record or field changes."""
    return "+".join(modes)


IMPACT_TEXT = {
    "payload": "payload changes",
    "now-skipped": "now skipped",
    "no-longer-skipped": "no longer skipped",
    "now-fails": "now fails",
    "no-longer-fails": "no longer fails",
    "action": "result changes",
}
