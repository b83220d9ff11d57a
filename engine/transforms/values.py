"""Presence and truth: fallbacks for missing values and yes/no parsing.

Why together: these decide *whether* there is a value and which one, before the value is shaped.
`default` and `coalesce` are the only built-ins (with `auto_number`) that receive MISSING.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.transforms._support import (
    FALSE_WORDS,
    TRUE_WORDS,
    copier,
    path_param,
    refuse,
)
from engine.transforms.core import (
    MISSING,
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
)

_ANY_VALUE = {"type": ["string", "number", "integer", "boolean", "object", "array"]}


@transform(
    "default",
    accepts_missing=True,
    params=param_schema(
        ["value"],
        value=prop("What to use when there is no value.", ["Net 30", 0, True], **_ANY_VALUE),
        blank=prop(
            "Treat empty or whitespace-only text as missing too.",
            [True],
            type="boolean",
            default=False,
        ),
    ),
    examples=[
        {
            "params": {"value": "Yes"},
            "input": MISSING,
            "output": "Yes",
            "note": "Zuora's Sync to NetSuite: no value counts as Yes",
        },
        {"params": {"value": "Yes"}, "input": "No", "output": "No"},
        {"params": {"value": "USD", "blank": True}, "input": "  ", "output": "USD"},
    ],
)
def default(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Use a fixed value when the source has none.

    The connector's settings are full of fallbacks (default currency, tax code, department),
    and some gates treat an empty value as a yes. Put `default` where the fallback belongs in the
    pipeline: first to feed the fallback through later transforms, last to send it as written.
    """
    fallback = params["value"]
    fresh = copier([fallback])
    if params["blank"]:

        def blank_or_missing(value: Any) -> Any:
            if value is MISSING or (isinstance(value, str) and not value.strip()):
                return fresh(fallback)
            return value

        return blank_or_missing
    return lambda value: fresh(fallback) if value is MISSING else value


@transform(
    "coalesce",
    accepts_missing=True,
    params=param_schema(
        ["paths"],
        paths=prop(
            "Dotted paths tried in order; `@` is the value itself.",
            [["billTo.workEmail", "soldTo.workEmail"]],
            type="array",
            minItems=1,
            items={"type": "string", "minLength": 1},
        ),
        skip_blank=prop(
            "Skip empty or whitespace-only text, as if missing.",
            [False],
            type="boolean",
            default=True,
        ),
        default=prop(
            "Used when no path has a value; otherwise the result is missing.",
            ["unknown@example.com"],
            **_ANY_VALUE,
        ),
    ),
    examples=[
        {
            "params": {"paths": ["billTo.workEmail", "soldTo.workEmail"]},
            "input": {"billTo": {"workEmail": ""}, "soldTo": {"workEmail": "ap@acme.com"}},
            "output": "ap@acme.com",
        },
        {
            "params": {"paths": ["billTo.workEmail"], "default": "none@acme.com"},
            "input": {"billTo": {}},
            "output": "none@acme.com",
        },
        {"params": {"paths": ["billTo.workEmail"]}, "input": {}, "output": MISSING},
    ],
)
def coalesce(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """The first of several members of the value that has one: multi-field fallbacks.

    Map the field from the record (`from: "@"`) or from the object holding the candidates; each
    path is compiled once into a getter. Blank text counts as missing unless `skip_blank` is off.
    """
    getters = tuple(path_param(p, ("paths", i)) for i, p in enumerate(params["paths"]))
    skip_blank: bool = params["skip_blank"]
    fallback = params.get("default", MISSING)

    def run(value: Any) -> Any:
        if value is MISSING:
            return fallback
        for get in getters:
            found = get(value)
            if found is MISSING or (skip_blank and isinstance(found, str) and not found.strip()):
                continue
            return found
        return fallback

    return run


_OUTPUTS = {
    "bool": (True, False),
    "T/F": ("T", "F"),
    "Yes/No": ("Yes", "No"),
    "true/false": ("true", "false"),
}


@transform(
    "bool",
    params=param_schema(
        true_values=prop(
            "Words meaning yes (replace the defaults).",
            [["Active", "On Hold"]],
            type="array",
            items={"type": "string"},
            minItems=1,
        ),
        false_values=prop(
            "Words meaning no (replace the defaults).",
            [["Inactive"]],
            type="array",
            items={"type": "string"},
            minItems=1,
        ),
        case_sensitive=prop(
            "Match words exactly instead of ignoring case.", [True], type="boolean", default=False
        ),
        **{
            "as": prop(
                "Output: a boolean, or the destination's words for yes/no.",
                ["T/F"],
                enum=list(_OUTPUTS),
                default="bool",
            )
        },
    ),
    examples=[
        {"params": {}, "input": "Yes", "output": True},
        {
            "params": {"as": "T/F"},
            "input": True,
            "output": "T",
            "note": "check boxes in NetSuite SuiteScript",
        },
        {"params": {"as": "Yes/No"}, "input": "f", "output": "No"},
        {
            "params": {"true_values": ["Active"], "false_values": ["Cancelled"]},
            "input": "Cancelled",
            "output": False,
        },
        {"params": {}, "input": "maybe", "error": "expected one of"},
    ],
)
def bool_(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Read a yes/no value and write it as a boolean or as the destination's words.

    Understands `true/false, yes/no, y/n, t/f, 1/0, on/off` in any case by default (NetSuite
    writes `T`/`F`, Zuora picklists `Yes`/`No`); real booleans pass. An unknown word is
    refused rather than guessed, because a wrong yes can send a record that must not sync.
    """
    fold = (lambda w: w) if params["case_sensitive"] else str.casefold
    trues = frozenset(fold(w) for w in params.get("true_values", TRUE_WORDS))
    falses = frozenset(fold(w) for w in params.get("false_values", FALSE_WORDS))
    if trues & falses:
        both = sorted(trues & falses)
        raise TransformParamsError.at("false_values", f"overlaps true_values: {both}")
    yes, no = _OUTPUTS[params["as"]]
    lookup = {**{w: yes for w in trues}, **{w: no for w in falses}}
    expected = "one of " + ", ".join(sorted(lookup))

    def run(value: Any) -> Any:
        if value is True or value is False:
            return yes if value else no
        if isinstance(value, str):
            found = lookup.get(fold(value.strip()), MISSING)
        elif type(value) is int:
            found = lookup.get(str(value), MISSING)
        else:
            found = MISSING
        if found is MISSING:
            raise refuse(value, expected)
        return found

    return run
