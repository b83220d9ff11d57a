"""Create, update and upsert: the rules NetSuite applies to a whole record.

Why here and not in the handlers: the same rules hold for a POST, a PATCH, an upsert and a seed
file, and most of what users struggle with lives here - auto-generated numbers that silently
replace a supplied ``entityId``, numbers that may not be changed, external ids that must be
unique, transactions that must balance. Each write is checked completely before anything is
stored, so a refused write consumes no id and no number.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from engine.emulators.netsuite.ledger import (
    check_applications,
    check_totals,
    price_lines,
    required,
)
from engine.emulators.netsuite.nserror import Detail, NsError
from engine.emulators.netsuite.schema import Kind, RecordType
from engine.emulators.netsuite.store import Record, Store
from engine.emulators.netsuite.validate import read_only_detail


def create(
    store: Store,
    rtype: RecordType,
    changes: Record,
    *,
    seeded: tuple[str, datetime, datetime] | None = None,
) -> Record:
    """Create a record from normalised ``changes``; ``seeded`` = (id, created, modified)."""
    with store.lock:
        record = {k: v for k, v in changes.items() if v is not None}
        take_number = False if seeded else _number_on_create(store, rtype, record)
        targets = _complete(store, rtype, record, None, numbered=take_number)
        if seeded:
            record["id"], record["dateCreated"], record["lastModifiedDate"] = seeded
            store.observe_seed(rtype, record["id"], seeded[2])
        else:
            record["id"] = store.new_id(rtype)
            if take_number:
                record[rtype.number_field or ""] = _next_free_number(store, rtype)
            record["dateCreated"] = record["lastModifiedDate"] = store.stamp()
        store.put(rtype, _ordered(rtype, record))
        if targets is not None:
            store.set_applications(record["id"], targets)
        return record


def update(
    store: Store,
    rtype: RecordType,
    record_id: str,
    changes: Record,
    replace: frozenset[str] = frozenset(),
) -> Record:
    """Apply a PATCH: only sent fields change; sublists merge unless named in ``replace``."""
    with store.lock:
        current = store.records[rtype.name][record_id]
        _check_number_change(store, rtype, current, changes)
        merged = copy.deepcopy(current)
        for name, value in changes.items():
            if value is None:
                merged.pop(name, None)
            elif rtype.fields[name].kind is Kind.SUBLIST and name not in replace:
                merged[name] = _merge_lines(name, merged.get(name) or [], value)
            else:
                merged[name] = value
        targets = _complete(store, rtype, merged, record_id, numbered=False)
        merged["lastModifiedDate"] = store.stamp()
        store.put(rtype, _ordered(rtype, merged))
        if targets is not None:
            store.set_applications(record_id, targets)
        return merged


def upsert(
    store: Store,
    rtype: RecordType,
    external_id: str,
    changes: Record,
    replace: frozenset[str] = frozenset(),
) -> tuple[Record, bool]:
    """PUT ``eid:X``: update the record with that external id, or create it."""
    given = changes.get("externalId")
    if given is not None and given != external_id:
        raise NsError.one(
            400,
            "INVALID_CONTENT",
            "The externalId in the body does not match the external ID in the URL.",
            "externalId",
        )
    with store.lock:
        existing = store.locate(rtype, f"eid:{external_id}")
        if existing is not None:
            return update(store, rtype, existing, changes, replace), False
        return create(store, rtype, {**changes, "externalId": external_id}), True


# -- numbering -----------------------------------------------------------------------------------
def _number_on_create(store: Store, rtype: RecordType, record: Record) -> bool:
    """Apply auto-numbering; True when a generated number must be assigned after validation.

    Enabled without override: a supplied number is silently replaced (the real behaviour).
    Enabled with override: a supplied number is kept, a missing one generated. Disabled:
    customers need ``entityId`` unless ``autoName`` is true, when the name becomes the id.
    """
    field = rtype.number_field
    if field is None:
        return False
    config = store.autonumber.get(rtype.name)
    if config is not None and config.enabled:
        if config.allow_override and record.get(field):
            return False
        record.pop(field, None)
        return True
    if rtype.name == "customer" and not record.get(field) and record.get("autoName"):
        name = record.get("companyName") or " ".join(
            p for p in (record.get("firstName"), record.get("lastName")) if p
        )
        if name:
            record[field] = name
    return False


def _next_free_number(store: Store, rtype: RecordType) -> str:
    config = store.autonumber[rtype.name]
    field = rtype.number_field or ""
    number = config.take()
    while store.in_use(rtype.name, field, number):
        number = config.take()
    return number


def _check_number_change(store: Store, rtype: RecordType, current: Record, changes: Record) -> None:
    field = rtype.number_field
    config = store.autonumber.get(rtype.name)
    if field is None or field not in changes or config is None or not config.enabled:
        return
    if not config.allow_update and changes[field] != current.get(field):
        raise NsError(400, [read_only_detail(field)])


# -- whole-record rules ----------------------------------------------------------------------------
def _complete(
    store: Store, rtype: RecordType, record: Record, record_id: str | None, *, numbered: bool
) -> dict[str, Any] | None:
    """Default, compute and check a merged record; raise with every problem found."""
    problems: list[Detail] = []
    targets = None
    if rtype.family == "transaction":
        _transaction_defaults(store, rtype, record)
        problems += price_lines(store, record) if "item" in rtype.fields else []
    problems += _required(rtype, record, numbered)
    problems += _unique(store, rtype, record, record_id)
    if rtype.family == "transaction" and "apply" in rtype.fields:
        found, targets = check_applications(store, rtype.name, record, record_id)
        problems += found
    if rtype.family == "transaction" and not problems:
        problems += check_totals(store, rtype.name, record)
    if problems:
        raise NsError(400, problems)
    return targets


def _transaction_defaults(store: Store, rtype: RecordType, record: Record) -> None:
    record.setdefault("tranDate", store.clock().date().isoformat())
    owner = record.get("entity") or record.get("customer")
    customer = store.records["customer"].get(owner["id"]) if owner else None
    for name in ("currency", "subsidiary"):
        if customer and customer.get(name) and not record.get(name):
            record[name] = dict(customer[name])


def _required(rtype: RecordType, record: Record, numbered: bool) -> list[Detail]:
    missing = [name for name in rtype.required if not _present(record.get(name))]
    if rtype.name == "customer":
        if record.get("isPerson"):
            missing += [n for n in ("firstName", "lastName") if not record.get(n)]
        elif not record.get("companyName"):
            missing.append("companyName")
        if not numbered and not record.get("entityId"):
            missing.append("entityId")
    return [required(name, rtype.fields[name].label) for name in missing]


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _unique(store: Store, rtype: RecordType, record: Record, record_id: str | None) -> list[Detail]:
    checks: list[tuple[str, tuple[str, ...], str, str]] = [
        ("externalId", (rtype.name,), "DUP_RCRD", "A record with this external ID already exists.")
    ]
    if rtype.name == "customer":
        checks.append(
            ("entityId", ("customer",), "DUP_ENTITY", "This entity ID is already in use.")
        )
    if rtype.family == "item":
        checks.append(
            (
                "itemId",
                ("serviceSaleItem", "nonInventorySaleItem"),
                "DUP_ITEM",
                "The item name you have chosen is already taken.",
            )
        )
    problems = []
    for name, types, code, detail in checks:
        value = record.get(name)
        if value and any(other["id"] != record_id for other in store.holding(types, name, value)):
            problems.append(Detail(detail, code, name))
    return problems


def _merge_lines(name: str, current: list[Record], sent: list[Record]) -> list[Record]:
    """Merge sent lines into current ones: same key (``line`` or ``doc``) updates, else appends."""
    merged = [dict(line) for line in current]
    for line in sent:
        key = _line_key(name, line)
        match = next((m for m in merged if key is not None and _line_key(name, m) == key), None)
        if match is None:
            merged.append(line)
            continue
        if "item" in line and "rate" not in line:
            match.pop("rate", None)  # a new item brings its own price
        if "amount" not in line and {"item", "quantity", "rate"} & line.keys():
            match.pop("amount", None)  # recomputed from quantity and rate, as NetSuite does
        match.update(line)
    return merged


def _line_key(name: str, line: Record) -> Any:
    if name == "apply" and line.get("doc"):
        return line["doc"]["id"]
    return line.get("line")


def _ordered(rtype: RecordType, record: Record) -> Record:
    """Store fields in the schema's order, so records read back in a stable, familiar order."""
    order = list(rtype.fields)
    return dict(
        sorted(record.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    )
