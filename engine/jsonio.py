"""The project's one JSON codec: fast on the hot path, exact for money.

Why here: rendering is fast enough that JSON encoding dominates a run, so everything is written
through orjson; and money must never pass through a float, so ``Decimal`` is written as the JSON
number text it holds (``10.10`` stays ``10.10``) and ``loads_exact`` reads numbers with a
fraction as ``Decimal`` (msgspec hands the number's text to ``Decimal`` at orjson's speed, where
the standard library's decoder is 3-4x slower). Every module that reads or writes JSON uses
these functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import orjson


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise TypeError(f"cannot write non-finite decimal {obj} as JSON")
        return orjson.Fragment(format(obj, "f").encode())
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, msgspec.Struct):  # as orjson writes a dataclass: its fields, in order
        return msgspec.structs.asdict(obj)
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
    option = 0
    if pretty:
        option |= orjson.OPT_INDENT_2
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    default = _repr_default if default_repr else _default
    try:
        return orjson.dumps(obj, default=default, option=option)
    except orjson.JSONEncodeError:
        # Keys that are not text (orjson writes them with an option that makes every dump 2-3x
        # slower, so only here), or an integer past 64 bits (read exactly from JSON, written
        # as its digits); anything else fails again, with orjson's message.
        option |= orjson.OPT_NON_STR_KEYS
        return orjson.dumps(_big_ints(obj), default=default, option=option)


def _big_ints(obj: Any) -> Any:
    if obj.__class__ is int and not -(2**63) <= obj < 2**64:
        return orjson.Fragment(str(obj).encode())
    if isinstance(obj, dict):
        return {key: _big_ints(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_big_ints(value) for value in obj]
    return obj


def encoder(*, pretty: bool = False) -> Callable[[Any], bytes]:
    """``dumps`` with its options fixed, for a loop that writes many values: one call per
    value instead of two, and the same bytes."""
    option = orjson.OPT_INDENT_2 if pretty else 0
    encode = orjson.dumps

    def dump(obj: Any) -> bytes:
        try:
            return encode(obj, default=_default, option=option)
        except orjson.JSONEncodeError:
            return dumps(obj, pretty=pretty)

    return dump


def dumps_str(
    obj: Any, *, pretty: bool = False, sort_keys: bool = False, default_repr: bool = False
) -> str:
    """``dumps`` as text."""
    return dumps(obj, pretty=pretty, sort_keys=sort_keys, default_repr=default_repr).decode()


def loads(data: bytes | str) -> Any:
    """Decode JSON fast; fractional numbers become floats (use for non-money data)."""
    return orjson.loads(data)


_EXACT = msgspec.json.Decoder(float_hook=Decimal)
_EXACT_STDLIB = json.JSONDecoder(parse_float=Decimal)


def loads_exact(data: bytes | str) -> Any:
    """Decode JSON keeping fractional numbers exact as ``Decimal`` (use for money, and for
    every record read from a file or an API: a payload must not depend on where its record
    came from). Integers stay integers of any size."""
    try:
        return _EXACT.decode(data)
    except msgspec.DecodeError:
        pass  # the standard decoder accepts a little more (NaN), and words its errors
    try:
        text = data if isinstance(data, str) else data.decode()
    except UnicodeDecodeError as exc:
        raise JSONDecodeError(f"not UTF-8 text: {exc.reason}", "", exc.start) from exc
    return _EXACT_STDLIB.decode(text)


def canonical(obj: Any) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace."""
    return dumps(obj, sort_keys=True)


JSONDecodeError = json.JSONDecodeError  # orjson's error is a subclass of it
__all__ = ["JSONDecodeError", "canonical", "dumps", "dumps_str", "loads", "loads_exact"]
