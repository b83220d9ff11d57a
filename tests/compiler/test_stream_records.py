"""``render_many`` maps the generated function over the records alone: a record that is a
mapping but not a dict renders as its dict would, and one that is no mapping gets the Plan's
located error, whether or not the fast body checks the record's type first."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

import engine
from tests.compiler.specs import SpecWriter

# The fast body of this plan reads the record with `get` first (no type check of its own);
# the template field keeps the check in the other.
FIELDS = [
    {"to": "name", "from": "name", "transforms": ["trim", "upper"]},
    {"to": "kind", "from": "kind", "when": "record.kind == 'a'"},
    {"to": "code", "from": "kind", "when": "record.kind == 'a'"},
    {"to": "sub.id", "value": "1"},
]
TEMPLATED = [*FIELDS, {"to": "label", "template": "{{ record.name }}!"}]
RECORD = {"id": "r1", "name": " ada ", "kind": "a"}


@pytest.fixture(params=[FIELDS, TEMPLATED], ids=["gets only", "templated"])
def plan(request: pytest.FixtureRequest, specs: SpecWriter) -> engine.Plan:
    return specs.plan(
        {"when": [{"name": "named", "expr": "record.name != `null`"}], "fields": request.param}
    )


@pytest.mark.parametrize("wrap", [OrderedDict, MappingProxyType], ids=["OrderedDict", "proxy"])
def test_a_mapping_that_is_not_a_dict_streams_as_its_dict(plan: engine.Plan, wrap: Any) -> None:
    (payload,) = plan.render_many([wrap(RECORD)])

    assert payload == plan.render(dict(RECORD))
    assert payload is not None and payload["name"] == "ADA"


@pytest.mark.parametrize("record", ["text", ["a", "list"], 7])
def test_a_record_that_is_no_mapping_gets_the_located_error(plan: engine.Plan, record: Any) -> None:
    with pytest.raises(engine.RenderError, match="a record must be an object") as caught:
        list(plan.render_many([record]))

    assert caught.value.location is not None and caught.value.location.file == plan.file


def test_fields_under_one_guard_and_a_lone_object_render_in_order(plan: engine.Plan) -> None:
    payloads = list(plan.render_many([RECORD, {**RECORD, "kind": "b"}, {"id": "r3"}]))

    assert [list(p) if p else p for p in payloads][:2] == [
        ["name", "kind", "code", "sub", *(["label"] if len(plan.fields) == 5 else [])],
        ["name", "sub", *(["label"] if len(plan.fields) == 5 else [])],
    ]
    assert payloads[0] is not None and payloads[0]["sub"] == {"id": "1"}
    assert payloads[2] is None  # the record guard said no


def test_a_field_reading_a_held_local_keeps_names_and_text_that_look_like_its_value(
    specs: SpecWriter,
) -> None:
    """``kind`` is read by three fields, so it is held in a local that the fields read in
    place of their value ``v``: a destination field called ``v`` and text ``'v'`` stay."""
    plan = specs.plan(
        {
            "fields": [
                {"to": "v", "from": "kind"},
                {"to": "w", "from": "kind", "transforms": [{"map": {"values": {"v": "V"}}}]},
                {"to": "x", "from": "kind", "missing": "default", "default": "v"},
            ]
        }
    )

    assert plan.render({"id": "r1", "kind": "v"}) == {"v": "v", "w": "V", "x": "v"}
    assert plan.render({"id": "r2"}) == {"x": "v"}
    assert "_k0 = record.get('kind')" in plan.source_code  # the case this test is about
