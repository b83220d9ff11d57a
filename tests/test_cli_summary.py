"""The run summary of ``ferry plan`` / ``ferry sync``: written without rich where rich's output
would be plain text, and then byte for byte what rich writes.

Rich is made to write the same report by ``FORCE_COLOR=""`` (rich: not a terminal, so no
styles; Ferry: leave the layout to rich), so each generated report is rendered both ways."""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.sync_cmd import render_plan, render_summary
from engine.run.sync.outcomes import OUTCOMES, MappingReport, RecordResult, RunReport

# Mostly what reports hold (names, ids, sentences); sometimes what rich would treat specially:
# markup, emoji codes, tabs, newlines, wide and combining characters, trailing spaces.
ODD = ["[bold]x[/bold]", ":smile:", "a:b:c", "\t", "\n", "日本", "e\u0301", "  ", "[", ":"]
PLAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/_. ()'", max_size=30)
TEXT = st.lists(st.one_of(PLAIN, PLAIN, PLAIN, PLAIN, st.sampled_from(ODD)), max_size=3).map(
    "".join
)


@st.composite
def reports(draw: st.DrawFn, text: st.SearchStrategy[str]) -> RunReport:
    """Reports whose every text is drawn from ``text``."""
    report = RunReport(
        draw(st.one_of(st.none(), st.integers(1, 10**6))),
        draw(st.sampled_from(["plan", "sync"])),
        status=draw(st.sampled_from(["planned", "succeeded", "failed", "partial"])),
        error=draw(st.one_of(st.none(), text)),
    )
    for name in draw(st.lists(text.filter(bool), max_size=13, unique=True)):
        counts = draw(st.dictionaries(st.sampled_from(OUTCOMES), st.integers(0, 10**8)))
        mapping = MappingReport(name, counts=Counter(counts))
        mapping.notes = draw(st.lists(text, max_size=2))
        report.mappings.append(mapping)
    for _ in range(draw(st.integers(0, 3))):
        again = draw(st.booleans())
        report.attention.append(
            RecordResult(draw(text), draw(text), draw(st.sampled_from(OUTCOMES)), again=again)
        )
        report.attention[-1].reason = draw(st.one_of(st.none(), text))
        report.attention[-1].warnings = draw(st.lists(text, max_size=2))
    return report


@contextmanager
def environ(**values: str | None) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def summary(report: RunReport, *, by_rich: bool) -> str:
    out = io.StringIO()
    with environ(FORCE_COLOR="" if by_rich else None, TTY_COMPATIBLE=None):
        render_summary(report, out)
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    report=st.one_of(reports(PLAIN), reports(TEXT)),
    width=st.one_of(st.integers(20, 200), st.just(140)),
)
def test_the_summary_is_what_rich_writes(report: RunReport, width: int) -> None:
    with environ(COLUMNS=str(width)):
        assert summary(report, by_rich=False) == summary(report, by_rich=True)


def test_a_folder_plan_summary_is_what_rich_writes() -> None:
    """The shipped folder's dozen mappings in the stable width of a pipe: the plain path, the
    long names cut as rich cuts them."""
    report = RunReport(None, "plan", status="planned")
    for n in range(12):
        report.mappings.append(MappingReport(f"zuora-netsuite/charge-non-inventory-item-{n}"))
        report.mappings[-1].counts.update(created=n * 1000, skipped=n)
    report.mappings[0].notes.append("5 records would be re-keyed (identity changed)")

    with environ(COLUMNS=None):
        plain = summary(report, by_rich=False)
        assert plain == summary(report, by_rich=True)
    assert plain.startswith("ferry plan: planned\n┏━")
    assert "│ zuora-netsuite/charge-non-invento… │" in plain
    total = next(line for line in plain.splitlines() if line.startswith("│ total "))
    assert total.split("│")[2].strip() == str(sum(n * 1000 for n in range(12)))


def test_a_mapping_name_that_reads_as_markup_is_laid_out_as_rich_reads_it() -> None:
    """Rich reads a table's cells as markup: ``[bold]x[/bold]`` is an ``x`` in bold."""
    names = ["0", "[bold]x[/bold]", "[not a tag"]
    report = RunReport(None, "plan", status="planned", mappings=[MappingReport(n) for n in names])

    with environ(COLUMNS="117"):
        plain = summary(report, by_rich=False)
        assert plain == summary(report, by_rich=True)
    assert "│ x " in plain


def test_a_plan_lists_each_record_then_the_summary() -> None:
    report = RunReport(None, "plan", status="planned", mappings=[MappingReport("m")])
    report.mappings[0].counts.update(created=1)
    results = [RecordResult("m", "A1", "created", payload={"name": "Acme"})]
    out = io.StringIO()

    with environ(COLUMNS="80"):
        render_plan(report, results, out)

    assert out.getvalue().startswith('created   m A1\n    name: "Acme"\nferry plan: planned\n┏')


def test_more_than_fifty_records_to_look_at_end_in_a_count() -> None:
    report = RunReport(7, "sync", status="partial", mappings=[MappingReport("m")])
    report.mappings[0].counts.update(rejected=55)
    report.attention = [RecordResult("m", f"A{n}", "rejected", reason="no") for n in range(55)]

    plain = summary(report, by_rich=False)

    assert plain == summary(report, by_rich=True)
    assert plain.endswith("rejected: m A49: no\n... and 5 more (see the JSON report)\n")
