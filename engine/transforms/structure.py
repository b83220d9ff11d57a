"""Giving a value the shape the destination expects: a reference, a one-element collection.

Why: destinations wrap simple values in structures — NetSuite writes an item's subsidiaries as a
collection, ``{"items": [{"id": "1"}]}``, and references as ``{"id": "1"}``. A value table per
possible id would be wrong the day a new id appears; this builds the shape around any value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.transforms.core import (
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
)

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\])?$")


@transform(
    "wrap",
    params=param_schema(
        ["path"],
        path=prop(
            "Where the value goes: dotted keys; `[]` after a key makes a one-element list.",
            ["items[].id", "id"],
            type="string",
            minLength=1,
        ),
    ),
    examples=[
        {"params": {"path": "id"}, "input": "7", "output": {"id": "7"}},
        {
            "params": {"path": "items[].id"},
            "input": "1",
            "output": {"items": [{"id": "1"}]},
            "note": "a NetSuite item's subsidiary collection",
        },
    ],
)
def wrap(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Put the value inside the object (or one-element list) the destination expects.

    `wrap: {path: "items[].id"}` turns `"1"` into `{"items": [{"id": "1"}]}`. The shape is
    built fresh for every record, so payloads never share it.
    """
    segments = params["path"].split(".")
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise TransformParamsError.at("path", f"{segment!r} is not a key (letters, digits, _)")
    steps = [(s.removesuffix("[]"), s.endswith("[]")) for s in reversed(segments)]

    def run(value: Any) -> Any:
        for key, listed in steps:
            value = {key: [value] if listed else value}
        return value

    return run
