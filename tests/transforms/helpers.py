"""Helpers shared by the transform tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.transforms import (
    InMemorySequenceStore,
    TransformContext,
    TransformRegistry,
    compose,
)
from engine.transforms.builtins import BUILTINS

_REGISTRY = TransformRegistry(BUILTINS)


def context(**kw: Any) -> TransformContext:
    """A context with an in-memory sequence store and a field name unless given."""
    kw.setdefault("sequences", InMemorySequenceStore())
    kw.setdefault("field", "entityId")
    return TransformContext(**kw)


def build(name: str, ctx: TransformContext | None = None, **params: Any) -> Callable[[Any], Any]:
    """One item compiled as a field's whole pipeline, so the MISSING/None rules apply.

    ``build("trim")``, ``build("truncate", length=3)``; parameter problems raise as they would
    for ``TransformRegistry.parse`` / ``bind`` (paths without the pipeline index).
    """
    return build_item({name: params} if params else name, ctx)


def build_item(item: Any, ctx: TransformContext | None = None) -> Callable[[Any], Any]:
    """``build`` for an item written as in a spec: ``"trim"`` or ``{"bool": {"as": "T/F"}}``."""
    return compose([_REGISTRY.parse(item).bind(ctx or context())])


def same(a: Any, b: Any) -> bool:
    """Equal, of the same type, and with the same text (Decimal('1.0') != Decimal('1.00'))."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b and str(a) == str(b)
