"""A diff report as GitHub-flavoured markdown, ready to paste as a pull-request comment.

Why its own module: markdown has escaping rules that must hold for any spec text — a ``|``
inside a JMESPath ``||`` would split a table cell, a ``<placeholder>`` would vanish as HTML, a
backtick would end a code span early, a newline would end the table row. Every value passes
through ``code`` and every free text through ``text``, so the comment renders whatever the
spec says. Payload impact sits in a collapsed ``<details>`` block: the meaning changes are the
review, the records are the evidence.
"""

from __future__ import annotations

import re
from typing import Any

from engine.diff.model import ABSENT, Change, FixtureImpact, Report, Severity, SpecDiff
from engine.diff.show import (
    IMPACT_TEXT,
    modes_text,
    payload_value,
    shown,
    spec_title,
    summary,
    where,
)

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")
_RUNS = re.compile(r"`+")


def text(value: str) -> str:
    """Free text with every markdown-active character escaped."""
    return _SPECIAL.sub(r"\\\1", value)


def code(value: str) -> str:
    """A table-safe code span (several lines become several spans); ``—`` for nothing."""
    if not value:
        return "—"
    spans = []
    for line in value.splitlines() or [""]:
        fence = "`" * (max((len(r) for r in _RUNS.findall(line)), default=0) + 1)
        pad = " " if line.startswith("`") or line.endswith("`") or not line.strip() else ""
        spans.append(f"{fence}{pad}{line.replace('|', chr(92) + '|')}{pad}{fence}")
    return "<br>".join(spans)


def _value(value: Any) -> str:
    return "—" if value is ABSENT else code(shown(value))


def _severity(severity: Severity) -> str:
    return f"**{severity.value}**" if severity is Severity.BREAKING else severity.value


def _where(change: Change) -> str:
    old = code(where(change.old)) if change.old else "—"
    new = code(where(change.new)) if change.new else "—"
    return f"{old} → {new}"


def _change_row(change: Change) -> str:
    cells = [
        _severity(change.severity),
        change.category.value,
        f"{text(change.subject)}: {text(change.summary)}",
        _value(change.before),
        _value(change.after),
        _where(change),
    ]
    return "| " + " | ".join(cells) + " |"


def _spec(spec: SpecDiff) -> list[str]:
    lines = [f"#### {text(spec_title(spec))}", ""]
    if spec.version_problem is not None:
        problem = spec.version_problem
        lines += [
            f"> **Version not bumped:** {text(problem.message)} ({code(where(problem.location))})",
            "",
        ]
    if spec.changes:
        lines += [
            "| severity | category | change | before | after | old → new |",
            "|---|---|---|---|---|---|",
            *(_change_row(c) for c in spec.changes),
            "",
        ]
    return lines


def _fixture(fixture: FixtureImpact) -> list[str]:
    changed = len({i.key for i in fixture.impacts})
    title = (
        f"Fixture impact, <code>{text(fixture.spec)}</code>: {changed} of "
        f"{fixture.records} record(s) change"
    )
    lines = ["<details>", f"<summary>{title}</summary>", ""]
    if fixture.records_file:
        lines += [f"Records: {code(fixture.records_file)}", ""]
    lines += [f"- {text(note)}" for note in fixture.notes]
    if fixture.notes:
        lines.append("")
    if fixture.impacts:
        lines += [
            "| record | change | modes | field | before | after |",
            "|---|---|---|---|---|---|",
        ]
    for impact in fixture.impacts:
        head = [code(str(impact.key)), IMPACT_TEXT[impact.kind]]
        if not impact.fields:
            row = [*head, modes_text(impact.modes), "", code(impact.before), code(impact.after)]
            lines.append("| " + " | ".join(row) + " |")
        for delta in impact.fields:
            before, after = (
                "—" if v is ABSENT else code(payload_value(v)) for v in (delta.before, delta.after)
            )
            row = [*head, modes_text(delta.modes), code(delta.path), before, after]
            lines.append("| " + " | ".join(row) + " |")
            head = ["", ""]
    lines += ["", "</details>", ""]
    return lines


def render_markdown(report: Report) -> str:
    """The report as a pull-request comment."""
    worst = report.worst()
    counts = summary(report)
    if worst is Severity.BREAKING or report.version_problems:
        counts = f"**{counts}**"
    lines = [
        f"### Ferry diff: {code(report.old_label)} → {code(report.new_label)}",
        "",
        counts,
        "",
    ]
    for spec in report.specs:
        if spec.status != "unchanged" or spec.version_problem is not None:
            lines += _spec(spec)
    unchanged = [code(s.name) for s in report.specs if s.status == "unchanged"]
    if unchanged:
        lines += ["Unchanged: " + ", ".join(unchanged), ""]
    if report.fixtures is not None and not report.fixtures:
        lines += [
            f"Fixtures in {code(str(report.fixtures_dir))}: no mapping or setting changed.",
            "",
        ]
    for fixture in report.fixtures or ():
        lines += _fixture(fixture)
    return "\n".join(lines).rstrip("\n") + "\n"
