"""Defaults, read from the JSON Schemas: the one place they are written.

Why from the schema: editors show a schema's ``default`` while a spec is written, so the value
the model fills in must be that one; reading it here (rather than repeating ``100`` or
``"always"`` in code) keeps the two from drifting apart.
"""

from __future__ import annotations

import functools
from typing import Any

from engine.load.schema import schema_for


@functools.cache
def schema_default(kind: str, pointer: str) -> Any:
    """The ``default`` at a JSON pointer (``/$defs/field/properties/write``) of a kind's schema.

    A ``KeyError`` here is a bug (the schema lost a default the model relies on)."""
    node: Any = schema_for("ferry/v1", kind)
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node["default"]


def mapping_default(pointer: str) -> Any:
    """A default of the Mapping schema."""
    return schema_default("Mapping", pointer)
