"""The records of the Python API are frozen values: ``Location`` and ``Problem``, the transforms'
``Transform``, ``Example``, ``Inline`` and ``TransformContext``, a Plan's ``Context`` and
``Outcome``. Callers sort, hash, compare, pickle and write them as JSON, and copy them with a
field changed through ``msgspec.structs.replace``; none of them can be changed in place."""

from __future__ import annotations

import json
import pickle
from types import MappingProxyType

import msgspec
import pytest

from engine import Context, Location, Outcome, Problem, SpecError, jsonio
from engine.transforms import Example, TransformContext
from engine.transforms.core import Inline
from engine.transforms.text import upper
from tests.compiler.specs import SpecWriter


def _problem(line: int, *, rank: int = 50, severity: str = "error") -> Problem:
    return Problem(Location("a.yaml", line, 3), f"bad at {line}", rank=rank, severity=severity)


def test_locations_order_by_file_then_line_then_column() -> None:
    spots = [Location("b.yaml", 1, 1), Location("a.yaml", 9, 2), Location("a.yaml", 9, 1)]
    spots.append(Location("a.yaml"))

    ordered = sorted(spots)

    assert [(s.file, s.line, s.column) for s in ordered] == sorted(
        (s.file, s.line, s.column) for s in spots
    )
    assert Location("a.yaml", 2) < Location("a.yaml", 10)
    assert [str(s) for s in ordered[:2]] == ["a.yaml", "a.yaml:9:1"]


def test_a_spec_error_lists_its_problems_by_rank_then_place() -> None:
    later, earlier, syntax = _problem(20), _problem(4), _problem(30, rank=10)

    error = SpecError([later, earlier, syntax])

    assert error.problems == [syntax, earlier, later]
    assert str(error).startswith("a.yaml:30:3: bad at 30")


def test_problems_are_equal_and_hashed_by_value() -> None:
    assert _problem(4) == _problem(4)
    assert _problem(4) != _problem(4, severity="warning")
    assert len({_problem(4), _problem(4), _problem(5)}) == 2
    assert repr(Location("a.yaml", 1, 2)) == "Location(file='a.yaml', line=1, column=2)"


def test_records_cannot_be_changed_in_place() -> None:
    problem = _problem(4)

    with pytest.raises(AttributeError):
        problem.severity = "warning"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        problem.location.line = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Context().destination = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        upper.name = "shout"  # type: ignore[misc]
    assert problem.severity == "error" and problem.location.line == 4


def test_a_copy_with_one_field_changed_leaves_the_original() -> None:
    warning = _problem(4, severity="warning")

    strict = msgspec.structs.replace(warning, severity="error")

    assert warning.is_warning and not strict.is_warning
    assert (strict.location, strict.message) == (warning.location, warning.message)


def test_problems_survive_pickling_and_are_written_as_their_fields() -> None:
    problem = Problem(Location("a.yaml", 4, 3), "bad", field="email", hint="try 'mail'")

    assert pickle.loads(pickle.dumps(problem)) == problem
    written = json.loads(jsonio.dumps(problem))
    assert list(written) == [f.name for f in msgspec.structs.fields(Problem)]
    assert written["location"] == {"file": "a.yaml", "line": 4, "column": 3}
    assert written["field"] == "email" and written["hint"] == "try 'mail'"


def test_transform_records_are_built_by_keyword_with_their_defaults() -> None:
    ctx = TransformContext(field="entityId")
    example = Example(params={}, input="usd", output="USD")
    first, second = Inline(expr="{v}.upper()"), Inline(expr="{v}.upper()")

    assert ctx.max_length is None and dict(ctx.settings) == {} and dict(ctx.tables) == {}
    with pytest.raises(TypeError):
        ctx.limits["max_length"] = 3  # type: ignore[index]
    assert Example.of({"params": {}, "input": "usd", "output": "USD"}) == example
    assert first == second and first.names == {} and first.names is not second.names


def test_a_copied_transform_is_a_transform_of_its_own() -> None:
    shout = msgspec.structs.replace(upper, name="shout")

    assert shout != upper and shout == shout
    assert len({upper, shout, upper}) == 2
    assert shout.validator is shout.validator
    assert shout.validator is not upper.validator
    assert shout.factory is upper.factory and shout.examples == upper.examples


SPEC = """\
fields:
  - {to: changed, from: x, when: "destination.x != record.x"}
"""


def test_a_context_whose_destination_is_any_mapping(specs: SpecWriter) -> None:
    plan = specs.plan(SPEC)
    frozen = Context(destination=MappingProxyType({"x": "Y"}))
    same = msgspec.structs.replace(frozen, destination=MappingProxyType({"x": "X"}))

    changed = plan.evaluate({"x": "X"}, mode="update", context=frozen)
    unchanged = plan.evaluate({"x": "X"}, mode="update", context=same)

    assert changed == Outcome("render", {"changed": "X"})
    assert unchanged == Outcome("render", {})
    assert frozen.destination == {"x": "Y"}
