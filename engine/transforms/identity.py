"""Record identity: the connector's account-number choices beyond "use the source number".

Why a family: "Use Name From Source Record" and "Let Destination Auto-Number" decide what a
customer is called in the destination, with rules (limits, refused characters, who numbers)
that plain text transforms do not know.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import TransformError
from engine.transforms._support import parse_bool_word, path_param, refuse, to_text
from engine.transforms.core import (
    MISSING,
    OMIT,
    Fn,
    SequenceJournal,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
)

NETSUITE_ENTITY_ID_MAX = 83
"""NetSuite's `entityId` limit, used when the destination field's limit is not known."""

_IS_PERSON = {
    "type": ["string", "object"],
    "if": {"type": "string"},
    "then": {"enum": ["auto"]},
    "else": {
        "type": "object",
        "additionalProperties": False,
        "required": ["path"],
        "properties": {
            "path": {"type": "string", "description": "Dotted path of the deciding member."},
            "equals": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "description": "Values (case-insensitive) meaning a person; else a yes/no.",
            },
        },
    },
    "default": "auto",
    "description": "`auto`: a person when the company name is blank. Or `{path, equals}`.",
    "examples": ["auto", {"path": "CustomerType__NS", "equals": ["Individual"]}],
}

_ACME = {"name": "Acme, Inc.", "billTo": {"firstName": "Ada", "lastName": "Lovelace"}}
_ADA = {"name": "", "billTo": {"firstName": "Ada", "lastName": "Lovelace"}}


@transform(
    "name_as_id",
    params=param_schema(
        company=prop("Dotted path of the company name.", ["name"], type="string", default="name"),
        first_name=prop(
            "Dotted path of a person's first name.",
            ["billTo.firstName"],
            type="string",
            default="billTo.firstName",
        ),
        last_name=prop(
            "Dotted path of a person's last name.",
            ["billTo.lastName"],
            type="string",
            default="billTo.lastName",
        ),
        is_person=_IS_PERSON,
        max_length=prop(
            "Longest id kept; default: the field's limit, else 83 (NetSuite).",
            [83],
            type="integer",
            minimum=1,
        ),
        refused_characters=prop(
            "Characters the destination should not get in a name.",
            ['",'],
            type="string",
            default='",',
        ),
        on_refused=prop(
            "What to do with a refused character.",
            ["replace"],
            enum=["remove", "replace", "fail"],
            default="remove",
        ),
        replacement=prop(
            "What replaces a refused character with `on_refused: replace`.",
            [" ", "-"],
            type="string",
            default=" ",
        ),
    ),
    examples=[
        {"params": {}, "input": _ACME, "output": "Acme Inc."},
        {"params": {}, "input": _ADA, "output": "Ada Lovelace", "note": "blank company: a person"},
        {"params": {"max_length": 6}, "input": _ACME, "output": "Acme I"},
        {"params": {"on_refused": "fail"}, "input": _ACME, "error": "refused character ','"},
        {
            "params": {"is_person": {"path": "type", "equals": ["Individual"]}},
            "input": {**_ACME, "type": "Individual"},
            "output": "Ada Lovelace",
        },
    ],
)
def name_as_id(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Build a customer id from the record's name: the connector's "Use Name From Source Record".

    Takes the whole record (map the field `from: "@"`): the company name, or first and last name
    for individuals. The default paths fit a Zuora account as the Zuora driver reads it
    (`name`, `billTo.firstName`, `billTo.lastName`). The name is cleaned the way the connector
    advises: `"` and `,` are removed (it warns against them in account names), whitespace is
    collapsed and trimmed, and the result is cut to the destination's limit (NetSuite
    `entityId`: 83). Names are not unique the way numbers are: pair this with a uniqueness
    check on the destination.
    """
    pick = _picker(params)
    clean = _cleaner(params, ctx)

    def run(record: Any) -> str:
        if type(record) is not dict and not isinstance(record, Mapping):
            raise refuse(record, "a record (map)")
        raw, what = pick(record)
        name = clean(raw)
        if not name:
            raise TransformError(f"the record has no {what} to use as its id")
        return name

    return run


Picked = tuple[str, str]  # the raw name, and what it is (for messages)


