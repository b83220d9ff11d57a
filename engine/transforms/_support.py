"""Small helpers the built-in families share: value descriptions, suggestions, paths, coercions.

Why: every family must word its refusals the same way ("expected X, got Y") and resolve dotted
paths the same way, and none of that belongs in the registry. Everything here is either used at
compile time or is a few operations long, because it runs on the hot path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import TransformError
from engine.transforms.core import MISSING, TransformParamsError

_SEGMENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def copier(values: Iterable[Any]) -> Callable[[Any], Any]:
    """``copy.deepcopy`` when any of ``values`` is an object or a list, else the identity: a
    value a transform hands out from its parameters must not be shared between payloads (one
    record's payload edited would change the next one's)."""
    if any(isinstance(v, (dict, list)) for v in values):
        return copy.deepcopy
    return _same


def _same(value: Any) -> Any:
    return value


def describe(value: Any) -> str:
    """A short, safe rendering of a value for messages: ``'abc' (str)``, cut at 60 characters."""
    if value is MISSING:
        return "no value"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def refuse(value: Any, expected: str) -> TransformError:
    """The standard per-record refusal: what was expected and what came."""
    return TransformError(f"expected {expected}, got {describe(value)}")


def parse_path(path: str) -> tuple[str, ...]:
    """Split a simple dotted path (``billToContact.firstName``); ``@`` is the value itself.

    Only keys of maps: no indexes, filters or functions. Those belong in the field's ``from``
    expression; a transform path only picks among a record's own members.
    """
    if path == "@":
        return ()
    segments = tuple(path.split("."))
    bad = [s for s in segments if not _SEGMENT.fullmatch(s)]
    if bad:
        raise ValueError(f"{path!r} is not a simple dotted path (bad segment {bad[0]!r})")
    return segments


def compile_path(path: str) -> Callable[[Any], Any]:
    """A getter for ``path`` returning the value or ``MISSING`` (absent, ``None``, not a map)."""
    keys = parse_path(path)
    if not keys:
        return _identity
    if len(keys) == 1:
        return _getter1(keys[0])
    return _getter_n(keys)


def path_param(params_value: str, param: str | tuple[str | int, ...]) -> Callable[[Any], Any]:
    """``compile_path`` for a parameter, turning a bad path into a located parameter error."""
    try:
        return compile_path(params_value)
    except ValueError as exc:
        raise TransformParamsError.at(param, str(exc)) from exc


def _identity(value: Any) -> Any:
    return MISSING if value is None else value


def _getter1(key: str) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        try:
            value = obj[key]
        except (KeyError, TypeError, IndexError):
            return MISSING
        return MISSING if value is None else value

    return get


def _getter_n(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        try:
            for key in keys:
                obj = obj[key]
        except (KeyError, TypeError, IndexError):
            return MISSING
        return MISSING if obj is None else obj

    return get


def to_text(value: Any) -> str:
    """Text for building identifiers: strings as they are, integers and Decimals in plain digits.

    Floats and booleans are refused: their text form is rarely what a consultant means.
    """
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is Decimal:
        return format(value, "f")
    if isinstance(value, str):
        return str(value)
    raise refuse(value, "text, an integer or a Decimal")


def to_decimal(value: Any, *, floats: bool = True) -> Decimal:
    """An exact, finite Decimal from str / int / Decimal (and float through its shortest repr).

    Strings must be plain ASCII number text (``-12.50``, ``1e3``): no thousands separators,
    underscores or non-ASCII digits (``Decimal()`` alone accepts the last two); NaN and
    infinities are refused whatever the type.
    """
    kind = type(value)
    if kind is Decimal:
        number: Decimal = value
    elif kind is int:
        return Decimal(value)
    elif kind is str:
        # Decimal() alone would also take "1_000", non-ASCII digits and surrounding spaces.
        if not value.isascii() or "_" in value:
            raise refuse(value, "a number")
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise refuse(value, "a number") from None
    elif kind is float and floats:
        number = Decimal(repr(value))
    else:
        raise refuse(value, "a number as text, an integer or a Decimal")
    if not number.is_finite():
        raise refuse(value, "a finite number")
    return number


TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0", "off"})


def parse_bool_word(value: Any) -> bool:
    """A yes/no from the usual spellings (NetSuite's `T`/`F`, Zuora's `Yes`/`No`), or a refusal."""
    if value is True or value is False:
        return value
    if type(value) is int and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise refuse(value, "a yes/no value (true/false, yes/no, y/n, t/f, 1/0)")
