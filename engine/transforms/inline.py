"""Inline forms of the common transforms, for the generated fast tier.

Why: a transform is a function call per field and record; for the handful of transforms most
mappings use, the generated code can do the same work in an expression over text (the shape
the callable would take anyway), falling back to the callable for anything else. Each form here
gives exactly the callable's result for every text value, or defers to the callable (which then
raises or decides); the tier-equivalence tests check it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from typing import Any

from engine.transforms.core import Inline

NOHIT = object()


def trim(params: Mapping[str, Any]) -> Inline | None:
    if params.get("collapse"):
        return None
    return Inline("{v}.strip({chars})", {"chars": params.get("characters")}, text=True)


def upper(params: Mapping[str, Any]) -> Inline:
    return Inline("{v}.upper()", text=True)


def lower(params: Mapping[str, Any]) -> Inline:
    return Inline("{v}.lower()", text=True)


def prefix(params: Mapping[str, Any]) -> Inline:
    return Inline("{text} + {v}", {"text": params["text"]}, text=isinstance(params["text"], str))


def split_before_space(params: Mapping[str, Any]) -> Inline:
    # an empty result goes to the callable, which refuses it with its own message
    return Inline(
        "({v}.lstrip({sep}).partition({sep})[0] or {fn}({v}))",
        {"sep": params["separator"]},
        text=True,
    )


def table_get(table: Mapping[str, Any], as_ref: bool = False) -> Inline:
    """A value table looked up by exact text; a miss goes to the callable (policy, error)."""
    hit = "{{'id': _h}}" if as_ref else "_h"
    return Inline(
        "(" + hit + " if (_h := {table}.get({v}, {nohit})) is not {nohit} else {fn}({v}))",
        {"table": table, "nohit": NOHIT},
        total=as_ref or all(value is not None for value in table.values()),
    )


# "-MM-DD" for every day of a common year: one set lookup checks the dash, the month and the day
# (29 February goes to the callable, which knows leap years)
_DASHED_MONTH_DAYS = frozenset(
    f"-{month:02d}-{day:02d}"
    for month in range(1, 13)
    for day in range(1, calendar.monthrange(2001, month)[1] + 1)
)
_YEARS = frozenset(f"{year:04d}" for year in range(1, 10000))


def iso_day_reordered(template: str, slices: list[slice]) -> Inline:
    """An ISO date rearranged by slicing, when its text is a real calendar day; anything else
    (other shapes, 29 February, impossible days) goes to the callable.

    The check is two set lookups: the last six characters are a dashed month and day of a
    common year, the first four a year (together: exactly ten characters). ``template`` is the
    callable's %-format (``%s`` for each slice, ``%%`` for a percent sign); the inline form
    writes it as one f-string, which builds the text in one step."""
    pieces = iter(slices)
    parts = []
    for literal, marker in re.findall(r"((?:[^%]|%%)*)(%s)?", template):
        if literal:
            parts.append(_format_escaped(repr(literal.replace("%%", "%"))))
        if marker:
            piece = next(pieces)
            parts.append(f"f'{{{{{{v}}[{piece.start}:{piece.stop}]}}}}'")
    check = "{v}[4:] in {days} and {v}[:4] in {years}"
    return Inline(
        "(" + " ".join(parts) + " if " + check + " else {fn}({v}))",
        {"years": _YEARS, "days": _DASHED_MONTH_DAYS},
        text=True,
    )


def _format_escaped(text: str) -> str:
    """``text`` as it must appear in an ``Inline.expr`` (a ``str.format`` template)."""
    return text.replace("{", "{{").replace("}", "}}")
