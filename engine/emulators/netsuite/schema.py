"""The record types the emulator knows, field by field (names from the 2026.1 REST API Browser).

Why a table: validation, rendering and SuiteQL all need the same facts about a field - its kind,
what a reference points at, whether the server computes it - so they are written once here and
read everywhere else. Fields not listed are unknown, as they would be in an account without
them; custom fields are listed explicitly (the Zuora connector bundle's ids) and a seed folder
may add more (``custom_fields.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Kind(StrEnum):
    """How a field's value is written, stored and shown."""

    STR = "str"
    BOOL = "bool"
    MONEY = "money"  # Decimal, exact; quantised to cents where the server computes it
    NUMBER = "number"  # Decimal (quantity)
    DATE = "date"  # "YYYY-MM-DD"
    DATETIME = "datetime"  # server-set, ISO-8601 UTC
    REF = "ref"  # {"id"} or {"externalId"} -> stored {"id"}
    MULTI = "multi"  # collection of references: {"items": [{"id"}]}
    SUBLIST = "sublist"  # {"items": [line, ...]}
    SUBRECORD = "subrecord"  # an object of plain string fields (address)


@dataclass(frozen=True)
class Field:
    """One field: ``target`` names the referenced record types or list, or the line schema."""

    name: str
    kind: Kind
    target: tuple[str, ...] = ()
    read_only: bool = False
    label: str = ""


Fields = dict[str, Field]


def _parse(spec: dict[str, str]) -> Fields:
    """Build fields from ``{"name": "kind[:target|target][!ro]"}``, e.g. ``"ref:customer"``."""
    out: Fields = {}
    for name, text in spec.items():
        read_only = text.endswith("!ro")
        kind_text, _, target = text.removesuffix("!ro").partition(":")
        label = "".join(" " + c if c.isupper() else c for c in name).strip().title()
        out[name] = Field(
            name, Kind(kind_text), tuple(t for t in target.split("|") if t), read_only, label
        )
    return out


LISTS = ("subsidiary", "currency", "term", "account", "paymentMethod")
"""Reference targets that are plain lists (id -> name), configurable through ``lists.json``."""

DEFAULT_LISTS: dict[str, dict[str, str]] = {
    "subsidiary": {"1": "Parent Company", "2": "Honeycomb Mfg. UK", "3": "Honeycomb Mfg. CA"},
    "currency": {"1": "USD", "2": "GBP", "3": "CAD", "4": "EUR"},
    "term": {"1": "Net 15", "2": "Net 30", "3": "Net 60", "4": "Due on receipt"},
    "account": {
        "1": "1000 Checking",
        "2": "1100 Undeposited Funds",
        "54": "4000 Sales",
        "55": "4010 Services Revenue",
    },
    "paymentMethod": {"1": "Cash", "2": "Check", "3": "CreditCard", "4": "ACH"},
}

ITEM_TYPES = ("serviceSaleItem", "nonInventorySaleItem")

_ADDRESS = _parse(
    {
        k: "str"
        for k in (
            "country",
            "attention",
            "addressee",
            "addr1",
            "addr2",
            "addr3",
            "city",
            "state",
            "zip",
            "addrPhone",
        )
    }
)

LINES: dict[str, Fields] = {
    "addressBook": _parse(
        {
            "internalId": "str!ro",
            "label": "str",
            "defaultBilling": "bool",
            "defaultShipping": "bool",
            "isResidential": "bool",
            "addressBookAddress": "subrecord",
        }
    ),
    "item": _parse(
        {
            "line": "number",
            "item": "ref:" + "|".join(ITEM_TYPES),
            "quantity": "number",
            "rate": "money",
            "amount": "money",
            "description": "str",
            "custcol_zuora_id": "str",
            "custcol_zuora_charge_date": "str",
            "custcol_zuora_service_start": "str",
            "custcol_zuora_service_end": "str",
            "custcol_zuora_subscription_number": "str",
        }
    ),
    "apply": _parse({"doc": "ref:invoice", "line": "number", "apply": "bool", "amount": "money"}),
    "refundApply": _parse(
        {
            "doc": "ref:customerPayment|creditMemo",
            "line": "number",
            "apply": "bool",
            "amount": "money",
        }
    ),
}
SUBRECORDS: dict[str, Fields] = {"addressBookAddress": _ADDRESS}

_COMMON_RO = {"id": "str!ro", "dateCreated": "datetime!ro", "lastModifiedDate": "datetime!ro"}

_ZUORA_STATUS = (
    "zuora_id",
    "zuora_integration_status",
    "zuora_origin",
    "zuora_sync_date",
    "zuora_created_date",
    "zuora_updated_date",
    "zuora_type",
)

_CUSTOMER = _parse(
    {
        **_COMMON_RO,
        "entityId": "str",
        "autoName": "bool",
        "companyName": "str",
        "isPerson": "bool",
        "firstName": "str",
        "lastName": "str",
        "email": "str",
        "phone": "str",
        "altEmail": "str",
        "comments": "str",
        "externalId": "str",
        "subsidiary": "ref:subsidiary",
        "currency": "ref:currency",
        "terms": "ref:term",
        "parent": "ref:customer",
        "isInactive": "bool",
        "creditLimit": "money",
        "balance": "money!ro",
        "addressBook": "sublist:addressBook",
        **{f"custentity_{n}": "str" for n in (*_ZUORA_STATUS, "zuora_customer_id")},
        "custentity_send_to_zuora": "bool",
    }
)

