"""Customer accounts and their bill-to / sold-to contacts (``/v1/accounts``).

Contacts are separate records, as in Zuora: changing an address updates the contact, not the
account, so the account's ``updatedDate`` does not move (the connector documents that such a change
is missed by the account sync). Posting an invoice locks the account number.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import checks
from .codes import Category, Resource, ZuoraFault
from .ledger import ZERO, has_posted_invoices, unapplied_totals
from .store import Record, ZuoraStore, render
from .web import custom_fields, endpoint, read_json, reject_unknown

R = Resource.ACCOUNT
CURRENCIES = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "CAD",
        "AUD",
        "JPY",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "NZD",
        "SGD",
        "HKD",
        "INR",
        "BRL",
        "MXN",
        "ZAR",
    }
)
PAYMENT_TERMS = ("Due Upon Receipt", "Net 30", "Net 60", "Net 90")
_COMMON = frozenset(
    {
        "name",
        "billToContact",
        "soldToContact",
        "billCycleDay",
        "paymentTerm",
        "autoPay",
        "crmId",
        "batch",
        "notes",
        "salesRep",
        "invoiceDeliveryPrefsEmail",
        "invoiceDeliveryPrefsPrint",
        "parentId",
        "accountNumber",
    }
)
CREATE_FIELDS = _COMMON | {"currency"}
# accountNumber is accepted on update as an emulator convenience (Zuora itself changes it through
# CRUD ``PUT /v1/object/account/{id}``, which the emulator also serves); the same lock applies.
UPDATE_FIELDS = _COMMON
CONTACT_FIELDS = frozenset(
    {
        "firstName",
        "lastName",
        "address1",
        "address2",
        "city",
        "state",
        "zipCode",
        "country",
        "county",
        "workEmail",
        "personalEmail",
        "workPhone",
        "mobilePhone",
        "homePhone",
        "fax",
        "nickname",
        "taxRegion",
    }
)
_DETAIL_BASIC = (
    "id",
    "accountNumber",
    "name",
    "crmId",
    "status",
    "batch",
    "notes",
    "salesRep",
    "parentId",
)
_DETAIL_BILLING = (
    "billCycleDay",
    "currency",
    "paymentTerm",
    "autoPay",
    "invoiceDeliveryPrefsEmail",
    "invoiceDeliveryPrefsPrint",
)


# -- contacts ---------------------------------------------------------------------------------


def _contact_values(body: Any, key: str, *, creating: bool) -> Record:
    """Validate a REST contact and return it in the Object Query shape (``postalCode``)."""
    if not isinstance(body, dict):
        raise ZuoraFault(Resource.CONTACT, Category.INVALID_VALUE, f"'{key}' must be an object.")
    reject_unknown(body, CONTACT_FIELDS, Resource.CONTACT)
    values: Record = {}
    for name in ("firstName", "lastName"):
        if creating or name in body:
            values[name] = checks.text(
                body, name, Resource.CONTACT, required=True, min_len=1, max_len=100
            )
    for name in CONTACT_FIELDS - {"firstName", "lastName"}:
        if name in body:
            limit = 40 if name in {"city", "workPhone", "mobilePhone", "homePhone", "fax"} else 255
            values[name] = checks.text(body, name, Resource.CONTACT, max_len=limit) or None
    if "zipCode" in values:
        values["postalCode"] = values.pop("zipCode")
    values.update(custom_fields(body))
    return values


def _new_contact(store: ZuoraStore, account_id: str, values: Record) -> str:
    record = store.insert("contacts", {"accountId": account_id, **values})
    return str(record["id"])


def rest_contact(contact: Record | None) -> Record | None:
    """A contact as ``GET /v1/accounts`` shows it (``zipCode``, no timestamps)."""
    if contact is None:
        return None
    out = {k: v for k, v in render(contact).items() if k not in {"createdDate", "updatedDate"}}
    if "postalCode" in out:
        out["zipCode"] = out.pop("postalCode")
    return out


# -- accounts ---------------------------------------------------------------------------------


def _account_values(store: ZuoraStore, body: Record, account: Record | None) -> Record:
    """Validate the account-level fields present in ``body``; ``account`` is None on create."""
    creating = account is None
    values: Record = {}
    if creating or "name" in body:
        values["name"] = checks.text(body, "name", R, required=True, min_len=1, max_len=255)
    if creating:
        currency = checks.text(body, "currency", R, required=True, min_len=3, max_len=3)
        if currency not in CURRENCIES:
            raise ZuoraFault(R, Category.INVALID_VALUE, f"Currency {currency} is not enabled.")
        values["currency"] = currency
    if creating or "billCycleDay" in body:
        # Required on create: the emulator never creates a subscription with the account.
        values["billCycleDay"] = checks.integer(body, "billCycleDay", R, 0, 31, required=True)
    if "paymentTerm" in body or creating:
        values["paymentTerm"] = (
            checks.choice(body, "paymentTerm", R, PAYMENT_TERMS) or "Due Upon Receipt"
        )
    _optional_texts(body, values)
    _flags(body, values, creating)
    if "parentId" in body:
        values["parentId"] = _parent(store, body.get("parentId"), account)
    if "accountNumber" in body:
        values["accountNumber"] = _account_number(store, body, account)
    values.update(store.catalog.custom_values("account", body, R))
    return values


def _optional_texts(body: Record, values: Record) -> None:
    limits = {"crmId": 100, "notes": 65535, "salesRep": 50, "batch": 20}
    for key, limit in limits.items():
        if key in body:
            values[key] = checks.text(body, key, R, max_len=limit) or None
    batch = values.get("batch")
    if batch is not None and not (
        batch.startswith("Batch") and batch[5:].isdigit() and 1 <= int(batch[5:]) <= 50
    ):
        raise ZuoraFault(R, Category.INVALID_VALUE, "Invalid value for 'batch': Batch1..Batch50.")


def _flags(body: Record, values: Record, creating: bool) -> None:
    for key in ("invoiceDeliveryPrefsEmail", "invoiceDeliveryPrefsPrint", "autoPay"):
        flag = checks.boolean(body, key, R)
        if flag is not None or creating:
            values[key] = bool(flag)
    if values.get("autoPay"):
        raise ZuoraFault(
            R, Category.BUSINESS_RULE, "autoPay requires a default payment method on the account."
        )


def _parent(store: ZuoraStore, parent_id: Any, account: Record | None) -> str | None:
    if parent_id in (None, ""):
        return None
    parent = store.lookup("accounts", str(parent_id))
    if parent is None:
        raise ZuoraFault(R, Category.INVALID_VALUE, f"Parent account {parent_id} does not exist.")
    if account is not None and parent["id"] == account["id"]:
        raise ZuoraFault(R, Category.BUSINESS_RULE, "An account cannot be its own parent.")
    return str(parent["id"])


def _account_number(store: ZuoraStore, body: Record, account: Record | None) -> str | None:
    number = checks.text(body, "accountNumber", R, max_len=50) or None
    if account is not None and number == account.get("accountNumber"):
        return number
    if account is not None and has_posted_invoices(store, account["id"]):
        raise ZuoraFault(
            R,
            Category.BUSINESS_RULE,
            f"The account number of {account['accountNumber']} cannot be changed because the "
            "account has posted invoices.",
        )
    if number is not None and store.find_by("accounts", "accountNumber", number) is not None:
        raise ZuoraFault(R, Category.BUSINESS_RULE, f"Account number {number} already exists.")
    if account is not None and number is None:
        raise ZuoraFault(R, Category.INVALID_VALUE, "The account number cannot be cleared.")
    return number


def create_account(store: ZuoraStore, body: Record) -> Record:
    reject_unknown(body, CREATE_FIELDS, R)
    if body.get("billToContact") is None:
        raise ZuoraFault(R, Category.MISSING_FIELD, "'billToContact' is required.")
    values = _account_values(store, body, None)
    bill_to = _contact_values(body["billToContact"], "billToContact", creating=True)
    sold_to = body.get("soldToContact")
    sold_values = (
        None if sold_to is None else _contact_values(sold_to, "soldToContact", creating=True)
    )
    account = store.insert(
        "accounts",
        {
            **values,
            "status": "Active",
            "balance": ZERO,
            "totalInvoiceBalance": ZERO,
            "creditBalance": ZERO,
            "lastInvoiceDate": None,
        },
    )
    account["billToId"] = _new_contact(store, account["id"], bill_to)
    account["soldToId"] = (
        account["billToId"]
        if sold_values is None
        else _new_contact(store, account["id"], sold_values)
    )
    return account


def update_account(store: ZuoraStore, account: Record, body: Record) -> None:
    """Apply a partial update; contacts change on their own records."""
    if "currency" in body:
        raise ZuoraFault(R, Category.BUSINESS_RULE, "The currency of an account cannot be changed.")
    reject_unknown(body, UPDATE_FIELDS, R)
    store.check_contention(account["id"], R)
    values = _account_values(store, body, account)
    contacts = [
        (key, link, _contact_values(body[key], key, creating=False))
        for key, link in (("billToContact", "billToId"), ("soldToContact", "soldToId"))
        if body.get(key) is not None
    ]
    if values:
        account.update(values)
        store.touch(account)
    for key, link, changes in contacts:
        _update_contact(store, account, key, link, changes)


def _update_contact(
    store: ZuoraStore, account: Record, key: str, link: str, changes: Record
) -> None:
    current = store.table("contacts").get(account.get(link) or "")
    shared = account.get("billToId") == account.get("soldToId")
    if current is None or (key == "soldToContact" and shared):
        base = (
            {}
            if current is None
            else {k: v for k, v in current.items() if k not in {"id", "createdDate", "updatedDate"}}
        )
        merged = {**base, **changes}
        if not merged.get("firstName") or not merged.get("lastName"):
            raise ZuoraFault(
                Resource.CONTACT,
                Category.MISSING_FIELD,
                f"'{key}.firstName' and '{key}.lastName' are required.",
            )
        account[link] = _new_contact(store, account["id"], merged)
        return
    current.update(changes)
    store.touch(current)


# -- response shapes ----------------------------------------------------------------------------


def detail(store: ZuoraStore, account: Record) -> Record:
    """``AccountDetailResponse``; ``lastInvoiceDate`` is not part of it (only the summary)."""
    data = render(account)
    basic = {k: data.get(k) for k in _DETAIL_BASIC}
    basic.update({k: v for k, v in data.items() if "__" in k})
    billing = {k: data.get(k) for k in _DETAIL_BILLING}
    billing["bcdSettingOption"] = "AutoSet" if account.get("billCycleDay") == 0 else "ManualSet"
    payments, memos = unapplied_totals(store, account["id"])
    metrics = {
        "balance": account.get("balance", 0),
        "totalInvoiceBalance": account.get("totalInvoiceBalance", 0),
        "creditBalance": account.get("creditBalance", 0),
        "unappliedPaymentAmount": payments,
        "unappliedCreditMemoAmount": memos,
        "contractedMrr": ZERO,
    }
    contacts = store.table("contacts")
    return {
        "basicInfo": basic,
        "billingAndPayment": billing,
        "metrics": metrics,
        "billToContact": rest_contact(contacts.get(account.get("billToId") or "")),
        "soldToContact": rest_contact(contacts.get(account.get("soldToId") or "")),
        "success": True,
    }


def summary(store: ZuoraStore, account: Record) -> Record:
    data = render(account)
    basic = {
        k: data.get(k)
        for k in (
            "id",
            "accountNumber",
            "name",
            "status",
            "balance",
            "currency",
            "billCycleDay",
            "lastInvoiceDate",
            "crmId",
        )
    }
    basic.update({k: v for k, v in data.items() if "__" in k})
    payments = sorted(
        store.where("payments", "accountId", account["id"]), key=lambda p: p["effectiveDate"]
    )
    if payments:
        basic["lastPaymentDate"] = payments[-1]["effectiveDate"]
        basic["lastPaymentAmount"] = payments[-1]["amount"]
    invoices = [
        {
            k: i.get(k)
            for k in (
                "id",
                "invoiceNumber",
                "invoiceDate",
                "dueDate",
                "amount",
                "balance",
                "status",
            )
        }
        for i in store.where("invoices", "accountId", account["id"])
    ]
    contacts = store.table("contacts")
    return {
        "basicInfo": basic,
        "billToContact": rest_contact(contacts.get(account.get("billToId") or "")),
        "soldToContact": rest_contact(contacts.get(account.get("soldToId") or "")),
        "invoices": invoices,
        "payments": [
            {
                "id": p["id"],
                "paymentNumber": p["paymentNumber"],
                "amount": p["amount"],
                "effectiveDate": p["effectiveDate"],
                "status": p["status"],
            }
            for p in payments
        ],
        "subscriptions": [],
        "usage": [],
        "success": True,
    }


# -- routes ---------------------------------------------------------------------------------------


@endpoint
async def _create(request: Request, store: ZuoraStore) -> Record:
    account = create_account(store, await read_json(request, R))
    return {
        "success": True,
        "accountId": account["id"],
        "accountNumber": account["accountNumber"],
        "billToContactId": account["billToId"],
        "soldToContactId": account["soldToId"],
    }


@endpoint
async def _get(request: Request, store: ZuoraStore) -> Record:
    return detail(store, store.require("accounts", request.path_params["key"], R))


@endpoint
async def _update(request: Request, store: ZuoraStore) -> Record:
    body = await read_json(request, R)
    update_account(store, store.require("accounts", request.path_params["key"], R), body)
    return {"success": True}


@endpoint
async def _summary(request: Request, store: ZuoraStore) -> Record:
    return summary(store, store.require("accounts", request.path_params["key"], R))


routes = [
    Route("/v1/accounts", _create, methods=["POST"]),
    Route("/v1/accounts/{key}", _get, methods=["GET"]),
    Route("/v1/accounts/{key}", _update, methods=["PUT"]),
    Route("/v1/accounts/{key}/summary", _summary, methods=["GET"]),
]
