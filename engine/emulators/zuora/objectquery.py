"""Object Query (``GET /object-query/{objects}[/{key}]``): the listing the sync engine reads.

Supports ``pageSize`` (1-50, default 10), opaque ``cursor``/``nextPage``, ``filter[]``
(``field.OP:value`` with EQ NE LT GT LE GE SW IN, AND-ed, case-insensitive names, ``null``),
one ``sort[]``, ``expand[]``, ``fields[]`` and ``includeNullFields``. The cursor is a keyset
position (the last row's sort value and id), not an offset, so rows that change while a client
pages (a sync writing back its tracking fields) are seen again at the end instead of shifting a
page and silently skipping other rows.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from engine import jsonio

from .codes import Category, Resource, ZuoraFault
from .store import DATETIME_KEYS, MONEY_KEYS, NUMBERING, Record, ZuoraStore, parse_datetime, render
from .web import endpoint

RQ = Resource.OBJECT_QUERY
MAX_PAGE = 50
Expander = Callable[[ZuoraStore, Record], Any]
_FILTER = re.compile(r"^([A-Za-z0-9_]+)\.(EQ|NE|LT|GT|LE|GE|SW|IN):(.*)$", re.IGNORECASE | re.S)
_INT_KEYS = frozenset({"billCycleDay"})


def _children(collection: str, link: str) -> Expander:
    return lambda store, rec: store.where(collection, link, rec["id"])


def _parent(collection: str, link: str) -> Expander:
    return lambda store, rec: store.table(collection).get(rec.get(link) or "")


@dataclass(frozen=True)
class QueryObject:
    """One queryable object: where it lives and which relations ``expand[]`` may add."""

    collection: str
    expansions: dict[str, tuple[str, Expander]] = field(default_factory=dict)
    fields: tuple[str, ...] = ()


_TRACKING = (
    "IntegrationId__NS",
    "IntegrationStatus__NS",
    "SyncDate__NS",
    "transferredToAccounting",
)


def _fields(names: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Fields a filter or sort may name even before any record has a value for them."""
    return (*names.split(), *extra)


OBJECTS: dict[str, QueryObject] = {
    "accounts": QueryObject(
        "accounts",
        {
            "billto": ("billTo", _parent("contacts", "billToId")),
            "soldto": ("soldTo", _parent("contacts", "soldToId")),
            "invoices": ("invoices", _children("invoices", "accountId")),
            "payments": ("payments", _children("payments", "accountId")),
        },
        _fields(
            "accountNumber name currency status billCycleDay paymentTerm crmId parentId batch"
            " balance lastInvoiceDate billToId soldToId SynctoNetSuite__NS CustomerType__NS",
            _TRACKING[:3],
        ),
    ),
    "contacts": QueryObject(
        "contacts",
        {"account": ("account", _parent("accounts", "accountId"))},
        _fields("accountId firstName lastName workEmail city state country postalCode"),
    ),
    "products": QueryObject(
        "products",
        {
            "productrateplans": ("productRatePlans", _children("product_rate_plans", "productId")),
        },
        _fields("name sku productNumber category", _TRACKING[:3]),
    ),
    "product-rate-plans": QueryObject(
        "product_rate_plans",
        {
            "productrateplancharges": (
                "productRatePlanCharges",
                _children("product_rate_plan_charges", "productRatePlanId"),
            ),
            "product": ("product", _parent("products", "productId")),
        },
        _fields("productId name status productRatePlanNumber", _TRACKING[:3]),
    ),
    "product-rate-plan-charges": QueryObject(
        "product_rate_plan_charges",
        {
            "productrateplanchargetiers": (
                "productRatePlanChargeTiers",
                lambda store, rec: rec.get("_tiers", []),
            ),
            "productrateplan": (
                "productRatePlan",
                _parent("product_rate_plans", "productRatePlanId"),
            ),
        },
        _fields(
            "productRatePlanId name chargeModel chargeType productRatePlanChargeNumber"
            " ItemType__NS",
            _TRACKING[:3],
        ),
    ),
    "invoices": QueryObject(
        "invoices",
        {
            "invoiceitems": ("invoiceItems", _children("invoice_items", "invoiceId")),
            "account": ("account", _parent("accounts", "accountId")),
        },
        _fields(
            "accountId invoiceNumber invoiceDate dueDate status amount balance currency postedDate",
            _TRACKING,
        ),
    ),
    "invoice-items": QueryObject(
        "invoice_items",
        {
            "invoice": ("invoice", _parent("invoices", "invoiceId")),
        },
        _fields("invoiceId productRatePlanChargeId chargeName chargeAmount"),
    ),
    "payments": QueryObject(
        "payments",
        {
            "paymentapplications": (
                "paymentApplications",
                _children("payment_applications", "paymentId"),
            ),
            "account": ("account", _parent("accounts", "accountId")),
        },
        _fields("accountId paymentNumber amount status effectiveDate type", _TRACKING),
    ),
    "credit-memos": QueryObject(
        "credit_memos",
        {
            "creditmemoitems": ("creditMemoItems", _children("credit_memo_items", "creditMemoId")),
            "account": ("account", _parent("accounts", "accountId")),
        },
        _fields("accountId memoNumber status amount memoDate", _TRACKING),
    ),
    "refunds": QueryObject(
        "refunds",
        {
            "payment": ("payment", _parent("payments", "paymentId")),
        },
        _fields("paymentId accountId refundNumber amount status refundDate", _TRACKING),
    ),
}


