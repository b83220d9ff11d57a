"""The one walk of a field's ``by:``/``cases:`` tree.

Why one walk: the meaning checks (every variant of every field), the model builder (each leaf
with the levels above it) and formerly the compiler and the diff all followed ``cases``; now
they share this generator. It reads the YAML as loaded and is defensive (a level that is not a
mapping, or ``cases`` that are not one, end the walk there), because the meaning checks run on
specs the JSON Schema has already found problems in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from engine.load.source import JsonPath

Level = tuple[dict[str, Any], JsonPath]
Chain = tuple[Level, ...]
"""The levels from a field down to one of its variants, outermost first."""


def chains(node: Any, path: JsonPath, _outer: Chain = ()) -> Iterator[Chain]:
    """Every level of a field (the field itself first, then each case, depth first), each with
    the levels enclosing it. A level without ``by`` is a leaf: a variant settings can choose."""
    if not isinstance(node, dict):
        return
    chain = (*_outer, (node, path))
    yield chain
    cases = node.get("cases")
    if "by" in node and isinstance(cases, dict):
        for option, sub in cases.items():
            yield from chains(sub, (*path, "cases", option), chain)


def choices(chain: Chain) -> tuple[tuple[str, str], ...]:
    """The ``(setting, option)`` pairs that lead to the chain's last level."""
    return tuple(
        (str(outer["by"]), str(inner_path[-1]))
        for (outer, _), (_, inner_path) in itertools.pairwise(chain)
    )
