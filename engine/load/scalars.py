"""How a plain YAML scalar is read: the YAML 1.2 core schema Ferry reads by, and what YAML 1.1
(PyYAML, many editors and older tools) would make of the same text instead.

Why its own module: the loader reads every plain scalar with it and reports the ones the two
versions read differently, and ``ferry diff`` and the YAML writer ask the same questions of
texts they did not load (whether a value would read back as itself).
"""

from __future__ import annotations

import re
from typing import Any


class _Lazy:
    """A pattern compiled on its first use: a process that reads its specs from the disk cache
    (``engine.diskcache``) never reads a scalar, and the thirteen patterns below cost a
    millisecond or two to compile at import."""

    __slots__ = ("compiled", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.compiled: re.Pattern[str] | None = None

    def match(self, value: str) -> re.Match[str] | None:
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = re.compile(self.text)
        return compiled.match(value)


_NULL = _Lazy(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = _Lazy(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = _Lazy(r"^(?:false|False|FALSE)$")
_INT10 = _Lazy(r"^[-+]?[0-9]+$")
_INT8 = _Lazy(r"^0o[0-7]+$")
_INT16 = _Lazy(r"^0x[0-9a-fA-F]+$")
_FLOAT = _Lazy(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = _Lazy(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = _Lazy(r"^\.(?:nan|NaN|NAN)$")

# What YAML 1.1 (PyYAML, many editors and older tools) reads as something other than a string.
_YAML11_BOOL = _Lazy(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_YAML11_INT = _Lazy(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_YAML11_FLOAT = _Lazy(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$"
)
_YAML11_TIMESTAMP = _Lazy(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)


def resolve_plain(text: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if _BOOL_TRUE.match(text):
        return True
    if _BOOL_FALSE.match(text):
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


def lossy_number(text: str, value: Any) -> bool:
    """Whether a plain scalar read as a number does not spell back to its text (``1.10``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return False  # .inf / .nan: YAML's own spellings
    return repr(value) != text


def yaml11_reading(text: str) -> str | None:
    """Name what YAML 1.1 would make of a plain scalar, when that differs from YAML 1.2."""
    value = resolve_plain(text)
    if _YAML11_BOOL.match(text):
        return "a boolean"
    if _YAML11_TIMESTAMP.match(text):
        return "a date"
    if isinstance(value, str) and (_YAML11_INT.match(text) or _YAML11_FLOAT.match(text)):
        return "a number"
    if isinstance(value, int) and not isinstance(value, bool) and re.match(r"^[-+]?0[0-9]", text):
        return "an octal number"
    return None


# Plain scalars that neither YAML 1.2 nor 1.1 read as anything but text: not empty, not a word
# below, and not starting like a number, a null or a special float. Most keys and values of a
# spec are such text, and this test skips the regular expressions above for them.
_NOT_TEXT_FIRST = frozenset("-+.0123456789~")
_WORDS = frozenset(
    {
        *("null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"),
        *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"),
        *("on", "On", "ON", "off", "Off", "OFF"),
    }
)


def read_plain(text: str) -> tuple[Any, str | None]:
    """A plain scalar's YAML 1.2 value and what YAML 1.1 would make of it when that differs
    (``resolve_plain`` and ``yaml11_reading`` in one, quickly for plain text)."""
    if text and text[0] not in _NOT_TEXT_FIRST and text not in _WORDS:
        return text, None
    return resolve_plain(text), yaml11_reading(text)
