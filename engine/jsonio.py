"""The project's one JSON codec: fast (orjson) on the hot path, exact for money.

Why here: rendering is fast enough that JSON encoding dominates a run, so everything goes through
orjson; and money must never pass through a float, so ``Decimal`` is written as the JSON number
text it holds (``10.10`` stays ``10.10``) and ``loads_exact`` reads numbers with a fraction as
``Decimal``. Every module that reads or writes JSON uses these functions.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import orjson

_DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise TypeError(f"cannot write non-finite decimal {obj} as JSON")
        return orjson.Fragment(format(obj, "f").encode())
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _repr_default(obj: Any) -> Any:
    try:
        return _default(obj)
    except TypeError:
        return repr(obj)


def dumps(
    obj: Any, *, pretty: bool = False, sort_keys: bool = False, default_repr: bool = False
) -> bytes:
    """Encode to UTF-8 JSON bytes; datetimes as ISO-8601, Decimals as exact numbers.

    ``default_repr`` writes values JSON cannot hold (sentinels in documentation) as their repr.
    """
    option = _DUMP_OPTIONS
    if pretty:
        option |= orjson.OPT_INDENT_2
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    return orjson.dumps(obj, default=_repr_default if default_repr else _default, option=option)


def dumps_str(
    obj: Any, *, pretty: bool = False, sort_keys: bool = False, default_repr: bool = False
) -> str:
    """``dumps`` as text."""
    return dumps(obj, pretty=pretty, sort_keys=sort_keys, default_repr=default_repr).decode()


def loads(data: bytes | str) -> Any:
    """Decode JSON fast; fractional numbers become floats (use for non-money data)."""
    return orjson.loads(data)


# A digit followed by a fraction or an exponent, or an integer orjson would read as a float (past
# 64 bits), anywhere in the text (strings included: a time "10:00:00.000Z" counts too). Text
# without one holds no number a float would change, and orjson decodes it 3-4x faster.
_MAYBE_INEXACT = re.compile(rb"[0-9][.eE]|[0-9]{19}")


def _exact_int(text: str) -> int | Decimal:
    """An integer orjson can write back (64 bits), else the same number as a ``Decimal``."""
    number = int(text)
    return number if -(2**63) <= number < 2**64 else Decimal(text)


_EXACT = json.JSONDecoder(parse_float=Decimal, parse_int=_exact_int)


def loads_exact(data: bytes | str) -> Any:
    """Decode JSON keeping fractional numbers exact as ``Decimal`` (use for money, and for
    every record read from a file or an API: a payload must not depend on where its record
    came from). Integers past 64 bits become ``Decimal`` too (written back exactly)."""
    raw = data.encode() if isinstance(data, str) else data
    if _MAYBE_INEXACT.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the standard decoder accepts a little more (NaN), and words its errors
    try:
        text = data if isinstance(data, str) else data.decode()
    except UnicodeDecodeError as exc:
        raise JSONDecodeError(f"not UTF-8 text: {exc.reason}", "", exc.start) from exc
    return _EXACT.decode(text)


def canonical(obj: Any) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace."""
    return dumps(obj, sort_keys=True)


JSONDecodeError = json.JSONDecodeError  # orjson's error is a subclass of it
__all__ = ["JSONDecodeError", "canonical", "dumps", "dumps_str", "loads", "loads_exact"]
