"""Payments, their applications to invoices, and refunds of payments.

External payments only: the emulator has no gateway, so ``type: Electronic`` is refused as a
business rule. A payment with no account and no invoices is an unassigned payment (Invoice
Settlement behaviour). Refunds follow ``POST /v1/payments/{key}/refunds`` and may take only the
payment's unapplied amount, so an applied payment must be unapplied first, as with Invoice
Settlement.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import checks, ledger
from .codes import Category, Resource, ZuoraFault
from .invoices import billed_account
from .store import Record, ZuoraStore, render
from .web import endpoint, read_json, reject_unknown

RP = Resource.PAYMENT
RR = Resource.REFUND
PAYMENT_FIELDS = frozenset(
    {
        "amount",
        "currency",
        "type",
        "accountId",
        "accountNumber",
        "effectiveDate",
        "invoices",
        "comment",
        "referenceId",
    }
)
REFUND_FIELDS = frozenset(
    {"totalAmount", "type", "refundDate", "methodType", "comment", "reasonCode", "referenceId"}
)
METHOD_TYPES = (
    "ACH",
    "Cash",
    "Check",
    "CreditCard",
    "PayPal",
    "WireTransfer",
    "DebitCard",
    "CreditCardReferenceTransaction",
    "BankTransfer",
    "Other",
)


def _applications(
    store: ZuoraStore, body: Record, account: Record | None, amount: Decimal
) -> list[tuple[Record, Decimal]]:
    raw = body.get("invoices") or []
    if not isinstance(raw, list) or len(raw) > 1000:
        raise ZuoraFault(RP, Category.INVALID_VALUE, "'invoices' must be a list of at most 1000.")
    if raw and account is None:
        raise ZuoraFault(RP, Category.MISSING_FIELD, "'accountId' is required to apply a payment.")
    out = [_application(store, entry, account) for entry in raw]
    if sum((applied for _, applied in out), ledger.ZERO) > amount:
        raise ZuoraFault(
            RP, Category.BUSINESS_RULE, "The applied amounts exceed the payment amount."
        )
    return out


def _application(store: ZuoraStore, entry: Any, account: Record | None) -> tuple[Record, Decimal]:
    if not isinstance(entry, dict):
        raise ZuoraFault(RP, Category.INVALID_VALUE, "Each invoice entry must be an object.")
    key = entry.get("invoiceId") or entry.get("invoiceNumber")
    invoice = store.lookup("invoices", str(key)) if key else None
    if invoice is None:
        raise ZuoraFault(RP, Category.INVALID_VALUE, f"The invoice {key} does not exist.")
    applied = checks.money(entry, "amount", RP, required=True, positive=True)
    assert applied is not None and account is not None
    if invoice["accountId"] != account["id"]:
        raise ZuoraFault(
            RP,
            Category.BUSINESS_RULE,
            f"The invoice {invoice['invoiceNumber']} belongs to another account.",
        )
    if invoice.get("status") != "Posted":
        raise ZuoraFault(
            RP, Category.BUSINESS_RULE, f"The invoice {invoice['invoiceNumber']} is not posted."
        )
    if applied > Decimal(invoice["balance"]):
        raise ZuoraFault(
            RP,
            Category.BUSINESS_RULE,
            f"The amount exceeds the balance of {invoice['invoiceNumber']}.",
        )
    return invoice, applied


def create_payment(store: ZuoraStore, body: Record) -> Record:
    reject_unknown(body, PAYMENT_FIELDS, RP)
    amount = checks.money(body, "amount", RP, required=True, positive=True)
    currency = checks.text(body, "currency", RP, required=True, min_len=3, max_len=3)
    kind = checks.choice(body, "type", RP, ("External", "Electronic"), required=True)
    assert amount is not None
    if kind == "Electronic":
        raise ZuoraFault(
            RP,
            Category.BUSINESS_RULE,
            "Electronic payments need a payment gateway; the emulator has none.",
        )
    has_account = bool(body.get("accountId") or body.get("accountNumber"))
    account = billed_account(store, body, RP) if has_account else None
    if account is not None and account["currency"] != currency:
        raise ZuoraFault(
            RP,
            Category.BUSINESS_RULE,
            f"The payment currency {currency} differs from the account's.",
        )
    applications = _applications(store, body, account, amount)
    effective = checks.day(body, "effectiveDate", RP) or store.today()
    payment = store.insert(
        "payments",
        {
            "accountId": None if account is None else account["id"],
            "amount": amount,
            "currency": currency,
            "type": kind,
            "status": "Processed",
            "effectiveDate": effective,
            "comment": checks.text(body, "comment", RP, max_len=255),
            "referenceId": checks.text(body, "referenceId", RP, max_len=100),
            "creditBalanceAmount": ledger.ZERO,
            "transferredToAccounting": "No",
            **store.catalog.custom_values("payment", body, RP),
        },
    )
    for invoice, applied in applications:
        store.insert(
            "payment_applications",
            {
                "paymentId": payment["id"],
                "invoiceId": invoice["id"],
                "applyAmount": applied,
                "effectiveDate": effective,
                "accountId": invoice["accountId"],
            },
        )
    ledger.refresh(
        store,
        invoices=[i["id"] for i, _ in applications],
        payments=[payment["id"]],
        accounts=[] if account is None else [account["id"]],
    )
    return payment


def payment_shape(store: ZuoraStore, payment: Record) -> Record:
    """``PaymentResponse``: ``number`` where Object Query says ``paymentNumber``."""
    data = render(payment)
    data["number"] = data.pop("paymentNumber")
    account = store.table("accounts").get(payment.get("accountId") or "")
    data["accountNumber"] = None if account is None else account["accountNumber"]
    return {**data, "success": True}


# -- refunds --------------------------------------------------------------------------------------


def create_refund(store: ZuoraStore, payment: Record, body: Record) -> Record:
    reject_unknown(body, REFUND_FIELDS, RR)
    amount = checks.money(body, "totalAmount", RR, required=True, positive=True)
    kind = checks.choice(body, "type", RR, ("External", "Electronic"), required=True)
    assert amount is not None
    if kind == "Electronic":
        raise ZuoraFault(
            RR,
            Category.BUSINESS_RULE,
            "Electronic refunds need a payment gateway; the emulator has none.",
        )
    method = checks.choice(body, "methodType", RR, METHOD_TYPES, required=True)
    if amount > Decimal(payment["unappliedAmount"]):
        raise ZuoraFault(
            RR,
            Category.BUSINESS_RULE,
            "The refund amount exceeds the unapplied amount of the payment.",
        )
    store.check_contention(payment["id"], RR)
    refund = store.insert(
        "refunds",
        {
            "paymentId": payment["id"],
            "accountId": payment.get("accountId"),
            "amount": amount,
            "currency": payment["currency"],
            "type": kind,
            "methodType": method,
            "status": "Processed",
            "refundDate": checks.day(body, "refundDate", RR) or store.today(),
            "comment": checks.text(body, "comment", RR, max_len=255),
            "reasonCode": checks.text(body, "reasonCode", RR, max_len=255) or "Standard Refund",
            "referenceId": checks.text(body, "referenceId", RR, max_len=100),
            "transferredToAccounting": "No",
            **store.catalog.custom_values("refund", body, RR),
        },
    )
    ledger.refresh(store, payments=[payment["id"]])
    return refund


def refund_shape(refund: Record) -> Record:
    data = render(refund)
    data["number"] = data.pop("refundNumber")
    return {**data, "success": True}


# -- routes ---------------------------------------------------------------------------------------


@endpoint
async def _create_payment(request: Request, store: ZuoraStore) -> Record:
    return payment_shape(store, create_payment(store, await read_json(request, RP)))


@endpoint
async def _get_payment(request: Request, store: ZuoraStore) -> Record:
    return payment_shape(store, store.require("payments", request.path_params["key"], RP))


@endpoint
async def _create_refund(request: Request, store: ZuoraStore) -> Record:
    body = await read_json(request, RR)
    payment = store.require("payments", request.path_params["key"], RP)
    return refund_shape(create_refund(store, payment, body))


@endpoint
async def _get_refund(request: Request, store: ZuoraStore) -> Record:
    return refund_shape(store.require("refunds", request.path_params["key"], RR))


routes = [
    Route("/v1/payments", _create_payment, methods=["POST"]),
    Route("/v1/payments/{key}", _get_payment, methods=["GET"]),
    Route("/v1/payments/{key}/refunds", _create_refund, methods=["POST"]),
    Route("/v1/refunds/{key}", _get_refund, methods=["GET"]),
]
