"""A diff report as text (terminals, CI logs), json (tools) or markdown (``markdown.py``).

Why three renderers over one ``Report``: people read a terminal top to bottom and CI logs from
the bottom up (so the text has the counts at both ends); tools want every fact with a stable
key (the json is versioned by ``format``); a pull request wants a comment it can paste as is.
Values are shown as compact YAML flow text, as a consultant writes them in a spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import jsonio
from engine.diff.markdown import render_markdown
from engine.diff.model import (
    ABSENT,
    Change,
    FixtureImpact,
    RecordImpact,
    Report,
    SpecDiff,
)
from engine.diff.show import (
    IMPACT_TEXT,
    modes_text,
    payload_value,
    shown,
    spec_title,
    summary,
    where,
)
from engine.errors import Location

JSON_FORMAT = "ferry-diff/1"


# --- text ------------------------------------------------------------------------------------


def _text_value(label: str, value: Any) -> list[str]:
    lines = shown(value).splitlines() or [""]
    first = f"      {label:<7}{lines[0]}"
    return [first, *(" " * 13 + line for line in lines[1:])]


def _text_change(change: Change) -> list[str]:
    head = f"  {change.severity.value:<10}{change.category.value:<16}{change.subject}"
    return [
        head,
        f"      {change.summary}",
        *_text_value("before", change.before),
        *_text_value("after", change.after),
        f"      {'where':<7}{where(change.old)} → {where(change.new)}",
    ]


def _text_impact(impact: RecordImpact) -> list[str]:
    lines = [f"    {impact.key}  [{modes_text(impact.modes)}]  {IMPACT_TEXT[impact.kind]}"]
    for delta in impact.fields:
        before, after = payload_value(delta.before), payload_value(delta.after)
        only = f"  [{modes_text(delta.modes)}]" if delta.modes != impact.modes else ""
        lines.append(f"        {delta.path}: {before} → {after}{only}")
    if not impact.fields:
        lines += [f"        was: {impact.before}", f"        now: {impact.after}"]
    return lines


def _text_fixture(fixture: FixtureImpact) -> list[str]:
    changed = len({i.key for i in fixture.impacts})
    source = f" from {fixture.records_file}" if fixture.records_file else ""
    lines = [f"  {fixture.spec}: {changed} of {fixture.records} record(s) change{source}"]
    lines += [f"    note: {note}" for note in fixture.notes]
    for impact in fixture.impacts:
        lines += _text_impact(impact)
    return lines


def render_text(report: Report) -> str:
    """The report for a terminal or a CI log."""
    out = [f"ferry diff: {report.old_label} → {report.new_label}", summary(report), ""]
    for spec in report.specs:
        if spec.status == "unchanged" and spec.version_problem is None:
            continue
        out.append(spec_title(spec))
        if spec.version_problem is not None:
            problem = spec.version_problem
            out.append(f"  ! version: {problem.message} ({where(problem.location)})")
        for change in spec.changes:
            out += _text_change(change)
        out.append("")
    unchanged = [s.name for s in report.specs if s.status == "unchanged"]
    if unchanged:
        out.append("unchanged: " + ", ".join(unchanged))
        out.append("")
    if report.fixtures is not None:
        out.append(f"fixtures: {report.fixtures_dir}")
        if not report.fixtures:
            out.append("  no mapping or setting changed: nothing to render")
        for fixture in report.fixtures:
            out += _text_fixture(fixture)
        out.append("")
    out.append(f"summary: {summary(report)}")
    return "\n".join(out) + "\n"


def render_version_check(report: Report) -> str:
    """Only the version check (``--check-version``): one located line per problem."""
    lines = [
        f"{where(p.location)}: {p.message}" if p.location else p.message
        for p in report.version_problems
    ]
    return "".join(line + "\n" for line in lines)


# --- json ------------------------------------------------------------------------------------


def _location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def _sides(before: Any, after: Any) -> dict[str, Any]:
    """``before``/``after`` keys, left out for a side that does not exist (a value may be
    null, so absence cannot be written as null)."""
    out = {}
    if before is not ABSENT:
        out["before"] = before
    if after is not ABSENT:
        out["after"] = after
    return out


def _json_change(change: Change) -> dict[str, Any]:
    return {
        "severity": change.severity.value,
        "category": change.category.value,
        "subject": change.subject,
        "field": change.field,
        "summary": change.summary,
        **_sides(change.before, change.after),
        "old": _location(change.old),
        "new": _location(change.new),
        "cosmetic": change.cosmetic,
    }


def _json_spec(spec: SpecDiff) -> dict[str, Any]:
    problem = spec.version_problem
    return {
        "kind": spec.kind,
        "name": spec.name,
        "status": spec.status,
        "old_file": spec.old_file,
        "new_file": spec.new_file,
        "old_version": spec.old_version,
        "new_version": spec.new_version,
        "version_problem": None
        if problem is None
        else {"message": problem.message, "location": _location(problem.location)},
        "changes": [_json_change(c) for c in spec.changes],
    }


def _json_fixture(fixture: FixtureImpact) -> dict[str, Any]:
    return {
        "spec": fixture.spec,
        "records_file": fixture.records_file,
        "destinations_file": fixture.destinations_file,
        "records": fixture.records,
        "notes": list(fixture.notes),
        "changes": [
            {
                "key": i.key,
                "modes": list(i.modes),
                "change": i.kind,
                "fields": [
                    {"path": d.path, **_sides(d.before, d.after), "modes": list(d.modes)}
                    for d in i.fields
                ],
                **({"before": i.before, "after": i.after} if not i.fields else {}),
            }
            for i in fixture.impacts
        ],
    }


def render_json(report: Report) -> str:
    """The report for tools; ``format`` names this shape's version."""
    counts = {s.value: n for s, n in report.counts().items()}
    data = {
        "format": JSON_FORMAT,
        "old": report.old_label,
        "new": report.new_label,
        "summary": {**counts, "version_problems": len(report.version_problems)},
        "specs": [_json_spec(s) for s in report.specs],
        "fixtures": None
        if report.fixtures is None
        else {"dir": report.fixtures_dir, "mappings": [_json_fixture(f) for f in report.fixtures]},
    }
    return jsonio.dumps_str(data, pretty=True) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render(report: Report, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of ``FORMATS``)."""
    return FORMATS[fmt](report)
