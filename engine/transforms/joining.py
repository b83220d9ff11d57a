"""Building text from a value and literal parts: prefixes, suffixes, concatenations, templates.

Why: destination identifiers are often a fixed label plus a source id (the connector's item IDs
are `"Zuora Charge " + Id`). Numbers are accepted and written in plain digits, because ids and
numbers are what these transforms usually wrap.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.errors import TransformError
from engine.transforms import inline
from engine.transforms._support import path_param, refuse, to_text
from engine.transforms.core import (
    MISSING,
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
    with_inline,
)

_ITEM_ID_NOTE = (
    "the label and its trailing space are literal: match the item IDs already in the account"
)


@transform(
    "prefix",
    params=param_schema(
        ["text"],
        text=prop("Literal text put before the value.", ["Zuora Charge "], type="string"),
    ),
    examples=[
        {
            "params": {"text": "Zuora Charge "},
            "input": "8a8082c45f0a",
            "output": "Zuora Charge 8a8082c45f0a",
            "note": _ITEM_ID_NOTE,
        },
        {"params": {"text": "INV-"}, "input": 1042, "output": "INV-1042"},
    ],
)
def prefix(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Put literal text before the value.

    The connector's "Use Zuora Charge ID" item mapping is `prefix: {text: "Zuora Charge "}` on
    the charge id (products use `"Zuora Product "`, rate plans `"Zuora Rate Plan "`). Its docs
    write the label as `"Zuora Charge" + Id`; Ferry's examples include a separating space,
    which reads better, but the text is literal: when taking over an existing account, copy the
    form its NetSuite items already use, or every item is created again.
    """
    text: str = params["text"]

    def run(value: Any) -> str:
        return text + to_text(value)

    return with_inline(run, inline.prefix(params))


