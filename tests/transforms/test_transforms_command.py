"""``ferry transforms NAME`` shows each example as the ``transforms:`` item a spec holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.load.source import load_text
from engine.transforms.builtins import BUILTINS
from engine.transforms.core import Transform


def _example_items(out: str) -> list[tuple[str, str]]:
    """(item, comment) for each example line after the ``examples`` heading."""
    lines = out.split("\nexamples", 1)[1].splitlines()[1:]
    return [tuple(line.strip().split("    # ", 1)) for line in lines if line.strip()]  # type: ignore[misc]


@pytest.mark.parametrize("found", BUILTINS, ids=lambda t: t.name)
def test_every_example_is_an_item_ferry_loads_as_a_spec_would(
    found: Transform, ferry: Callable[..., Any]
) -> None:
    result = ferry("transforms", found.name)

    assert result.code == 0, result.err
    shown = _example_items(result.out)
    assert len(shown) == len(found.examples)
    for (item, _comment), example in zip(shown, found.examples, strict=True):
        loaded = load_text(f"transforms:\n  {item}\n")
        assert loaded.problems == [], (item, loaded.problems)  # no YAML 1.1 ambiguities either
        expected = {found.name: dict(example.params)} if example.params else found.name
        assert loaded.data == {"transforms": [expected]}


def test_examples_read_as_yaml_not_python(ferry: Callable[..., Any]) -> None:
    out = ferry("transforms", "lookup").out + ferry("transforms", "default").out

    assert "- lookup: {table: currencies, as: ref}    # USD -> {id: '1'}, with tables" in out
    assert "- default: {value: 'Yes'}    # (no value) -> 'Yes'" in out
    assert "{'" not in out and "None" not in out
