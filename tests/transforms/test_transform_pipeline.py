"""``compose``: the MISSING / None / OMIT rules, error wrapping, and equivalence to a plain loop."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TransformError
from engine.transforms import MISSING, OMIT, Step, compose


def reference(steps: list[Step], value: Any) -> Any:
    """The documented semantics, written as the obvious loop."""
    value = MISSING if value is None else value
    for step in steps:
        if value is OMIT:
            return OMIT
        if value is MISSING and not step.accepts_missing:
            continue
        value = step.fn(value)
        value = MISSING if value is None else value
    return value


def test_sentinels_are_distinct_and_readable() -> None:
    assert MISSING is not OMIT  # type: ignore[comparison-overlap]
    assert MISSING is not None and OMIT is not None
    assert repr(MISSING) == "MISSING" and repr(OMIT) == "OMIT"


def test_no_steps_normalises_none() -> None:
    run = compose([])
    assert run(None) is MISSING
    assert run("a") == "a"


def test_missing_skips_steps_that_do_not_accept_it() -> None:
    calls: list[Any] = []

    def record(value: Any) -> Any:
        calls.append(value)
        return value

    run = compose([Step(record), Step(lambda v: "fallback", True)])
    assert run(None) == "fallback"
    assert calls == []


def test_none_from_a_step_counts_as_missing() -> None:
    run = compose([Step(lambda v: None), Step(str.upper), Step(lambda v: v, True)])
    assert run("a") is MISSING


def test_omit_stops_the_pipeline() -> None:
    seen: list[Any] = []

    def record(value: Any) -> Any:
        seen.append(value)
        return "x"

    run = compose([Step(lambda v: OMIT, True), Step(record, True)])
    assert run("a") is OMIT
    assert seen == []


def test_plain_tuples_are_steps() -> None:
    assert compose([(str.strip, False), (str.upper, False)])(" a ") == "A"


def test_transform_error_gets_a_note_naming_the_step() -> None:
    def refuse(value: Any) -> Any:
        raise TransformError("expected text")

    run = compose([Step(str.strip, name="trim"), Step(refuse, name="upper")])
    with pytest.raises(TransformError) as caught:
        run(" a ")
    assert str(caught.value) == "expected text"
    assert caught.value.__notes__ == ["in transform 'upper'"]


def test_foreign_exception_becomes_transform_error() -> None:
    def buggy(value: Any) -> Any:
        return value["nope"]

    run = compose([Step(buggy, name="slugify")])
    with pytest.raises(TransformError, match="transform 'slugify' failed: TypeError") as caught:
        run("a")
    assert isinstance(caught.value.__cause__, TypeError)


STEP_FUNCTIONS = {
    "append": lambda v: f"{v}+",
    "to-none": lambda v: None,
    "to-omit": lambda v: OMIT,
    "to-missing": lambda v: MISSING,
    "describe": lambda v: "missing" if v is MISSING else f"<{v}>",
}


@given(
    st.lists(st.tuples(st.sampled_from(sorted(STEP_FUNCTIONS)), st.booleans()), max_size=6),
    st.sampled_from([None, MISSING, "v", ""]),
)
def test_compose_matches_the_reference_loop(spec: list[tuple[str, bool]], value: Any) -> None:
    steps = [Step(STEP_FUNCTIONS[name], accepts, name) for name, accepts in spec]
    assert compose(steps)(value) == reference(steps, value)