def _picker(params: Mapping[str, Any]) -> Callable[[Any], Picked]:
    """Company or person, decided once per record with each path read at most once."""
    company = path_param(params["company"], "company")
    first = path_param(params["first_name"], "first_name")
    last = path_param(params["last_name"], "last_name")

    def person(record: Any) -> Picked:
        parts = [to_text(p) for p in (first(record), last(record)) if p is not MISSING]
        return " ".join(parts), "first or last name"

    def organisation(record: Any) -> Picked:
        found = company(record)
        return ("" if found is MISSING else to_text(found)), "company name"

    rule = params["is_person"]
    if rule == "auto":

        def auto(record: Any) -> Picked:
            picked = organisation(record)
            return picked if picked[0].strip() else person(record)

        return auto
    decide = _person_rule(rule)
    return lambda record: person(record) if decide(record) else organisation(record)


def _person_rule(rule: Mapping[str, Any]) -> Callable[[Any], bool]:
    get = path_param(rule["path"], ("is_person", "path"))
    if "equals" in rule:
        wanted = frozenset(v.casefold() for v in rule["equals"])
        return lambda record: str(get(record)).casefold() in wanted

    def flag(record: Any) -> bool:  # no value: not a person
        value = get(record)
        return value is not MISSING and parse_bool_word(value)

    return flag


def _cleaner(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[str], str]:
    limit: int = params.get("max_length") or ctx.max_length or NETSUITE_ENTITY_ID_MAX
    refused: str = params["refused_characters"]
    policy: str = params["on_refused"]
    replacement: str = params["replacement"]
    if policy == "replace" and any(c in refused for c in replacement):
        raise TransformParamsError.at("replacement", "contains a refused character")
    table = {ord(c): (replacement if policy == "replace" else None) for c in refused}

    def clean(raw: str) -> str:
        if policy == "fail":
            bad = next((c for c in raw if c in refused), None)
            if bad is not None:
                raise TransformError(f"refused character {bad!r} in name {raw!r}")
        text = " ".join(raw.translate(table).split())
        return text[:limit].rstrip()

    return clean


@transform(
    "auto_number",
    accepts_missing=True,
    destination_assigned=lambda p: p.get("mode", "destination") == "destination",
    params=param_schema(
        mode=prop(
            "`destination`: send nothing, read the number back after the write. "
            "`sequence`: number here, from a persisted sequence.",
            ["sequence"],
            enum=["destination", "sequence"],
            default="destination",
        ),
        prefix=prop(
            "Text before the number (sequence mode).", ["CUST-"], type="string", default=""
        ),
        padding=prop(
            "Zero-pad the number to this many digits (sequence mode).",
            [6],
            type="integer",
            minimum=0,
            maximum=30,
            default=0,
        ),
        start=prop(
            "First number of a new sequence (sequence mode).",
            [1000],
            type="integer",
            minimum=0,
            default=1,
        ),
        sequence=prop(
            "Sequence name; default: the destination field name. Share a name to share numbering.",
            ["customer-number"],
            type="string",
            minLength=1,
        ),
    ),
    examples=[
        {
            "params": {},
            "input": "A-100",
            "output": OMIT,
            "note": "the field is not sent; the destination assigns the number",
        },
        {
            "params": {"mode": "sequence", "prefix": "CUST-", "padding": 5, "start": 1000},
            "input": MISSING,
            "output": "CUST-01000",
        },
    ],
)
def auto_number(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Let the destination number the record, or number it from an engine-side sequence.

    `mode: destination` is the connector's "Let Destination Auto-Number": the field is never
    sent (the value becomes OMIT) and the engine reads the assigned number back after the write.
    NetSuite then needs Auto-Generated Numbers on, and no "Allow Override" is required.
    `mode: sequence` is for destinations that cannot number records: each record created takes
    the next number of a sequence kept in the sync's state file, so numbers survive restarts.
    The field must say `write: create` (an update would renumber the record). A record whose
    payload is not sent (it fails to render, or is linked to an existing record) gives its
    number back; `ferry plan` shows the numbers the next sync would take without taking them.
    """
    if params["mode"] == "destination":
        return lambda _value: OMIT
    store = ctx.sequences
    if store is None:
        raise TransformParamsError.at("mode", "sequence mode needs a sequence store")
    name: str = params.get("sequence") or ctx.field
    if not name:
        raise TransformParamsError.at("sequence", "required when the field name is unknown")
    text, width, start = params["prefix"], params["padding"], params["start"]
    next_number = store.numbering() if isinstance(store, SequenceJournal) else store.next

    def run(_value: Any) -> str:
        return f"{text}{next_number(name, start):0{width}d}"

    return run
