"""The fast body fills a copy of a dict that holds the payload's keys in order and deletes the
keys a record leaves out: every tier gives the same payload, keys in the same order, whichever
fields a record has (missing, null, of another type), under guards shared and alone (one
picking the dict to copy), with nested objects made by one field or several, constants and
both modes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.compile.explaining import explain
from engine.errors import RenderError
from tests.compiler.specs import SpecWriter, streamed

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))

BODY = """\
fields:
  - {to: first, from: a}
  - {to: origin, value: ZUORA}
  - {to: count, value: 3, write: create}
  - {to: flag, value: false}
  - {to: g1, from: b, when: "record.kind == 'x'"}
  - {to: g2, from: c, transforms: [trim], when: "record.kind == 'x'"}
  - {to: solo, from: s, when: "record.other == 'y'"}
  - {to: h1, from: b, when: "record.other == 'z'"}
  - {to: h2, from: address.line, when: "record.other == 'z'"}
  - {to: addr.line, from: address.line}
  - {to: addr.city, from: address.city, transforms: [upper]}
  - {to: sub.id, from: t}
  - {to: made.one, value: "1"}
  - {to: made.two, from: b}
  - {to: fallback, from: d, missing: default, default: none}
  - {to: code, from: e, transforms: [{map: {values: {p: P, q: Q}}}]}
  - {to: last, from: a, transforms: [lower], write: create}
  - {to: again, from: s, when: "record.kind == 'x'"}
"""
# The same key written by fields that are not neighbours: the fast body starts empty instead
SCATTERED = """\
fields:
  - {to: addr.line, from: address.line}
  - {to: first, from: a}
  - {to: addr.city, from: address.city}
"""
KEYS = ["a", "b", "c", "s", "t", "d", "e", "kind", "other", "address"]

text_or_not = st.one_of(
    st.sampled_from(["A b ", "x", "y", "p", "q", "z", ""]),
    st.none(),
    st.integers(-2, 2),
    st.lists(st.just("x"), max_size=1),
)
records = st.fixed_dictionaries(
    {"id": st.just("1")},
    optional={
        **dict.fromkeys(KEYS[:-1], text_or_not),
        "address": st.one_of(
            text_or_not,
            st.fixed_dictionaries({}, optional={"line": text_or_not, "city": text_or_not}),
        ),
    },
)


def outcome(render: Any) -> Any:
    try:
        payload = render()
    except RenderError as exc:
        return ("error", str(exc))
    return ("payload", payload, None if payload is None else list(payload))


@pytest.fixture(scope="module")
def plans(shared_specs: SpecWriter) -> dict[str, engine.Plan]:
    return {"body": shared_specs.plan(BODY), "scattered": shared_specs.plan(SCATTERED)}


@PROPERTY
@given(record=records)
@pytest.mark.parametrize("name", ["body", "scattered"])
@pytest.mark.parametrize("mode", ["create", "update"])
def test_every_tier_gives_the_same_keys_in_the_same_order(
    plans: dict[str, engine.Plan], name: str, mode: Any, record: dict[str, Any]
) -> None:
    plan = plans[name]
    slow = outcome(lambda: explain(plan, record, mode=mode).payload)
    assert outcome(lambda: plan.render(record, mode=mode)) == slow
    assert outcome(lambda: streamed(plan, record, mode)) == slow


def test_the_fast_body_copies_the_keys_where_each_has_one_place(
    plans: dict[str, engine.Plan],
) -> None:
    fast = plans["body"].source_code.split("\n\ndef stream")[0]
    assert ".copy()" in fast and "del out['first']" in fast
    # the first guard over several fields used once picks the dict; the others delete
    assert "_split = (_k2 == 'z')" in fast and "if (_g0 := (record.get('kind') == 'x')):" in fast
    assert "del out['g1'], out['g2']" in fast
    assert "'ZUORA'" not in fast  # a constant is in the copied dict, not written by the body
    assert "out = {}" in plans["scattered"].source_code.split("\n\ndef stream")[0]


def test_a_record_with_every_field_left_out_gives_only_what_is_always_written(
    plans: dict[str, engine.Plan],
) -> None:
    payload = plans["body"].render({"id": "1"})
    assert payload == {
        "origin": "ZUORA",
        "count": 3,
        "flag": False,
        "made": {"one": "1"},
        "fallback": "none",
    }
    assert list(payload) == ["origin", "count", "flag", "made", "fallback"]
