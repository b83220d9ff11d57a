"""Value tables: translating codes (`map`) and resolving reference data by exact name (`lookup`).

Why at compile time: a table is read once into a plain dict (case-folded when asked), so a
record costs one dict lookup. Why two transforms: `map` is a consultant's translation with a
chosen policy for the unknown; `lookup` is the connector's exact-name reference data (terms,
currency symbols, payment methods, `A : B : C` classifications), where an unknown name is always
an error worth a "did you mean".
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import TransformError
from engine.suggest import did_you_mean
from engine.transforms import inline
from engine.transforms._support import copier, refuse, to_text
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

_TERMS = {"Due Upon Receipt": "Due on receipt", "Net 30": "Net 30", "Net 45": "Net 45"}
_CURRENCIES = {"currencies": {"USD": "1", "EUR": "2", "GBP": "3"}}


def _table(params: Mapping[str, Any], ctx: TransformContext) -> Mapping[Any, Any]:
    """The inline `values` or the spec table named by `table` (exactly one of them)."""
    if ("values" in params) == ("table" in params):
        raise TransformParamsError.at("values", "give either `values` or `table`, not both")
    if "values" in params:
        values: Mapping[Any, Any] = params["values"]
        return values
    name: str = params["table"]
    if name not in ctx.tables:
        raise TransformParamsError.at(
            "table", f"no table named {name!r}{did_you_mean(name, ctx.tables, n=3)}"
        )
    return ctx.tables[name]


def _keyed(table: Mapping[Any, Any], fold: Callable[[str], str], param: str) -> dict[str, Any]:
    """The table with text keys, folded; two keys folding to one is a spec error."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        try:
            text = fold(to_text(key))
        except TransformError as exc:
            raise TransformParamsError.at(param, f"key {key!r} is not text") from exc
        if text in out:
            raise TransformParamsError.at(param, f"keys collide when case is ignored: {key!r}")
        out[text] = value
    return out


def _key_of(value: Any, fold: Callable[[str], str]) -> str:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, bool):
        raise refuse(value, "text or a number to look up")
    return fold(to_text(value))


def _identity(text: str) -> str:
    return text


_MAP_PARAMS = {
    **param_schema(
        values=prop(
            "The table inline: source value -> destination value.",
            [{"Net30": "Net 30", "DueOnReceipt": "Due on receipt"}],
            type="object",
        ),
        table=prop(
            "Name of a value table declared in the spec, instead of `values`.",
            ["payment_terms"],
            type="string",
        ),
        unmapped=prop(
            "A value not in the table: `fail` the record, `pass` it through "
            "unchanged, or send `default`.",
            ["pass"],
            enum=["fail", "pass", "default"],
            default="fail",
        ),
        default=prop(
            "Sent for unmapped values with `unmapped: default`.",
            ["Net 30"],
            type=["string", "number", "integer", "boolean", "object", "array"],
        ),
        case_sensitive=prop(
            "Match keys exactly; `false` ignores case.", [False], type="boolean", default=True
        ),
    ),
    "minProperties": 1,  # a bare `- map` is always an error
}


@transform(
    "map",
    params=_MAP_PARAMS,
    examples=[
        {"params": {"values": _TERMS}, "input": "Net 30", "output": "Net 30"},
        {
            "params": {"table": "terms"},
            "input": "Due Upon Receipt",
            "output": "Due on receipt",
            "context": {"tables": {"terms": _TERMS}},
        },
        {
            "params": {"values": _TERMS, "unmapped": "default", "default": "Net 30"},
            "input": "Net 60",
            "output": "Net 30",
        },
        {
            "params": {"values": _TERMS, "case_sensitive": False},
            "input": "NET 45",
            "output": "Net 45",
        },
        {"params": {"values": _TERMS}, "input": "Net 35", "error": "did you mean"},
    ],
)
def map_(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Translate a value through a table, e.g. Zuora payment terms to NetSuite terms.

    The peers' "value map" rows. Keys are text (numbers are matched by their digits). What
    happens to a value missing from the table is explicit: fail (the default, so a new code in
    the source is noticed), pass it through, or send a default.
    """
    fold: Callable[[str], str] = _identity if params["case_sensitive"] else str.casefold
    table = _keyed(_table(params, ctx), fold, "table" if "table" in params else "values")
    policy: str = params["unmapped"]
    if (policy == "default") != ("default" in params):
        raise TransformParamsError.at("default", "goes with `unmapped: default`, and only with it")
    fallback = params.get("default")
    get = table.get
    fresh = copier([*table.values(), fallback])

    def run(value: Any) -> Any:
        found = get(_key_of(value, fold), MISSING)
        if found is not MISSING:
            return fresh(found)
        if policy == "pass":
            return value
        if policy == "default":
            return fresh(fallback)
        raise TransformError(f"no mapping for {value!r}{did_you_mean(str(value), table, n=3)}")

    exact = params["case_sensitive"] and fresh is not copy.deepcopy
    return with_inline(run, inline.table_get(table) if exact else None)


@transform(
    "lookup",
    params=param_schema(
        ["table"],
        table=prop(
            "Name of the reference table declared in the spec: name -> id, or "
            "name -> row with an id member.",
            ["currencies"],
            type="string",
        ),
        id_field=prop(
            "The id member of a row, when the table's entries are rows.",
            ["internalId"],
            type="string",
            default="id",
        ),
        case_sensitive=prop(
            "Names match exactly, as the connector does; `false` ignores case.",
            [False],
            type="boolean",
            default=True,
        ),
        **{
            "as": prop(
                "Return the bare `id`, or a reference `{id: ...}` (NetSuite REST).",
                ["ref"],
                enum=["id", "ref"],
                default="id",
            )
        },
    ),
    examples=[
        {
            "params": {"table": "currencies"},
            "input": "EUR",
            "output": "2",
            "context": {"tables": _CURRENCIES},
        },
        {
            "params": {"table": "currencies", "as": "ref"},
            "input": "USD",
            "output": {"id": "1"},
            "context": {"tables": _CURRENCIES},
        },
        {
            "params": {"table": "currencies"},
            "input": "usd",
            "error": "did you mean 'USD'",
            "context": {"tables": _CURRENCIES},
        },
    ],
)
def lookup(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Resolve reference data by exact name to the destination's internal id.

    The connector matches terms, currencies (Zuora code = NetSuite symbol), payment methods,
    rev-rec templates and classifications (full `A : B : C` paths) by exact name. A name that
    is not there fails the record with the closest names, because a near miss (`usd`,
    `Net30`) is the usual cause. With `as: ref` the result is `{"id": "..."}`, the shape of a
    NetSuite REST record reference.
    """
    fold: Callable[[str], str] = _identity if params["case_sensitive"] else str.casefold
    name: str = params["table"]
    rows = _keyed(_table(params, ctx), fold, "table")
    ids = {key: _id_of(row, params["id_field"], key) for key, row in rows.items()}
    get = ids.get
    as_ref = params["as"] == "ref"

    def run(value: Any) -> Any:
        found = get(_key_of(value, fold), MISSING)
        if found is MISSING:
            hint = did_you_mean(str(value), ids, n=3)
            raise TransformError(f"no {name!r} entry named {value!r}{hint}")
        return {"id": found} if as_ref else found

    return with_inline(run, inline.table_get(ids, as_ref) if params["case_sensitive"] else None)


def _id_of(row: Any, id_field: str, key: str) -> Any:
    if not isinstance(row, Mapping):
        return row
    if id_field not in row:
        raise TransformParamsError.at("id_field", f"row {key!r} has no {id_field!r} member")
    return row[id_field]