@transform(
    "suffix",
    params=param_schema(
        ["text"],
        text=prop("Literal text put after the value.", [" (Zuora)"], type="string"),
    ),
    examples=[{"params": {"text": " (Zuora)"}, "input": "Acme", "output": "Acme (Zuora)"}],
)
def suffix(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Put literal text after the value.

    For labels that mark where a record came from, or units appended to a number.
    """
    text: str = params["text"]

    def run(value: Any) -> str:
        return to_text(value) + text

    return run


_PART = {
    "type": ["string", "object"],
    "if": {"type": "object"},
    "then": {
        "type": "object",
        "additionalProperties": False,
        "required": ["path"],
        "properties": {
            "path": {"type": "string", "minLength": 1, "description": "Dotted path; `@` = value."}
        },
    },
    "description": "Literal text, or `{path: a.b}` to insert a member of the value (`@` = all).",
    "examples": ["Zuora Charge ", {"path": "@"}, {"path": "billToContact.lastName"}],
}


@transform(
    "concat",
    params=param_schema(
        ["parts"],
        parts=prop(
            "The pieces, joined in order with nothing between them.",
            [["Zuora Charge ", {"path": "@"}]],
            type="array",
            minItems=1,
            items=_PART,
        ),
        on_missing=prop(
            "What a `path` part with no value does: `fail` the record or insert `empty` text.",
            ["empty"],
            enum=["fail", "empty"],
            default="fail",
        ),
    ),
    examples=[
        {
            "params": {"parts": ["Zuora Charge ", {"path": "@"}]},
            "input": "8a80",
            "output": "Zuora Charge 8a80",
        },
        {
            "params": {"parts": [{"path": "city"}, ", ", {"path": "state"}]},
            "input": {"city": "Austin", "state": "TX"},
            "output": "Austin, TX",
        },
        {
            "params": {"parts": [{"path": "city"}, ", ", {"path": "state"}]},
            "input": {"city": "Austin"},
            "error": "no value at 'state'",
        },
    ],
)
def concat(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Join literal text and members of the value, in order.

    When the field's source is a record (`from: "@"`), `path` parts pick several of its members:
    the "multi-field mapping" peers offer. Paths are resolved once, at compile time, into getters.
    A missing member fails the record unless `on_missing: empty`.
    """
    empty_ok = params["on_missing"] == "empty"
    pieces = [_part(part, i, empty_ok) for i, part in enumerate(params["parts"])]

    def run(value: Any) -> str:
        return "".join([piece(value) for piece in pieces])

    return run


def _part(part: Any, index: int, empty_ok: bool) -> Callable[[Any], str]:
    if isinstance(part, str):
        return lambda _value: part
    path: str = part["path"]
    get = path_param(path, ("parts", index, "path"))

    def piece(value: Any) -> str:
        found = get(value)
        if found is MISSING:
            if empty_ok:
                return ""
            raise TransformError(f"no value at {path!r} in {type(value).__name__}")
        return to_text(found)

    return piece


# The format spec mini-language ([[fill]align][sign][z][#][0][width][grouping][.precision][type])
# with width and precision bounded, so a spec can neither reach into the value nor allocate
# gigabytes (`{value:0>999999999}`); checked by the schema, so `ferry validate` reports it.
_SPEC = r"(?:[^{}]?[<>=^])?[-+ ]?z?#?0?[0-9]{0,3}[,_]?(?:\.[0-9]{1,3})?[bcdeEfFgGnosxX%]?"
FORMAT_TEMPLATE = r"^(?:[^{}]|\{\{|\}\}|\{value(?::" + _SPEC + r")?\})*$"


@transform(
    "format",
    params=param_schema(
        ["template"],
        template=prop(
            "Text with `{value}` or `{value:SPEC}` placeholders (`{{`/`}}` for braces); only "
            "{value} is allowed as a name (no `.attribute`, `[index]`, `!r` or `{}`), and a SPEC "
            "is a plain format spec (no nested `{...}`) with at most 3 digits of width and "
            "of precision.",
            ["Zuora Charge {value}", "INV-{value:0>6}"],
            type="string",
            pattern=FORMAT_TEMPLATE,
        ),
    ),
    examples=[
        {"params": {"template": "INV-{value:0>6}"}, "input": 1042, "output": "INV-001042"},
        {"params": {"template": "{value} ({value})"}, "input": "A", "output": "A (A)"},
    ],
)
def format_(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Fill a template with the value, Python format-spec style, limited to `{value}`.

    Only the name `value` is allowed, with an optional format spec (`{value:0>6}`, `{value:,}`),
    and no `!r`/`!s` conversions. Full `str.format` is refused on purpose: `{value.__class__}`
    and `{value[0]}` reach into Python objects, which a spec written by a consultant (and
    reviewed as data) must never do. The template is parsed once; plain `{value}` templates run
    as string concatenation.
    """
    template: str = params["template"]
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TransformParamsError.at("template", str(exc)) from exc
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (name != "value" or conversion):
            bad = "{" + name + ("!" + conversion if conversion else "") + "}"
            raise TransformParamsError.at("template", f"only {{value}} is allowed, got {bad}")
        if spec and "{" in spec:
            raise TransformParamsError.at("template", "nested fields are not allowed")
        pieces.append((literal, None if name is None else spec or ""))
    return _formatter(pieces)


def _formatter(pieces: list[tuple[str, str | None]]) -> Fn:
    slots = [i for i, (_, spec) in enumerate(pieces) if spec is not None]
    if not slots:
        raise TransformParamsError.at("template", "has no {value} placeholder")
    if len(slots) == 1 and pieces[slots[0]][1] == "":
        head = "".join(lit for lit, _ in pieces[: slots[0] + 1])
        tail = "".join(lit for lit, _ in pieces[slots[0] + 1 :])

        def one_slot(value: Any) -> str:
            return head + to_text(value) + tail

        return one_slot

    def run(value: Any) -> str:
        out = []
        for literal, spec in pieces:
            out.append(literal)
            if spec is not None:
                out.append(_apply_spec(value, spec))
        return "".join(out)

    return run


def _apply_spec(value: Any, spec: str) -> str:
    if not spec:
        return to_text(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise refuse(value, "text, an integer or a Decimal")
    try:
        return format(value, spec)
    except ValueError as exc:
        raise TransformError(f"cannot format {value!r} with {spec!r}: {exc}") from exc
