"""Every tier applies the same step rules: records x step lists x missing-value policies.

What a field's steps do with no value (an absent path, null), with ``OMIT``, and what the field's
``missing:`` policy makes of the result, is described once (``engine.transforms.semantics``) and
three tiers are made from it: the generated render functions (``Plan.render``, ``render_many``:
the unchecked fast body, and the checked body it falls back to), the explaining tier
(``engine.explain``, what ``ferry render --explain`` prints) and a transform list fused by the
registry (``compose``). Here each must give the payload this module's own reading of the
documented rules gives, for every value a record may hold, and the tiers must agree with each
other on the failures too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import Context, RenderError
from engine.transforms import MISSING, OMIT, TransformContext, transform
from tests.compiler.specs import SpecWriter
from tests.transforms.helpers import context

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@transform("vanish", examples=[{"params": {}, "input": "a", "output": MISSING}])
def vanish(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[Any], Any]:
    """A caller's transform that gives no value for "a", not sent for "b", else the value."""
    return lambda value: MISSING if value == "a" else OMIT if value == "b" else value


@transform("tag", examples=[{"params": {}, "input": "x", "output": "<x>"}])
def tag(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[Any], Any]:
    """A caller's transform without an inline form that would show MISSING if it were given it."""
    return lambda value: f"<{value!r}>"


REGISTRY = engine.default_registry().copy()
REGISTRY.register(vanish)
REGISTRY.register(tag)

# Step lists that between them put every kind (a value, no value, not sent) before every kind of
# step (one that accepts MISSING or not; with an inline form for text or without one).
STEP_LISTS: dict[str, list[Any]] = {
    "no steps": [],
    "trim": ["trim"],
    "trim, upper": ["trim", "upper"],
    "truncate": [{"truncate": {"length": 3}}],
    "map to null, then upper": [
        {"map": {"values": {"a": None, "b": "bee"}, "unmapped": "pass"}},
        "upper",
    ],
    "default first": [{"default": {"value": "dflt"}}, "lower"],
    "trim, default blank": ["trim", {"default": {"value": "D", "blank": True}}],
    "trim, auto_number, upper": ["trim", "auto_number", "upper"],
    "map": [{"map": {"values": {"a": "A", "b": "B"}, "unmapped": "fail"}}],
    "vanish, tag": ["vanish", "tag"],
    "vanish, default, tag": ["vanish", {"default": {"value": "d"}}, "tag"],
    "trim, vanish, upper": ["trim", "vanish", "upper"],
}
POLICIES = ("omit", "default", "fail")
DEFAULT = "fallback"

values = st.one_of(
    st.sampled_from(["", "  ", " a ", "a", "b", "Abcdef", " B"]),
    st.none(),
    st.sampled_from([0, 5, 1.5, True, False]),
    st.lists(st.sampled_from(["a", " b"]), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["a", None]), max_size=2),
)
records = st.builds(
    lambda value, present: {"id": "r1", **({"a": value} if present else {})},
    values,
    st.booleans(),
)


def _field(steps: list[Any], policy: str) -> dict[str, Any]:
    field: dict[str, Any] = {"to": "out", "from": "a", "missing": policy}
    if steps:
        field["transforms"] = steps
    if policy == "default":
        field["default"] = DEFAULT
    return field


class _Plans(dict[tuple[str, str], engine.Plan]):
    """The plans by (step list, policy); shown briefly when an example fails."""

    def __repr__(self) -> str:
        return f"<{len(self)} plans>"


@pytest.fixture(scope="module")
def plans(shared_specs: SpecWriter) -> dict[tuple[str, str], engine.Plan]:
    return _Plans(
        (
            (name, policy),
            engine.load_mapping(
                shared_specs.data({"fields": [_field(steps, policy)]}), registry=REGISTRY
            ),
        )
        for name, steps in STEP_LISTS.items()
        for policy in POLICIES
    )


FAILS = "fails"


def _fused(steps: list[Any], value: Any, policy: str) -> Any:
    """The payload by the rules as docs/transforms.md words them, on the registry's fused list:
    null is no value; OMIT is not sent; no value is left out, replaced by the default, or fails
    the record, by the policy."""
    try:
        result = REGISTRY.pipeline(steps, context(field="out")).run(value)
    except engine.FerryError:
        return FAILS
    if result is OMIT:
        return {}
    if result is MISSING or result is None:
        return {"omit": {}, "default": {"out": DEFAULT}, "fail": FAILS}[policy]
    return {"out": result}


def _rendered(plan: engine.Plan, record: dict[str, Any], **kw: Any) -> Any:
    try:
        return plan.render(record, **kw)
    except RenderError:
        return FAILS


def _explained(plan: engine.Plan, record: dict[str, Any]) -> Any:
    try:
        return engine.explain(plan, record).payload
    except RenderError:
        return FAILS


def _streamed(plan: engine.Plan, record: dict[str, Any]) -> Any:
    try:
        (payload,) = plan.render_many([record])
        return payload
    except RenderError:
        return FAILS


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("steps", STEP_LISTS)
@PROPERTY
@given(record=records)
def test_every_tier_gives_the_payload_the_step_rules_give(
    plans: dict[tuple[str, str], engine.Plan], steps: str, policy: str, record: dict[str, Any]
) -> None:
    plan = plans[steps, policy]
    expected = _fused(STEP_LISTS[steps], record.get("a"), policy)

    assert _explained(plan, record) == expected
    assert _rendered(plan, record) == expected
    assert _streamed(plan, record) == expected
    assert _rendered(plan, record, mode="update", context=Context(destination={})) == expected


def test_a_transform_that_gives_no_value_skips_the_next_one_in_every_tier(
    plans: dict[tuple[str, str], engine.Plan],
) -> None:
    """``map`` gives null for "a"; ``upper`` does not take MISSING, so it never runs: the field
    then has no value, and its policy decides."""
    record = {"id": "r1", "a": "a"}
    tiers = {
        policy: (
            _rendered(plans["map to null, then upper", policy], record),
            _explained(plans["map to null, then upper", policy], record),
        )
        for policy in POLICIES
    }

    assert tiers == {
        "omit": ({}, {}),
        "default": ({"out": DEFAULT}, {"out": DEFAULT}),
        "fail": (FAILS, FAILS),
    }


def test_a_first_step_that_gives_missing_skips_the_next_in_the_generated_code(
    plans: dict[tuple[str, str], engine.Plan],
) -> None:
    """The generated code once handed ``MISSING`` from a first step to a next step that does
    not take it (``tag`` then sent ``'<MISSING>'``), where the explaining tier skipped it."""
    plan = plans["vanish, tag", "default"]
    record = {"id": "r1", "a": "a"}

    assert plan.render(record) == {"out": DEFAULT}
    assert engine.explain(plan, record).payload == {"out": DEFAULT}
