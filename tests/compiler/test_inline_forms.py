"""The transforms the fast tier writes inline (text, tables, ISO days kept per text, ISO
date-times) give exactly what their callables give in the explaining tier, for any value:
text of every shape, other JSON values, and values no JSON holds (``bytes``, a ``str``
subclass), one at a time and chained."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.compile.explaining import explain
from engine.errors import RenderError
from tests.compiler.specs import SpecWriter, streamed

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

TRANSFORMS = {
    "trim": "[trim]",
    "cut": "[{truncate: {length: 3}}]",
    "trimmed_and_cut": '[trim, {truncate: {length: 4, ellipsis: ".."}}]',
    "chained": '[trim, lower, {prefix: {text: "P-"}}]',
    "upper": "[upper]",
    "short": "[split_before_space]",
    "short_pipe": '[{split_before_space: {separator: "|"}}]',
    "mapped": '[{map: {values: {a: "1", "2025-01-31": "2"}}}]',
    "ref": "[{lookup: {table: t, as: ref}}]",
    "day": '[{date: {output: "%m/%d/%Y"}}]',
    "day_then_trim": '[{date: {output: "%d.%m.%Y"}}, trim]',
    "year_first": '[{date: {output: "%Y%m%d"}}]',
    "short_year_last": '[{date: {output: "%m/%d/%y"}}]',
    "no_year": '[{date: {output: "%d %m"}}]',
    "year_between": '[{date: {output: "%d/%Y/%m"}}]',
    "utc_day": "[{date: {input: iso-datetime, output: netsuite}}]",
    "la_time": (
        '[{date: {input: iso-datetime, output: "%Y-%m-%d %H:%M",'
        " timezone: America/Los_Angeles, assume_timezone: Europe/Paris}}]"
    ),
}
TABLES = 'tables:\n  t: {a: {id: "1"}, "2025-01-31": {id: "2"}}\n'


class Text(str):
    """A str subclass: no record read from JSON holds one, the Python API may."""


days = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 10000),
    st.integers(0, 13),
    st.integers(0, 32),
)
times = st.builds(
    lambda day, h, offset: f"{day}T{h:02d}:30:00{offset}",
    days,
    st.integers(0, 24),
    st.sampled_from(["", "Z", "+05:30", "-08:00", ".123Z"]),
)
values = st.one_of(
    days,
    times,
    st.sampled_from(["a", " a b ", "", "  ", "2024-02-29", "2023-02-29", "2025-01-31", "a\u00a0"]),
    st.sampled_from(["|a|b", "a|b", "||", " |a", "a b|c"]),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.5, Decimal("10.10"), b"2025-01-31", b" a ", [1], {"a": 1}]),
    days.map(Text),
    st.sampled_from([Text(" a "), Text("a")]),
)


def outcome(render: Any) -> Any:
    try:
        return ("payload", render())
    except RenderError as exc:
        return ("error", str(exc))


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, engine.Plan]:
    """One plan per transform (an error in one field would hide what another gives)."""
    specs = SpecWriter(tmp_path_factory.mktemp("inline"))
    return {
        name: specs.plan(f"fields:\n  - {{to: x, from: v, transforms: {steps}}}\n{TABLES}")
        for name, steps in TRANSFORMS.items()
    }


@PROPERTY
@given(value=values)
@pytest.mark.parametrize("name", TRANSFORMS)
def test_inline_forms_agree_with_their_callables(
    plans: dict[str, engine.Plan], name: str, value: Any
) -> None:
    plan, record = plans[name], {"id": "1", "v": value}

    slow = outcome(lambda: explain(plan, record).payload)

    assert outcome(lambda: plan.render(record)) == slow
    assert outcome(lambda: streamed(plan, record)) == slow
    # a second time: days are then looked up among the ones kept
    assert outcome(lambda: plan.render(record)) == slow


# Days the tables of month-days and years must not write on their own: impossible days, 29
# February in leap and common years, years below 1000 and the year 0, digits that are not ASCII,
# text around a day, and a day after its year was seen (then the tables write it).
EDGE_DAYS = [
    "2025-01-31",
    "2025-12-01",
    "2024-02-29",
    "2023-02-29",
    "2025-02-30",
    "2025-04-31",
    "2025-13-01",
    "2025-00-10",
    "0000-01-01",
    "0001-01-01",
    "0999-12-31",
    "9999-12-31",
    "\uff12\uff10\uff12\uff15-01-31",
    "2025-01-3\u0661",
    "2025/01/31",
    "2025-01-31 ",
    " 2025-01-31",
    "20250131",
    "2025-1-31",
    b"2025-01-31",
    Text("2026-03-04"),
    2025,
    ["2025-01-31"],
]
DAY_LAYOUTS = ["day", "day_then_trim", "year_first", "short_year_last", "no_year", "year_between"]


@pytest.mark.parametrize("name", DAY_LAYOUTS)
def test_iso_days_give_the_callables_text_through_the_tables_and_the_fallback(
    plans: dict[str, engine.Plan], name: str
) -> None:
    plan = plans[name]
    for attempt in range(2):  # the second time, every year of a real day has been seen
        for value in EDGE_DAYS:
            record = {"id": "1", "v": value}
            slow = outcome(lambda: explain(plan, record).payload)  # noqa: B023
            assert outcome(lambda: streamed(plan, record)) == slow, (attempt, value)  # noqa: B023
            assert outcome(lambda: plan.render(record)) == slow, (attempt, value)  # noqa: B023
    # a layout with the year once, first or last, or not at all, is written from the tables
    assert ("[v[4:]]" in plan.code()) == (name != "year_between")


def test_a_stream_of_days_in_new_years_and_impossible_days_renders_every_record_alike(
    plans: dict[str, engine.Plan],
) -> None:
    """render_many over a stream whose years first appear mid-stream: each record's payload is
    the explaining tier's, the ones after an unseen year included."""
    plan = plans["day"]
    days = [f"{year:04d}-{month:02d}-28" for year in (1987, 1988, 1987, 3001) for month in (2, 12)]
    records = [{"id": str(n), "v": day} for n, day in enumerate([*days, "1988-02-29"])]
    expected = [explain(plan, record).payload for record in records]
    assert list(plan.render_many(records)) == expected
    assert expected[-1] == {"x": "02/29/1988"}