def _bad(message: str) -> ZuoraFault:
    return ZuoraFault(RQ, Category.INVALID_QUERY_PARAM, message)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any

    def test(self, record: Record) -> bool:
        actual = record.get(self.field)
        if self.value is None:
            return (actual is None) == (self.op == "EQ") if self.op in {"EQ", "NE"} else False
        if actual is None:
            return False
        if self.op == "IN":
            return any(_compare(actual, "EQ", v) for v in self.value)
        return _compare(actual, self.op, self.value)


def _compare(actual: Any, op: str, value: Any) -> bool:
    if isinstance(actual, bool):
        actual = str(actual).lower()
        value = str(value).lower()
    elif isinstance(actual, (int, Decimal)) and not isinstance(value, Decimal):
        return False
    elif isinstance(actual, str) and not isinstance(value, str):
        value = str(value)
    if op == "SW":
        return isinstance(actual, str) and actual.startswith(value)
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": lambda a, b: bool(a == b),
        "NE": lambda a, b: bool(a != b),
        "LT": lambda a, b: bool(a < b),
        "GT": lambda a, b: bool(a > b),
        "LE": lambda a, b: bool(a <= b),
        "GE": lambda a, b: bool(a >= b),
    }
    try:
        return checks[op](actual, value)
    except TypeError:
        return False


def _typed_value(name: str, raw: str) -> Any:
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() == "null":
        return None
    try:
        if name in DATETIME_KEYS:
            return parse_datetime(text)
        if name in MONEY_KEYS or name in _INT_KEYS:
            return Decimal(text)
    except (ValueError, InvalidOperation) as exc:
        raise _bad(f"Invalid value '{raw}' for filter field {name}.") from exc
    return text


