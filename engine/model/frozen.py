"""Frozen copies of YAML values, and the marker for a value the spec does not give.

Why: the model is handed to every later stage (compiler, diff, checks, sync); a stage that
changed a list or a map in it would change what the others read. Values are frozen on the way
in (maps become ``MappingProxyType``, lists tuples) and thawed only where a value leaves Ferry
for code that expects plain JSON values (a transform factory, a table lookup).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final


class _Unset:
    """The type of ``UNSET``: compares equal only to itself, reads as ``<unset>``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()
"""A value the spec does not give and that has no default (a field's ``default:``)."""


_MAPS = (dict, MappingProxyType)


def freeze(value: Any) -> Any:
    """A deep, read-only copy: maps become ``MappingProxyType``, lists tuples. (Concrete types,
    not ``collections.abc``: YAML gives dicts and lists, and this runs on every spec load.)"""
    if isinstance(value, _MAPS):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain JSON values again (dicts and lists) from a frozen one."""
    if isinstance(value, _MAPS):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


EMPTY: Final[MappingProxyType[str, Any]] = MappingProxyType({})
