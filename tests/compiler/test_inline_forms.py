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
    "mapped": '[{map: {values: {a: "1", "2025-01-31": "2"}}}]',
    "ref": "[{lookup: {table: t, as: ref}}]",
    "day": '[{date: {output: "%m/%d/%Y"}}]',
    "day_then_trim": '[{date: {output: "%d.%m.%Y"}}, trim]',
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