class Query:
    """A parsed Object Query request against one object."""

    def __init__(self, store: ZuoraStore, obj: QueryObject, request: Request) -> None:
        self.store = store
        self.obj = obj
        params = request.query_params
        self.names = self._field_names()
        self.page_size = _page_size(params.get("pageSize"))
        self.conditions = [self._condition(f) for f in params.getlist("filter[]")]
        self.sort_field, self.descending = self._sort(params.getlist("sort[]"))
        self.expand = self._expansions(params.getlist("expand[]"))
        self.fields = self._fields(params.getlist("fields[]"))
        self.include_null = params.get("includeNullFields", "").lower() == "true"
        self.cursor = params.get("cursor")

    def _field_names(self) -> dict[str, str]:
        names = {"id": "id", "createddate": "createdDate", "updateddate": "updatedDate"}
        names.update({f.lower(): f for f in self.obj.fields})
        # every record's keys, each distinct key once (in the order first met), then lowered:
        # a lowering per key of every record made each page query scan the whole collection
        # in Python, holding the event loop (and other requests' answers) for milliseconds
        keys = dict.fromkeys(chain.from_iterable(self.store.table(self.obj.collection).values()))
        names.update({k.lower(): k for k in keys if not k.startswith("_")})
        return names

    def _resolve(self, name: str) -> str:
        try:
            return self.names[name.lower()]
        except KeyError:
            raise _bad(f"Unknown field '{name}'.") from None

    def _condition(self, text: str) -> Condition:
        match = _FILTER.match(text)
        if match is None:
            raise _bad(f"Invalid filter '{text}'; expected field.OP:value.")
        name, op, raw = self._resolve(match[1]), match[2].upper(), match[3]
        if op == "IN":
            if not (raw.startswith("[") and raw.endswith("]")):
                raise _bad(f"Invalid IN list in filter '{text}'.")
            return Condition(name, op, [_typed_value(name, v) for v in raw[1:-1].split(",")])
        return Condition(name, op, _typed_value(name, raw))

    def _sort(self, sorts: list[str]) -> tuple[str, bool]:
        if len(sorts) > 1:
            raise _bad("Only one sort[] field is supported.")
        if not sorts:
            return "createdDate", False
        name, _, direction = sorts[0].rpartition(".")
        if direction.upper() not in {"ASC", "DESC"} or not name:
            raise _bad(f"Invalid sort '{sorts[0]}'; expected field.ASC or field.DESC.")
        return self._resolve(name), direction.upper() == "DESC"

    def _expansions(self, values: list[str]) -> list[str]:
        names = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
        for name in names:
            if name not in self.obj.expansions:
                raise _bad(f"Cannot expand '{name}' here.")
        return names

    def _fields(self, values: list[str]) -> set[str] | None:
        names = [v.strip() for value in values for v in value.split(",") if v.strip()]
        return {self._resolve(n) for n in names} | {"id"} if names else None

    # -- execution --------------------------------------------------------------------------

    def _key(self, record: Record) -> tuple[Any, ...]:
        value = record.get(self.sort_field)
        return (0, "", record["id"]) if value is None else (1, value, record["id"])

    def _signature(self, request: Request) -> str:
        parts = [
            self.obj.collection,
            *request.query_params.getlist("filter[]"),
            *request.query_params.getlist("sort[]"),
        ]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]

    def page(self, request: Request) -> Record:
        rows = [
            r
            for r in self.store.table(self.obj.collection).values()
            if all(c.test(r) for c in self.conditions)
        ]
        rows.sort(key=self._key, reverse=self.descending)
        signature = self._signature(request)
        if self.cursor:
            after = _decode_cursor(self.cursor, signature)
            rows = [
                r
                for r in rows
                if (self._key(r) < after if self.descending else self._key(r) > after)
            ]
        page = rows[: self.page_size]
        body: Record = {"data": [self.shape(r) for r in page]}
        if len(rows) > self.page_size:
            body["nextPage"] = _encode_cursor(self._key(page[-1]), signature)
        return body

    def shape(self, record: Record) -> Record:
        out = render(record, include_null=self.include_null)
        if self.fields is not None:
            out = {k: v for k, v in out.items() if k in self.fields}
        for name in self.expand:
            key, expander = self.obj.expansions[name]
            related = expander(self.store, record)
            if isinstance(related, list):
                out[key] = [
                    render(r, include_null=self.include_null) for r in related[: self.page_size]
                ]
            elif related is not None:
                out[key] = render(related, include_null=self.include_null)
        return out


def _page_size(raw: str | None) -> int:
    if raw is None:
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise _bad(f"pageSize must be an integer from 1 to {MAX_PAGE}.")
    return int(raw)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, datetime):
        return "d"
    return "n" if isinstance(value, (int, Decimal)) else "s"


_DECODERS: dict[str, Callable[[str], Any]] = {
    "b": lambda text: text == "True",
    "d": datetime.fromisoformat,
    "n": Decimal,
    "s": str,
}


def _encode_cursor(key: tuple[Any, ...], signature: str) -> str:
    flag, value, record_id = key
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = jsonio.dumps({"q": signature, "k": [flag, _kind_of(value), text, record_id]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, signature: str) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = jsonio.loads(raw)
        flag, kind, text, record_id = data["k"]
        if data["q"] != signature:
            raise ValueError("cursor belongs to another query")
        value = "" if flag == 0 else _DECODERS[kind](text)
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise _bad("Invalid cursor.") from exc
    return (flag, value, record_id)


def _object(request: Request) -> QueryObject:
    name = request.path_params["object"]
    obj = OBJECTS.get(name)
    if obj is None:
        raise ZuoraFault(RQ, Category.NOT_FOUND, f"Unknown object '{name}'.")
    return obj


@endpoint
async def _list(request: Request, store: ZuoraStore) -> Record:
    return Query(store, _object(request), request).page(request)


@endpoint
async def _one(request: Request, store: ZuoraStore) -> Record:
    obj = _object(request)
    query = Query(store, obj, request)
    key = request.path_params["key"]
    record = store.table(obj.collection).get(key)
    if record is None and obj.collection in NUMBERING:
        record = store.find_by(obj.collection, NUMBERING[obj.collection][0], key)
    if record is None:
        raise ZuoraFault(RQ, Category.NOT_FOUND, f"No {request.path_params['object']} '{key}'.")
    return query.shape(record)


routes = [
    Route("/object-query/{object}", _list, methods=["GET"]),
    Route("/object-query/{object}/{key}", _one, methods=["GET"]),
]
