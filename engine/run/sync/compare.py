"""Comparing a rendered payload with what the destination holds or was last sent.

Why a unit of its own: deciding *unchanged* versus *updated* is the heart of "write nothing
twice", and it has its own rules: references match on the keys the payload names, numbers by
value (``10.1`` equals ``Decimal("10.10")``), and before/after displays show only the part of a
destination value the payload speaks about.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine import jsonio


def changed_fields(payload: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields of ``payload`` whose values differ from what was last written."""
    previous = before or {}
    return {
        key: value
        for key, value in payload.items()
        if key not in previous or jsonio.canonical(previous[key]) != jsonio.canonical(value)
    }


def covers(current: Any, wanted: Any) -> bool:
    """Whether a destination value already says what the payload would write: objects match on
    the payload's keys (a reference ``{"id": "1"}`` is covered by ``{"id": "1", "refName": ...}``),
    numbers by value (``10.1`` and ``Decimal("10.10")``), anything else by equality."""
    if isinstance(wanted, Mapping):
        return isinstance(current, Mapping) and all(
            covers(current.get(k), v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(current, list)
            and len(current) == len(wanted)
            and all(covers(c, w) for c, w in zip(current, wanted, strict=True))
        )
    if isinstance(wanted, (int, float, Decimal)) and not isinstance(wanted, bool):
        try:
            return Decimal(str(current)) == Decimal(str(wanted))
        except (ArithmeticError, ValueError):
            return False
    return bool(current == wanted)


def projected(current: Any, wanted: Any) -> Any:
    """The part of a destination value the payload speaks about (for before/after displays:
    ``{"id": "2"}`` rather than the reference with its name and links)."""
    if isinstance(wanted, Mapping) and isinstance(current, Mapping):
        return {k: projected(current.get(k), v) for k, v in wanted.items()}
    return current
