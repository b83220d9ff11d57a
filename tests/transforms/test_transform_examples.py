"""Every example of every built-in transform runs, and every schema carries its documentation.

Examples are data on the transforms themselves (they also render into docs/transforms.md), so
adding an example needs no test code.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from engine.errors import TransformError
from engine.transforms import Example, Transform
from engine.transforms.builtins import BUILTINS
from engine.transforms.pipeline import compose
from engine.transforms.registry import TransformRegistry
from tests.transforms.helpers import context, same

CASES = [pytest.param(t, e, id=f"{t.name}-{i}") for t in BUILTINS for i, e in enumerate(t.examples)]


def run_example(registry: TransformRegistry, name: str, example: Example) -> Any:
    ctx = context(**dict(example.context))
    step = registry.parse({name: dict(example.params)}).bind(ctx)
    return compose([step])(example.input)


@pytest.mark.parametrize(("found", "example"), CASES)
def test_example(registry: TransformRegistry, found: Transform, example: Example) -> None:
    if example.error is not None:
        with pytest.raises(TransformError, match=None) as caught:
            run_example(registry, found.name, example)
        assert example.error in str(caught.value)
    else:
        out = run_example(registry, found.name, example)
        assert same(out, example.output), f"{out!r} != {example.output!r}"


@pytest.mark.parametrize("found", BUILTINS, ids=lambda t: t.name)
def test_transform_is_documented(found: Transform) -> None:
    assert found.summary and found.doc, "docstring needs a summary line and a body"
    assert found.examples, "at least one example"
    assert any(e.error is None for e in found.examples), "at least one successful example"
    schema = found.params_schema
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("description"), f"{name}: description"
        assert prop.get("examples"), f"{name}: examples"
        for value in prop["examples"]:
            assert not list(jsonschema.Draft202012Validator(prop).iter_errors(value)), value


@pytest.mark.parametrize(("found", "example"), CASES)
def test_example_params_match_schema(found: Transform, example: Example) -> None:
    assert not list(found.validator.iter_errors(dict(example.params)))


def test_builtin_names_are_unique() -> None:
    names = [t.name for t in BUILTINS]
    assert len(names) == len(set(names))