_ITEM = _parse(
    {
        **_COMMON_RO,
        "itemId": "str",
        "displayName": "str",
        "externalId": "str",
        "salesDescription": "str",
        "rate": "money",
        "incomeAccount": "ref:account",
        "isInactive": "bool",
        "subsidiary": "multi:subsidiary",
        "includeChildren": "bool",
        **{f"custitem_{n}": "str" for n in _ZUORA_STATUS},
    }
)

_TX_COMMON = {
    **_COMMON_RO,
    "tranId": "str",
    "tranDate": "date",
    "externalId": "str",
    "currency": "ref:currency",
    "subsidiary": "ref:subsidiary",
    "memo": "str",
    "total": "money!ro",
    "status": "str!ro",
    **{
        f"custbody_{n}": "str"
        for n in (
            *_ZUORA_STATUS,
            "zuora_reference_number",
            "zuora_related_transaction",
            "zuora_customer_id",
        )
    },
    "custbody_zuora_sync_updates": "bool",
}

_INVOICE = _parse(
    {
        **_TX_COMMON,
        "entity": "ref:customer",
        "dueDate": "date",
        "terms": "ref:term",
        "otherRefNum": "str",
        "item": "sublist:item",
        "subtotal": "money!ro",
        "amountRemaining": "money!ro",
        "amountPaid": "money!ro",
    }
)
_CREDIT_MEMO = _parse(
    {
        **_TX_COMMON,
        "entity": "ref:customer",
        "otherRefNum": "str",
        "item": "sublist:item",
        "apply": "sublist:apply",
        "subtotal": "money!ro",
        "applied": "money!ro",
        "unapplied": "money!ro",
        "amountRemaining": "money!ro",
    }
)
_PAYMENT = _parse(
    {
        **_TX_COMMON,
        "customer": "ref:customer",
        "payment": "money",
        "account": "ref:account",
        "paymentMethod": "ref:paymentMethod",
        "apply": "sublist:apply",
        "applied": "money!ro",
        "unapplied": "money!ro",
    }
)
_REFUND = _parse(
    {
        **_TX_COMMON,
        "customer": "ref:customer",
        "account": "ref:account",
        "paymentMethod": "ref:paymentMethod",
        "apply": "sublist:refundApply",
    }
)


@dataclass(frozen=True)
class RecordType:
    """A record type: its fields, id family, number field and SuiteQL identity."""

    name: str
    family: str  # "entity" | "item" | "transaction": internal ids are unique per family
    fields: Fields
    number_field: str | None = None  # entityId / tranId: subject to auto-numbering
    required: tuple[str, ...] = ()
    table: str = ""  # SuiteQL table
    type_code: str = ""  # SuiteQL transaction.type / item.itemtype
    label: str = ""  # refName prefix for transactions ("Invoice #INV0001")


RECORD_TYPES: dict[str, RecordType] = {
    "customer": RecordType(
        "customer", "entity", _CUSTOMER, "entityId", ("subsidiary",), "customer"
    ),
    "serviceSaleItem": RecordType(
        "serviceSaleItem", "item", _ITEM, None, ("itemId",), "item", "Service"
    ),
    "nonInventorySaleItem": RecordType(
        "nonInventorySaleItem", "item", _ITEM, None, ("itemId",), "item", "NonInvtPart"
    ),
    "invoice": RecordType(
        "invoice",
        "transaction",
        _INVOICE,
        "tranId",
        ("entity", "item"),
        "transaction",
        "CustInvc",
        "Invoice",
    ),
    "creditMemo": RecordType(
        "creditMemo",
        "transaction",
        _CREDIT_MEMO,
        "tranId",
        ("entity", "item"),
        "transaction",
        "CustCred",
        "Credit Memo",
    ),
    "customerPayment": RecordType(
        "customerPayment",
        "transaction",
        _PAYMENT,
        "tranId",
        ("customer", "payment"),
        "transaction",
        "CustPymt",
        "Payment",
    ),
    "customerRefund": RecordType(
        "customerRefund",
        "transaction",
        _REFUND,
        "tranId",
        ("customer", "apply"),
        "transaction",
        "CustRfnd",
        "Customer Refund",
    ),
}
"""Creation order too: seed files are loaded in this order so references resolve."""

_BY_LOWER = {name.lower(): name for name in RECORD_TYPES}


def canonical_type(name: str) -> str | None:
    """Map any spelling the docs use (``servicesaleitem``, ``noninventorySaleItem``) to ours."""
    return _BY_LOWER.get(name.lower())


def line_fields(rtype: RecordType, sublist: str) -> Fields:
    """The fields of one line of ``sublist`` on ``rtype``."""
    key = rtype.fields[sublist].target[0]
    return LINES[key]


def add_custom_fields(extra: dict[str, list[str]]) -> dict[str, RecordType]:
    """Return record types with extra free-form text custom fields (from ``custom_fields.json``).

    A new table is returned rather than the module one mutated, so two emulators in one process
    never see each other's configuration.
    """
    out: dict[str, RecordType] = {}
    for name, rtype in RECORD_TYPES.items():
        names = extra.get(name, [])
        if not names:
            out[name] = rtype
            continue
        fields = dict(rtype.fields)
        fields.update({n: Field(n, Kind.STR, label=n) for n in names})
        out[name] = replace(rtype, fields=fields)
    return out
