"""Evaluate a parsed SuiteQL query against the store and shape rows as the real service does.

Why it matters: SuiteQL rows differ from REST records in ways clients trip over - lower-case
column keys, ``'T'``/``'F'`` booleans, references as bare ids, dates in the user's date format
(the emulator uses ``M/D/YYYY``; a time of day is *not* shown), every value a string, and
columns whose value is null left out of the row altogether. The emulator reproduces all of them
(the string values and the date format are the stricter reading of unverified behaviour).

Columns per table: every scalar body field of the record types in it, lower-cased, plus
``id``; ``item`` adds ``itemtype`` (``Service``, ``NonInvtPart``) and ``createddate``;
``transaction`` adds ``type`` (``CustInvc``, ``CustCred``, ``CustPymt``, ``CustRfnd``),
``entity`` (the customer on every type), ``createddate``, ``foreigntotal`` and
``foreignamountremaining``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.emulators.netsuite.ledger import derived
from engine.emulators.netsuite.schema import Kind
from engine.emulators.netsuite.store import Record, Store
from engine.emulators.netsuite.suiteql import Condition, Literal, Query, SuiteQLError, parse_moment

Getter = Callable[[str, Record], Any]
_NUMERIC = (Kind.MONEY, Kind.NUMBER, Kind.REF)
_SCALAR = (Kind.STR, Kind.BOOL, Kind.MONEY, Kind.NUMBER, Kind.DATE, Kind.DATETIME, Kind.REF)


@dataclass(frozen=True)
class Column:
    kind: Kind
    get: Getter


def _field_getter(name: str, kind: Kind) -> Getter:
    if kind is Kind.REF:
        return lambda _t, r: (r.get(name) or {}).get("id")
    return lambda _t, r: r.get(name)


def columns_for(store: Store, table: str) -> dict[str, Column]:
    """The columns of ``table``, or a SuiteQLError for a table outside the subset."""
    types = [t for t in store.types.values() if t.table == table]
    if not types:
        raise SuiteQLError(
            f"Record '{table}' was not found (supported: customer, item, transaction)"
        )
    cols: dict[str, Column] = {"id": Column(Kind.NUMBER, lambda _t, r: r["id"])}
    for rtype in types:
        for name, spec in rtype.fields.items():
            if spec.kind in _SCALAR and name != "id":
                cols.setdefault(name.lower(), Column(spec.kind, _field_getter(name, spec.kind)))
    if table == "customer":
        return cols
    cols["createddate"] = Column(Kind.DATETIME, lambda _t, r: r.get("dateCreated"))
    cols.pop("datecreated", None)
    if table == "item":
        cols["itemtype"] = Column(Kind.STR, lambda t, _r: store.types[t].type_code)
        return cols
    cols["type"] = Column(Kind.STR, lambda t, _r: store.types[t].type_code)
    cols["entity"] = Column(
        Kind.REF, lambda _t, r: (r.get("entity") or r.get("customer") or {}).get("id")
    )
    cols["foreigntotal"] = Column(Kind.MONEY, lambda t, r: _derived(store, t, r, "total"))
    cols["foreignamountremaining"] = Column(
        Kind.MONEY, lambda t, r: _derived(store, t, r, "amountRemaining")
    )
    return cols


def _derived(store: Store, type_name: str, record: Record, name: str) -> Any:
    return derived(store, type_name, record).get(name, record.get(name))


def run(store: Store, query: Query) -> list[dict[str, Any]]:
    """All matching rows, ordered, as SuiteQL shows them (paging is the caller's)."""
    cols = columns_for(store, query.table)
    for name in [
        *(query.columns or ()),
        *(c.column for c in query.where),
        *(k.column for k in query.order),
    ]:
        if name not in cols:
            raise SuiteQLError(f"Field '{name}' for record '{query.table}' was not found")
    checks = [_compile(cols[c.column], c) for c in query.where]
    with store.lock:
        types = tuple(t.name for t in store.types.values() if t.table == query.table)
        rows = [(t, r) for t, r in store.all(types) if all(check(t, r) for check in checks)]
        rows.sort(key=lambda tr: int(tr[1]["id"]) if tr[1]["id"].isdigit() else 0)
        for key in reversed(query.order):
            rows.sort(key=_sorter(cols[key.column]), reverse=key.descending)
        names = list(query.columns or cols)
        return [_row(cols, names, t, r) for t, r in rows]


def _sorter(column: Column) -> Callable[[tuple[str, Record]], tuple[bool, Any]]:
    """Sort key for one column: NULLs after every value (last ascending, first descending)."""

    def key(row: tuple[str, Record]) -> tuple[bool, Any]:
        value = _comparable(column, column.get(*row))
        return (value is None, value if value is not None else 0)

    return key


def _row(
    cols: dict[str, Column], names: list[str], type_name: str, record: Record
) -> dict[str, Any]:
    row: dict[str, Any] = {"links": []}
    for name in names:
        value = cols[name].get(type_name, record)
        if value is not None:
            row[name] = _shown(cols[name].kind, value)
    return row


def _shown(kind: Kind, value: Any) -> str:
    if kind is Kind.BOOL:
        return "T" if value else "F"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return f"{value.month}/{value.day}/{value.year}"
    if kind is Kind.DATE:
        day = date.fromisoformat(value)
        return f"{day.month}/{day.day}/{day.year}"
    return str(value)


# -- WHERE ---------------------------------------------------------------------------------------
def _compile(column: Column, cond: Condition) -> Callable[[str, Record], bool]:
    if cond.op in ("is null", "is not null"):
        wanted = cond.op == "is null"
        return lambda t, r: (column.get(t, r) is None) == wanted
    values = [_literal_for(column, lit) for lit in cond.values]
    test = _TESTS[cond.op]

    def check(type_name: str, record: Record) -> bool:
        value = _comparable(column, column.get(type_name, record))
        return value is not None and test(value, values)

    return check


_TESTS: dict[str, Callable[[Any, list[Any]], bool]] = {
    "=": lambda v, vs: bool(v == vs[0]),
    "!=": lambda v, vs: bool(v != vs[0]),
    "<": lambda v, vs: bool(v < vs[0]),
    "<=": lambda v, vs: bool(v <= vs[0]),
    ">": lambda v, vs: bool(v > vs[0]),
    ">=": lambda v, vs: bool(v >= vs[0]),
    "in": lambda v, vs: v in vs,
    "not in": lambda v, vs: v not in vs,
}


def _comparable(column: Column, value: Any) -> Any:
    """A stored value in the form literals are compared with."""
    if value is None:
        return None
    if column.kind in _NUMERIC or column.kind is Kind.NUMBER:
        return Decimal(value) if not isinstance(value, Decimal) else value
    if column.kind is Kind.DATE:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if column.kind is Kind.BOOL:
        return "T" if value else "F"
    return value


def _literal_for(column: Column, literal: Literal) -> Any:
    value = literal.value
    if column.kind in (Kind.DATE, Kind.DATETIME):
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            return parse_moment(value, None)
        raise SuiteQLError(f"a number cannot be compared with a date ({value})")
    if column.kind in _NUMERIC or column.kind is Kind.NUMBER:
        try:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise SuiteQLError(f"{value!r} is not a number") from None
    if isinstance(value, datetime):
        raise SuiteQLError("a date cannot be compared with a text column")
    return format(value, "f") if isinstance(value, Decimal) else value
