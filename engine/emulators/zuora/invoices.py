"""Invoices and credit memos: itemised documents billed against catalog charges.

A standalone invoice (``POST /v1/invoices``) starts as Draft; posting it (``PUT .../post``) sets the
account's ``lastInvoiceDate`` and balance and, from then on, locks the account number. Negative
invoices are allowed (the connector turns them into NetSuite credit memos).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import checks, ledger
from .codes import Category, Resource, ZuoraFault
from .store import Record, ZuoraStore, render
from .web import custom_fields, endpoint, read_json, reject_unknown

RI = Resource.INVOICE
RC = Resource.CREDIT_MEMO
INVOICE_FIELDS = frozenset(
    {
        "accountId",
        "accountNumber",
        "invoiceDate",
        "dueDate",
        "invoiceNumber",
        "comments",
        "invoiceItems",
        "status",
    }
)
ITEM_FIELDS = frozenset(
    {
        "amount",
        "productRatePlanChargeId",
        "serviceStartDate",
        "serviceEndDate",
        "quantity",
        "unitPrice",
        "description",
        "uom",
        "chargeName",
        "sku",
        "taxAmount",
    }
)
MEMO_FIELDS = frozenset(
    {"accountId", "accountNumber", "effectiveDate", "charges", "reasonCode", "comment", "autoPost"}
)
MEMO_CHARGE_FIELDS = frozenset(
    {
        "chargeId",
        "amount",
        "comment",
        "description",
        "serviceStartDate",
        "serviceEndDate",
        "quantity",
    }
)
_TERM_DAYS = {"Due Upon Receipt": 0, "Net 30": 30, "Net 60": 60, "Net 90": 90}


def billed_account(store: ZuoraStore, body: Record, resource: Resource) -> Record:
    """The account named by ``accountId`` or ``accountNumber``; it must be Active."""
    key = body.get("accountId") or body.get("accountNumber")
    if not key:
        raise ZuoraFault(
            resource, Category.MISSING_FIELD, "'accountId' or 'accountNumber' is required."
        )
    account = store.lookup("accounts", str(key))
    if account is None:
        raise ZuoraFault(resource, Category.INVALID_VALUE, f"The account {key} does not exist.")
    if account.get("status") != "Active":
        raise ZuoraFault(resource, Category.BUSINESS_RULE, f"The account {key} is not active.")
    return account


def _charge(store: ZuoraStore, charge_id: Any, resource: Resource) -> Record:
    charge = store.table("product_rate_plan_charges").get(str(charge_id))
    if charge is None:
        raise ZuoraFault(
            resource,
            Category.INVALID_VALUE,
            f"The product rate plan charge {charge_id} does not exist.",
        )
    return charge


def _charge_links(store: ZuoraStore, charge: Record) -> Record:
    plan = store.table("product_rate_plans").get(charge.get("productRatePlanId") or "", {})
    product = store.table("products").get(plan.get("productId") or "", {})
    return {
        "productRatePlanChargeId": charge["id"],
        "productRatePlanId": plan.get("id"),
        "productId": product.get("id"),
        "chargeName": charge.get("name"),
        "productName": product.get("name"),
        "sku": product.get("sku"),
        "accountingCode": charge.get("accountingCode"),
    }


def _item(store: ZuoraStore, raw: Any, invoice_date: str) -> Record:
    if not isinstance(raw, dict):
        raise ZuoraFault(RI, Category.INVALID_VALUE, "Each invoice item must be an object.")
    reject_unknown(raw, ITEM_FIELDS, RI)
    charge = _charge(store, checks.text(raw, "productRatePlanChargeId", RI, required=True), RI)
    item = _charge_links(store, charge)
    item.update(
        {
            "chargeAmount": checks.money(raw, "amount", RI, required=True),
            "taxAmount": checks.money(raw, "taxAmount", RI) or ledger.ZERO,
            "serviceStartDate": checks.day(raw, "serviceStartDate", RI, required=True),
            "serviceEndDate": checks.day(raw, "serviceEndDate", RI),
            "quantity": checks.money(raw, "quantity", RI) or 1,
            "unitPrice": checks.money(raw, "unitPrice", RI),
            "description": checks.text(raw, "description", RI, max_len=500),
            "uom": checks.text(raw, "uom", RI, max_len=25),
            "chargeDate": invoice_date,
        }
    )
    if raw.get("chargeName"):
        item["chargeName"] = checks.text(raw, "chargeName", RI, max_len=100)
    if item["unitPrice"] is None:
        item["unitPrice"] = item["chargeAmount"]
    item.update(custom_fields(raw))
    return item


def create_invoice(store: ZuoraStore, body: Record) -> Record:
    reject_unknown(body, INVOICE_FIELDS, RI)
    account = billed_account(store, body, RI)
    invoice_date = checks.day(body, "invoiceDate", RI, required=True)
    assert invoice_date is not None
    raw_items = body.get("invoiceItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise ZuoraFault(RI, Category.MISSING_FIELD, "'invoiceItems' is required.")
    items = [_item(store, raw, invoice_date) for raw in raw_items]
    status = checks.choice(body, "status", RI, ("Draft", "Posted")) or "Draft"
    number = checks.text(body, "invoiceNumber", RI, max_len=255)
    if number and store.find_by("invoices", "invoiceNumber", number):
        raise ZuoraFault(RI, Category.BUSINESS_RULE, f"Invoice number {number} already exists.")
    due = checks.day(body, "dueDate", RI) or _due(invoice_date, account.get("paymentTerm"))
    invoice = store.insert(
        "invoices",
        {
            "invoiceNumber": number,
            "accountId": account["id"],
            "invoiceDate": invoice_date,
            "dueDate": due,
            "status": "Draft",
            "currency": account["currency"],
            "postedDate": None,
            "comments": checks.text(body, "comments", RI, max_len=255),
            "creditMemoAmount": ledger.ZERO,
            "transferredToAccounting": "No",
            **store.catalog.custom_values("invoice", body, RI),
        },
    )
    for item in items:
        store.insert(
            "invoice_items", {"invoiceId": invoice["id"], "accountId": account["id"], **item}
        )
    ledger.refresh(store, invoices=[invoice["id"]])
    if status == "Posted":
        post_invoice(store, invoice)
    return invoice


def _due(invoice_date: str, term: Any) -> str:
    days = _TERM_DAYS.get(str(term), 0)
    return (date.fromisoformat(invoice_date) + timedelta(days=days)).isoformat()


def post_invoice(store: ZuoraStore, invoice: Record) -> None:
    if invoice.get("status") != "Draft":
        raise ZuoraFault(
            RI,
            Category.BUSINESS_RULE,
            f"Only draft invoices can be posted; {invoice['invoiceNumber']} is "
            f"{invoice.get('status')}.",
        )
    store.check_contention(invoice["id"], RI)
    invoice["status"] = "Posted"
    invoice["postedDate"] = store.today()
    store.touch(invoice)
    ledger.refresh(store, accounts=[invoice["accountId"]])


def invoice_shape(invoice: Record) -> Record:
    """``InvoiceResponse``: flat, with the account's id; no items (see ``/items``)."""
    return {**render(invoice), "success": True}


