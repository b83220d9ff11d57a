"""The names ``engine`` exports are what its docstring promises, every time they are read."""

from __future__ import annotations

import engine
from tests.compiler.specs import SpecWriter


def test_engine_explain_is_the_function_on_every_read(specs: SpecWriter) -> None:
    plan = specs.plan("fields:\n  - {to: f, from: name}\n")
    first = engine.explain
    second = engine.explain

    assert callable(first) and callable(second), (first, second)
    assert second(plan, {"name": "x"}).payload == {"f": "x"}


def test_every_exported_name_resolves(specs: SpecWriter) -> None:
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    plan = engine.load_mapping(specs.yaml("fields:\n  - {to: f, from: name}\n"))
    assert isinstance(plan, engine.Plan)
    assert plan.evaluate({"name": "x"}, context=engine.Context()) == engine.Outcome(
        "render", {"f": "x"}
    )
