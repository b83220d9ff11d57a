"""Amounts that Zuora derives rather than accepts: balances, applied and unapplied amounts.

Derived values are recomputed from the records they come from instead of being adjusted in place,
so seed data, writes and replays can never drift apart. A record whose derived values change gets a
new ``updatedDate`` (Zuora stamps an invoice when a payment changes its balance); loading seed data
computes them without stamping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .store import Record, ZuoraStore

ZERO = Decimal(0)


def _total(records: Iterable[Record], key: str) -> Decimal:
    return sum((Decimal(r.get(key) or 0) for r in records), ZERO)


def has_posted_invoices(store: ZuoraStore, account_id: str) -> bool:
    return any(
        i.get("status") == "Posted" for i in store.where("invoices", "accountId", account_id)
    )


def unapplied_totals(store: ZuoraStore, account_id: str) -> tuple[Decimal, Decimal]:
    payments = store.where("payments", "accountId", account_id)
    memos = [
        m
        for m in store.where("credit_memos", "accountId", account_id)
        if m.get("status") == "Posted"
    ]
    return _total(payments, "unappliedAmount"), _total(memos, "unappliedAmount")


def _set(store: ZuoraStore, record: Record, values: dict[str, Any], stamp: bool) -> None:
    if any(record.get(k) != v for k, v in values.items()):
        record.update(values)
        if stamp:
            store.touch(record)


def _invoice_values(invoice: Record, items: list[Record], apps: list[Record]) -> dict[str, Any]:
    amount = _total(items, "chargeAmount") + _total(items, "taxAmount")
    paid = _total(apps, "applyAmount")
    credited = Decimal(invoice.get("creditMemoAmount") or 0)
    return {
        "amount": amount,
        "amountWithoutTax": _total(items, "chargeAmount"),
        "taxAmount": _total(items, "taxAmount"),
        "paymentAmount": paid,
        "creditMemoAmount": credited,
        "balance": amount - paid - credited,
    }


def _payment_values(payment: Record, apps: list[Record], refunds: list[Record]) -> dict[str, Any]:
    applied = _total(apps, "applyAmount")
    refunded = _total(refunds, "amount")
    return {
        "appliedAmount": applied,
        "refundAmount": refunded,
        "unappliedAmount": Decimal(payment["amount"]) - applied - refunded,
    }


def _memo_values(memo: Record, items: list[Record]) -> dict[str, Any]:
    amount = _total(items, "amount")
    applied = Decimal(memo.get("appliedAmount") or 0)
    refunded = Decimal(memo.get("refundAmount") or 0)
    return {
        "amount": amount,
        "appliedAmount": applied,
        "refundAmount": refunded,
        "unappliedAmount": amount - applied - refunded,
        "balance": amount - applied - refunded,
    }


def _account_values(invoices: list[Record]) -> dict[str, Any]:
    posted = [i for i in invoices if i.get("status") == "Posted"]
    balance = _total(posted, "balance")
    dates = [str(i["invoiceDate"]) for i in posted if i.get("invoiceDate")]
    return {
        "balance": balance,
        "totalInvoiceBalance": balance,
        "lastInvoiceDate": max(dates) if dates else None,
    }


def refresh(
    store: ZuoraStore,
    *,
    accounts: Iterable[str] = (),
    invoices: Iterable[str] = (),
    payments: Iterable[str] = (),
    memos: Iterable[str] = (),
) -> None:
    """Recompute derived values of the named records (children first, then accounts)."""
    for inv_id in invoices:
        inv = store.table("invoices")[inv_id]
        items = store.where("invoice_items", "invoiceId", inv_id)
        apps = store.where("payment_applications", "invoiceId", inv_id)
        _set(store, inv, _invoice_values(inv, items, apps), True)
    for pay_id in payments:
        pay = store.table("payments")[pay_id]
        apps = store.where("payment_applications", "paymentId", pay_id)
        _set(
            store,
            pay,
            _payment_values(pay, apps, store.where("refunds", "paymentId", pay_id)),
            True,
        )
    for memo_id in memos:
        memo = store.table("credit_memos")[memo_id]
        items = store.where("credit_memo_items", "creditMemoId", memo_id)
        _set(store, memo, _memo_values(memo, items), True)
    for acc_id in accounts:
        account = store.table("accounts").get(acc_id)
        if account is not None:
            _set(
                store, account, _account_values(store.where("invoices", "accountId", acc_id)), True
            )


def refresh_all(store: ZuoraStore) -> None:
    """Derive every amount after loading seed data, in one pass and without stamping."""
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for name, link in (
        ("invoice_items", "invoiceId"),
        ("payment_applications", "invoiceId"),
        ("payment_applications", "paymentId"),
        ("refunds", "paymentId"),
        ("credit_memo_items", "creditMemoId"),
        ("invoices", "accountId"),
    ):
        for record in store.table(name).values():
            groups[(f"{name}.{link}", str(record.get(link)))].append(record)
    for inv_id, inv in store.table("invoices").items():
        values = _invoice_values(
            inv,
            groups[("invoice_items.invoiceId", inv_id)],
            groups[("payment_applications.invoiceId", inv_id)],
        )
        _set(store, inv, values, False)
    for pay_id, pay in store.table("payments").items():
        values = _payment_values(
            pay,
            groups[("payment_applications.paymentId", pay_id)],
            groups[("refunds.paymentId", pay_id)],
        )
        _set(store, pay, values, False)
    for memo_id, memo in store.table("credit_memos").items():
        _set(
            store,
            memo,
            _memo_values(memo, groups[("credit_memo_items.creditMemoId", memo_id)]),
            False,
        )
    for acc_id, account in store.table("accounts").items():
        _set(store, account, _account_values(groups[("invoices.accountId", acc_id)]), False)
        account.setdefault("creditBalance", ZERO)
