"""Text edits: whitespace, case, length, literal replacement, and the connector's de-concatenation.

Why one family: these transforms take text and return text, refuse anything else (a number
reaching ``upper`` means the mapping points at the wrong field), and are used together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import TransformError
from engine.transforms import inline
from engine.transforms._support import refuse
from engine.transforms.core import (
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
    with_inline,
)


@transform(
    "trim",
    params=param_schema(
        characters=prop(
            "Characters to strip from both ends instead of whitespace.",
            ["-_ "],
            type="string",
            minLength=1,
        ),
        collapse=prop(
            "Also collapse every inner run of whitespace to one space.",
            [True],
            type="boolean",
            default=False,
        ),
    ),
    examples=[
        {"params": {}, "input": "  Acme Corp \n", "output": "Acme Corp"},
        {"params": {"collapse": True}, "input": " Acme \t  Corp ", "output": "Acme Corp"},
        {"params": {"characters": "-"}, "input": "--ACME-001--", "output": "ACME-001"},
    ],
)
def trim(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Strip whitespace (or given characters) from both ends of text.

    Source systems pad values and people paste names with stray spaces; destinations compare
    names exactly, so a trailing space makes a lookup or a uniqueness check fail. With
    ``collapse`` the inner whitespace is normalised too (tabs, newlines, repeated spaces).
    """
    chars: str | None = params.get("characters")
    if params["collapse"]:

        def collapse(value: Any) -> str:
            if not isinstance(value, str):
                raise refuse(value, "text")
            return " ".join(value.strip(chars).split())

        return collapse

    def strip(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        return value.strip(chars)

    return with_inline(strip, inline.trim(params))


@transform("upper", examples=[{"params": {}, "input": "usd", "output": "USD"}])
def upper(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Upper-case text (Unicode-aware).

    For codes a destination stores in capitals, such as currency symbols matched by exact name.
    """

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        return value.upper()

    return with_inline(run, inline.upper(params))


@transform("lower", examples=[{"params": {}, "input": "Ops@Acme.COM", "output": "ops@acme.com"}])
def lower(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Lower-case text (Unicode-aware).

    For values compared case-insensitively by people but exactly by machines, such as e-mails.
    """

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        return value.lower()

    return with_inline(run, inline.lower(params))


@transform(
    "truncate",
    params=param_schema(
        length=prop(
            "Maximum length in characters. Defaults to the destination field's known limit.",
            [83, 4000],
            type="integer",
            minimum=1,
        ),
        ellipsis=prop(
            "Text that ends a shortened value (after trailing spaces are cut); the result, "
            "ellipsis included, fits `length`.",
            ["...", "…"],
            type="string",
            default="",
        ),
    ),
    examples=[
        {"params": {"length": 8}, "input": "Acme Corporation", "output": "Acme Cor"},
        {
            "params": {"length": 8, "ellipsis": "..."},
            "input": "Acme Corporation",
            "output": "Acme...",
        },
        {"params": {"length": 8}, "input": "Acme", "output": "Acme"},
        {
            "params": {},
            "input": "Acme Corporation",
            "output": "Acme",
            "context": {"limits": {"max_length": 4}},
            "note": "no length: the destination field's limit applies",
        },
    ],
)
def truncate(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Cut text to a maximum length, optionally marking the cut with an ellipsis.

    Destinations reject values longer than a field allows (NetSuite's `entityId` takes 83
    characters), which fails the whole record; cutting is often the better outcome for free-text
    fields. Do not truncate identifiers that must stay unique: two long names may collide.
    """
    length: int | None = params.get("length", ctx.max_length)
    if length is None:
        raise TransformParamsError.at(
            "length", "required: the destination field has no known maximum length"
        )
    ellipsis: str = params["ellipsis"]
    if len(ellipsis) >= length:
        raise TransformParamsError.at("ellipsis", f"must be shorter than length {length}")
    keep = length - len(ellipsis)

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        return value if len(value) <= length else value[:keep].rstrip() + ellipsis

    return with_inline(run, inline.truncate(length))


@transform(
    "replace",
    params=param_schema(
        ["old", "new"],
        old=prop("The literal text to find (not a pattern).", [", "], type="string", minLength=1),
        new=prop("The literal text to put in its place.", [" "], type="string"),
        count=prop(
            "Replace at most this many occurrences, from the left; all when absent.",
            [1],
            type="integer",
            minimum=1,
        ),
    ),
    examples=[
        {"params": {"old": "&", "new": "and"}, "input": "Smith & Sons", "output": "Smith and Sons"},
        {"params": {"old": "-", "new": "", "count": 1}, "input": "A-B-C", "output": "AB-C"},
    ],
)
def replace(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Replace literal text with other literal text.

    Literal on purpose: a regular expression in a mapping spec is hard to review and easy to get
    subtly wrong. Useful for characters a destination mishandles (the connector's custom-field
    sync fails on `&` and `<`).
    """
    old: str = params["old"]
    new: str = params["new"]
    count: int = params.get("count", -1)

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        return value.replace(old, new, count)

    return run


@transform(
    "split_before_space",
    params=param_schema(
        separator=prop(
            "The character that ends the kept part.",
            [" ", "|"],
            type="string",
            minLength=1,
            maxLength=1,
            default=" ",
        ),
    ),
    examples=[
        {"params": {}, "input": "ACME-001 Acme Corp", "output": "ACME-001"},
        {"params": {}, "input": "ACME-001", "output": "ACME-001"},
        {
            "params": {},
            "input": "  ACME-001 Acme",
            "output": "ACME-001",
            "note": "leading separators are skipped first",
        },
        {"params": {}, "input": "   ", "error": "nothing before the first ' '"},
    ],
)
def split_before_space(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Keep the text up to the first space: the connector's "De-concatenate account number".

    NetSuite customer IDs are often `NUMBER Name`; the connector fills Zuora's account number
    with the part before the first space. Leading spaces are skipped first; a value without a
    space is kept whole; an empty result is refused rather than sending a blank number. Apply
    it only while the Zuora account has no Last Invoiced date: Zuora locks the number once
    transactions exist (a guard on the field, not this transform, decides that).
    """
    sep: str = params["separator"]

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise refuse(value, "text")
        head = value.lstrip(sep).partition(sep)[0]
        if not head:
            raise TransformError(f"nothing before the first {sep!r} in {value!r}")
        return head

    return with_inline(run, inline.split_before_space(params))
