"""Money on transactions: line amounts, totals, and what is applied to what.

Why exact: the sync engine's tests compare amounts across systems, so every amount is a
``Decimal`` rounded to cents with ROUND_HALF_UP (NetSuite rounds line amounts to the currency's
precision) and nothing passes through a float. Totals are computed from the record's own lines;
what remains due on a document depends on other records (payments, credit memos, refunds), so it
is computed from the store's application ledger whenever a record is shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.emulators.netsuite.nserror import Detail
from engine.emulators.netsuite.store import Record, Store

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

APPLY_TARGETS = {
    "customerPayment": ("invoice",),
    "creditMemo": ("invoice",),
    "customerRefund": ("customerPayment", "creditMemo"),
}
"""Which document types each transaction type applies to (its ``apply`` sublist's ``doc``)."""


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def own_applied(record: Record) -> Decimal:
    """The sum of this record's applied lines."""
    lines = record.get("apply") or []
    return sum(
        (
            cents(line["amount"])
            for line in lines
            if line.get("apply", True) and line.get("amount") is not None
        ),
        ZERO,
    )


def base_amount(type_name: str, record: Record) -> Decimal:
    """What a document is worth to whoever applies to it, before those applications."""
    if type_name == "invoice":
        return record.get("total", ZERO)  # type: ignore[no-any-return]
    if type_name == "customerPayment":
        return cents(record.get("payment") or ZERO) - own_applied(record)
    if type_name == "creditMemo":
        return record.get("total", ZERO) - own_applied(record)  # type: ignore[no-any-return]
    return ZERO


def due(store: Store, type_name: str, record: Record, *, excluding: str | None = None) -> Decimal:
    """What remains open on a document, ignoring the applications of ``excluding``."""
    return base_amount(type_name, record) - store.applied_to(record["id"], excluding=excluding)


def price_lines(store: Store, record: Record) -> list[Detail]:
    """Fill line numbers and amounts, set ``total``; return FIELD_PARAM_REQD problems."""
    problems: list[Detail] = []
    total = ZERO
    for index, line in enumerate(record.get("item") or []):
        line["line"] = index + 1
        path = f"item.items[{index}]"
        if not line.get("item"):
            problems.append(required(f"{path}.item", "Item"))
            continue
        amount = _line_amount(store, line)
        if amount is None:
            problems.append(required(f"{path}.amount", "Amount"))
            continue
        line["amount"] = amount
        total += amount
    record["total"] = total
    return problems


def _line_amount(store: Store, line: Record) -> Decimal | None:
    if line.get("amount") is not None:
        return cents(line["amount"])
    rate = line.get("rate")
    if rate is None:
        found = store.find_any(("serviceSaleItem", "nonInventorySaleItem"), line["item"]["id"])
        rate = found[1].get("rate") if found else None
        if rate is None:
            return None
        line["rate"] = rate
    quantity = line.get("quantity")
    return cents(rate * (quantity if quantity is not None else Decimal(1)))


def check_applications(
    store: Store, type_name: str, record: Record, source_id: str | None
) -> tuple[list[Detail], dict[str, Decimal]]:
    """Check each applied line against the document's open amount; return problems and targets.

    A line without ``amount`` applies everything still due, as ticking "Apply" does in the UI.
    """
    problems: list[Detail] = []
    targets: dict[str, Decimal] = {}
    owner = (record.get("entity") or record.get("customer") or {}).get("id")
    for index, line in enumerate(record.get("apply") or []):
        path = f"apply.items[{index}]"
        doc_id = line["doc"]["id"] if line.get("doc") else None
        if doc_id is None:
            problems.append(required(f"{path}.doc", "Doc"))
            continue
        found = store.find_any(APPLY_TARGETS[type_name], doc_id)
        if found is None or _owner(found[1]) != owner or doc_id in targets:
            problems.append(
                Detail(
                    f"You have entered an Invalid Field Value {doc_id} for the "
                    "following field: doc",
                    "INVALID_CONTENT",
                    f"{path}.doc",
                )
            )
            continue
        if not line.setdefault("apply", True):
            continue
        open_amount = due(store, found[0], found[1], excluding=source_id)
        amount = cents(line["amount"]) if line.get("amount") is not None else open_amount
        line["amount"] = amount
        if amount <= 0 or amount > open_amount:
            problems.append(
                user_error(
                    f"The amount applied to transaction {doc_id} ({amount}) "
                    f"must be positive and at most the amount due "
                    f"({open_amount}).",
                    f"{path}.amount",
                )
            )
        targets[doc_id] = amount
    return problems, targets


def check_totals(store: Store, type_name: str, record: Record) -> list[Detail]:
    """A payment or credit memo may not apply more than it is worth, and no change may leave a
    document with less than what others already apply to it. Sets a refund's ``total``."""
    if type_name == "customerRefund":
        record["total"] = own_applied(record)
        return []
    if type_name in ("customerPayment", "creditMemo") and base_amount(type_name, record) < 0:
        return [user_error("The total applied exceeds the amount of the transaction.", "apply")]
    if "id" in record and due(store, type_name, record) < 0:
        message = "This change would leave less than what is already applied to this transaction."
        return [user_error(message, None)]
    return []


def derived(store: Store, type_name: str, record: Record) -> dict[str, Any]:
    """Read-only amounts and status computed when a record is shown."""
    if type_name == "invoice":
        remaining = due(store, type_name, record)
        return {
            "subtotal": record.get("total", ZERO),
            "amountRemaining": remaining,
            "amountPaid": record.get("total", ZERO) - remaining,
            "status": "Paid In Full" if remaining == 0 else "Open",
        }
    if type_name == "creditMemo":
        unapplied = due(store, type_name, record)
        return {
            "subtotal": record.get("total", ZERO),
            "applied": own_applied(record),
            "unapplied": unapplied,
            "amountRemaining": unapplied,
            "status": "Fully Applied" if unapplied == 0 else "Open",
        }
    if type_name == "customerPayment":
        return {
            "total": cents(record.get("payment") or ZERO),
            "applied": own_applied(record),
            "unapplied": due(store, type_name, record),
            "status": "Not Deposited",
        }
    if type_name == "customer":
        return {"balance": customer_balance(store, record["id"])}
    return {}


def customer_balance(store: Store, customer_id: str) -> Decimal:
    """Open invoices less unapplied credits and payments (a linear scan: fine for an emulator)."""
    balance = ZERO
    for type_name, sign in (("invoice", 1), ("creditMemo", -1), ("customerPayment", -1)):
        for record in store.records[type_name].values():
            if _owner(record) == customer_id:
                balance += sign * due(store, type_name, record)
    return balance


def _owner(record: Record) -> str | None:
    ref = record.get("entity") or record.get("customer")
    return ref.get("id") if ref else None


def required(path: str, label: str) -> Detail:
    return Detail(f"Please enter value(s) for: {label}.", "FIELD_PARAM_REQD", path)


def user_error(detail: str, path: str | None) -> Detail:
    return Detail(detail, "USER_ERROR", path)
