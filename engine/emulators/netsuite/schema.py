"""The record types the emulator knows, field by field (names from the 2026.1 REST API Browser).

Why a table: validation, rendering and SuiteQL all need the same facts about a field - its kind,
what a reference points at, whether the server computes it - so they are written once here and
read everywhere else. The fields themselves come from the shipped NetSuite catalogs
(``schemas/catalogs/netsuite/*.json``): the metadata endpoint serves the same facts, so the
emulator and ``ferry validate`` cannot disagree. Fields not listed are unknown, as they would be
in an account without them; custom fields are listed explicitly (the Zuora connector bundle's
ids) and a seed folder may add more (``custom_fields.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from engine.check.catalog import CatalogField, shipped


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
    max_length: int | None = None
    enum: tuple[str, ...] = ()


Fields = dict[str, Field]


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

_KINDS = {
    ("string", None): Kind.STR,
    ("string", "date"): Kind.DATE,
    ("string", "date-time"): Kind.DATETIME,
    ("boolean", None): Kind.BOOL,
    ("number", "money"): Kind.MONEY,
    ("number", None): Kind.NUMBER,
    ("integer", None): Kind.NUMBER,
    ("reference", None): Kind.REF,
    ("collection", None): Kind.MULTI,
    ("sublist", None): Kind.SUBLIST,
    ("object", None): Kind.SUBRECORD,
}

LINES: dict[str, Fields] = {}
"""Line fields per sublist, keyed ``<record>.<sublist>`` (a sublist field's ``target``)."""
SUBRECORDS: dict[str, Fields] = {}
"""Fields of subrecords (``addressBookAddress``), keyed by the subrecord field's name."""


def _fields(record: str, fields: Mapping[str, CatalogField]) -> Fields:
    """The emulator's view of catalog fields: the catalog is the one source of field facts."""
    out: Fields = {}
    for name, spec in fields.items():
        kind = _KINDS[(spec.type, spec.format if spec.type in ("string", "number") else None)]
        target = spec.references
        if kind is Kind.SUBLIST:
            key = f"{record}.{name}"
            LINES[key] = _fields(record, spec.fields)
            target = (key,)
        elif kind is Kind.SUBRECORD:
            SUBRECORDS[name] = _fields(record, spec.fields)
        read_only = not spec.creatable and not spec.updatable
        out[name] = Field(
            name, kind, tuple(target), read_only, spec.label or name, spec.max_length, spec.enum
        )
    return out


_CATALOGS = {c.object: c for c in shipped().all(["netsuite"])}


def _record_fields(name: str) -> Fields:
    return _fields(name, _CATALOGS[name].fields)


def _required(name: str) -> tuple[str, ...]:
    return tuple(n for n, f in _CATALOGS[name].fields.items() if f.required)


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
        "customer",
        "entity",
        _record_fields("customer"),
        "entityId",
        _required("customer"),
        "customer",
    ),
    "serviceSaleItem": RecordType(
        "serviceSaleItem",
        "item",
        _record_fields("serviceSaleItem"),
        None,
        _required("serviceSaleItem"),
        "item",
        "Service",
    ),
    "nonInventorySaleItem": RecordType(
        "nonInventorySaleItem",
        "item",
        _record_fields("nonInventorySaleItem"),
        None,
        _required("nonInventorySaleItem"),
        "item",
        "NonInvtPart",
    ),
    "invoice": RecordType(
        "invoice",
        "transaction",
        _record_fields("invoice"),
        "tranId",
        _required("invoice"),
        "transaction",
        "CustInvc",
        "Invoice",
    ),
    "creditMemo": RecordType(
        "creditMemo",
        "transaction",
        _record_fields("creditMemo"),
        "tranId",
        _required("creditMemo"),
        "transaction",
        "CustCred",
        "Credit Memo",
    ),
    "customerPayment": RecordType(
        "customerPayment",
        "transaction",
        _record_fields("customerPayment"),
        "tranId",
        _required("customerPayment"),
        "transaction",
        "CustPymt",
        "Payment",
    ),
    "customerRefund": RecordType(
        "customerRefund",
        "transaction",
        _record_fields("customerRefund"),
        "tranId",
        _required("customerRefund"),
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