def item_shape(item: Record) -> Record:
    data = render(item)
    return {k: v for k, v in data.items() if k not in {"invoiceId", "accountId"}}


# -- credit memos -------------------------------------------------------------------------------


def _memo_item(store: ZuoraStore, raw: Any) -> Record:
    if not isinstance(raw, dict):
        raise ZuoraFault(RC, Category.INVALID_VALUE, "Each charge must be an object.")
    reject_unknown(raw, MEMO_CHARGE_FIELDS, RC)
    charge = _charge(store, checks.text(raw, "chargeId", RC, required=True), RC)
    item = _charge_links(store, charge)
    item.update(
        {
            "amount": checks.money(raw, "amount", RC, required=True, positive=True),
            "serviceStartDate": checks.day(raw, "serviceStartDate", RC),
            "serviceEndDate": checks.day(raw, "serviceEndDate", RC),
            "quantity": checks.money(raw, "quantity", RC) or 1,
            "description": checks.text(raw, "description", RC, max_len=500),
            "comment": checks.text(raw, "comment", RC, max_len=255),
        }
    )
    return item


def create_memo(store: ZuoraStore, body: Record) -> Record:
    reject_unknown(body, MEMO_FIELDS, RC)
    account = billed_account(store, body, RC)
    charges = body.get("charges")
    if not isinstance(charges, list) or not charges:
        raise ZuoraFault(RC, Category.MISSING_FIELD, "'charges' is required.")
    items = [_memo_item(store, raw) for raw in charges]
    auto_post = checks.boolean(body, "autoPost", RC)
    memo = store.insert(
        "credit_memos",
        {
            "accountId": account["id"],
            "currency": account["currency"],
            "memoDate": checks.day(body, "effectiveDate", RC) or store.today(),
            "status": "Draft",
            "reasonCode": checks.text(body, "reasonCode", RC, max_len=255) or "Standard Adjustment",
            "comment": checks.text(body, "comment", RC, max_len=255),
            "appliedAmount": ledger.ZERO,
            "refundAmount": ledger.ZERO,
            "postedOn": None,
            "transferredToAccounting": "No",
            **store.catalog.custom_values("credit_memo", body, RC),
        },
    )
    for item in items:
        store.insert("credit_memo_items", {"creditMemoId": memo["id"], **item})
    ledger.refresh(store, memos=[memo["id"]])
    if auto_post:
        post_memo(store, memo)
    return memo


