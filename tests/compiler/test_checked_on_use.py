"""The checked body of a plan with an unchecked fast body is written and compiled only when a
record first needs it: a record the fast body fails on still gets the checked body's located
error, through the stream and through ``render``, before and after the source is read."""

from __future__ import annotations

import pytest

import engine
from engine import RenderError
from tests.compiler.specs import SpecWriter

BODY = """\
fields:
  - {to: name, from: name, transforms: [trim, upper]}
  - {to: city, from: city}
"""


def test_a_record_the_fast_body_fails_gets_the_checked_bodys_error(specs: SpecWriter) -> None:
    plan = engine.load_mapping(specs.yaml(BODY))
    good = {"id": "1", "name": " acme ", "city": "Leeds"}
    bad = {"id": "2", "name": ["not", "text"], "city": "York"}

    stream = plan.render_many([good, bad, good])
    assert next(stream) == {"name": "ACME", "city": "Leeds"}
    with pytest.raises(RenderError) as streamed:
        next(stream)
    with pytest.raises(RenderError) as rendered:
        plan.render(bad)
    assert str(streamed.value) == str(rendered.value)
    assert "name" in str(rendered.value)
    assert plan.render(good) == {"name": "ACME", "city": "Leeds"}


def test_the_source_holds_both_bodies_whether_or_not_a_record_needed_the_checked_one(
    specs: SpecWriter,
) -> None:
    untouched = engine.load_mapping(specs.yaml(BODY))
    used = engine.load_mapping(specs.yaml(BODY + "  - {to: other, from: other}\n"))
    with pytest.raises(RenderError):
        used.render({"id": "2", "name": ["x"]})
    for plan in (untouched, used):
        assert plan.source_code.count("def stream(") == 2
        assert "if v.__class__ is str:" in plan.source_code  # the checked body's type test
