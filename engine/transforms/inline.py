"""Inline forms of the common transforms, for the generated fast tier.

Why: a transform is a function call per field and record; for the handful of transforms most
mappings use, the generated code can do the same work in an expression over text (the shape
the callable would take anyway), falling back to the callable for anything else. Each form here
gives exactly the callable's result for every text value, or defers to the callable (which then
raises or decides); the tier-equivalence tests check it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.transforms.core import Inline


def trim(params: Mapping[str, Any]) -> Inline | None:
    if params.get("collapse"):
        return None
    chars = params.get("characters")
    arguments = "" if chars is None else ", {chars}"  # no argument: a faster call
    return Inline(
        "{v}.strip(" + arguments.lstrip(", ") + ")",
        {"chars": chars, "strip": str.strip},
        text=True,
        any_value="{strip}({v}" + arguments + ")",  # str's own method: bytes have one too
        text_out=True,
    )


def upper(params: Mapping[str, Any]) -> Inline:
    return Inline(
        "{v}.upper()", {"upper": str.upper}, text=True, any_value="{upper}({v})", text_out=True
    )


def lower(params: Mapping[str, Any]) -> Inline:
    return Inline(
        "{v}.lower()", {"lower": str.lower}, text=True, any_value="{lower}({v})", text_out=True
    )


def prefix(params: Mapping[str, Any]) -> Inline:
    text = isinstance(params["text"], str)
    expr = "{text} + {v}"
    # text + anything but text raises
    any_value = expr if text else None
    return Inline(expr, {"text": params["text"]}, text=text, any_value=any_value, text_out=text)


def split_before_space(params: Mapping[str, Any]) -> Inline:
    # The separator is one character: text that starts with it gives an empty head, and an
    # empty head goes to the callable (which skips leading separators, or refuses the text
    # with its own message); any other text has nothing to skip
    expr = "({v}.partition({sep})[0] or {fn}({v}))"
    return Inline(expr, {"sep": params["separator"]}, text=True, any_value=expr)


def truncate(length: int) -> Inline:
    """Text that fits is kept as it is; longer text goes to the callable, which cuts it (and
    adds the ellipsis): the common case costs one length test."""
    return Inline("({v} if len({v}) <= {length} else {fn}({v}))", {"length": length}, text=True)


def table_get(table: Mapping[str, Any], as_ref: bool = False) -> Inline:
    """A value table looked up by exact text; a miss goes to the callable (policy, error).
    A membership test and a subscript: both are single C operations on a dict, where ``get``
    with a default is a method call."""
    hit = "{{'id': {table}[{v}]}}" if as_ref else "{table}[{v}]"
    # Any value: a miss raises KeyError (the checked path then asks the callable); only text
    # can equal a text key, so with text keys a hit is the callable's answer
    text_keys = all(isinstance(key, str) for key in table)
    # Interned keys, as a table written in Python source has: text that is itself interned (a
    # literal, a key the JSON reader shares) then matches by identity, without comparing text
    keyed = {sys.intern(key) if type(key) is str else key: value for key, value in table.items()}
    return Inline(
        "(" + hit + " if {v} in {table} else {fn}({v}))",
        {"table": keyed},
        total=as_ref or all(value is not None for value in table.values()),
        any_value=hit if text_keys else None,
    )


def memo_lookup(memo: Mapping[str, str]) -> Inline:
    """A text transform whose callable keeps each text it checked and wrote in ``memo``: a hit
    is the callable's result for that text (it gave it before); a miss calls it."""
    # any value: only text equals a text key; anything else goes to the callable, which decides
    expr = "({memo}[{v}] if {v} in {memo} else {fn}({v}))"
    return Inline(expr, {"memo": memo}, text=True, any_value=expr)


def day_and_year(days: Mapping[str, str], years: Mapping[str, str], place: str) -> Inline:
    """An ISO day written from two tables (``engine.transforms.dates``): ``days`` by the text's
    last six characters (``-MM-DD``), ``years`` (the years of real days the callable saw) by
    its first four. Both hit only for ten characters that make a real day, and the text is
    then the callable's; a miss raises on the fast path (the checked path asks the callable),
    and anything but text raises too: slicing it or looking up the slice fails. Two slices
    and two lookups in small tables cost less than a table of whole days, whose entries a
    stream of distinct days keeps out of the processor's cache."""
    day, year = "{days}[{v}[4:]]", "{years}[{v}[:4]]"
    written = {
        "last": f"({day} + {year})",
        "first": f"({year} + {day})",
        "none": f"({year} and {day})",  # the year's text is never empty
    }[place]
    expr = f"({written} if {{v}}[4:] in {{days}} and {{v}}[:4] in {{years}} else {{fn}}({{v}}))"
    names = {"days": days, "years": years}
    return Inline(expr, names, text=True, any_value=written, text_out=True)


def iso_datetime(assume: Any, zone: Any, day: bool, written: str | None) -> Inline:
    """An ISO date-time read as the ``date`` transform reads it (an offset, else
    ``assume``), moved to ``zone``, and written as the day or the instant: ISO text when
    ``written`` is None, else that strftime format. The same calls as the callable's, without
    its layers of functions; text it cannot read raises, as the callable does."""
    moment = "(_m if (_m := {parse}({v})).tzinfo is not None else _m.replace(tzinfo={assume}))"
    moved = moment + ".astimezone({zone})" + (".date()" if day else "")
    write = ".isoformat()" if written is None else ".strftime({written})"
    names = {"parse": datetime.fromisoformat, "assume": assume, "zone": zone, "written": written}
    return Inline(moved + write, names, text=True, any_value=moved + write)