def post_memo(store: ZuoraStore, memo: Record) -> None:
    if memo.get("status") != "Draft":
        raise ZuoraFault(RC, Category.BUSINESS_RULE, "Only draft credit memos can be posted.")
    memo["status"] = "Posted"
    memo["postedOn"] = store.today()
    store.touch(memo)
    ledger.refresh(store, accounts=[memo["accountId"]])


def memo_shape(memo: Record) -> Record:
    """The REST credit memo: ``number`` and ``creditMemoDate`` where Object Query says
    ``memoNumber`` and ``memoDate``."""
    data = render(memo)
    data["number"] = data.pop("memoNumber")
    data["creditMemoDate"] = data.pop("memoDate")
    return {**data, "success": True}


# -- routes ---------------------------------------------------------------------------------------


@endpoint
async def _create_invoice(request: Request, store: ZuoraStore) -> Record:
    return invoice_shape(create_invoice(store, await read_json(request, RI)))


@endpoint
async def _get_invoice(request: Request, store: ZuoraStore) -> Record:
    return invoice_shape(store.require("invoices", request.path_params["key"], RI))


@endpoint
async def _invoice_items(request: Request, store: ZuoraStore) -> Record:
    invoice = store.require("invoices", request.path_params["key"], RI)
    items = store.where("invoice_items", "invoiceId", invoice["id"])
    return {"invoiceItems": [item_shape(i) for i in items], "success": True}


@endpoint
async def _post_invoice(request: Request, store: ZuoraStore) -> Record:
    invoice = store.require("invoices", request.path_params["key"], RI)
    post_invoice(store, invoice)
    return invoice_shape(invoice)


@endpoint
async def _create_memo(request: Request, store: ZuoraStore) -> Record:
    return memo_shape(create_memo(store, await read_json(request, RC)))


@endpoint
async def _get_memo(request: Request, store: ZuoraStore) -> Record:
    return memo_shape(store.require("credit_memos", request.path_params["key"], RC))


@endpoint
async def _post_memo(request: Request, store: ZuoraStore) -> Record:
    memo = store.require("credit_memos", request.path_params["key"], RC)
    post_memo(store, memo)
    return memo_shape(memo)


routes = [
    Route("/v1/invoices", _create_invoice, methods=["POST"]),
    Route("/v1/invoices/{key}", _get_invoice, methods=["GET"]),
    Route("/v1/invoices/{key}/items", _invoice_items, methods=["GET"]),
    Route("/v1/invoices/{key}/post", _post_invoice, methods=["PUT"]),
]
# Zuora documents both spellings: ``/v1/creditmemos`` (older) and ``/v1/credit-memos``.
for _base in ("/v1/credit-memos", "/v1/creditmemos"):
    routes += [
        Route(_base, _create_memo, methods=["POST"]),
        Route(_base + "/{key}", _get_memo, methods=["GET"]),
        Route(_base + "/{key}/post", _post_memo, methods=["PUT"]),
    ]
