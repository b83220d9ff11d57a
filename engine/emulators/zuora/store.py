"""The emulator's in-memory tenant: collections of records, ids, numbers and a strict clock.

Records are kept in Zuora's Object Query (camelCase, "Expanded*") shape because that is what the
sync engine reads; the REST and CRUD shapes are rendered from it. Money is ``Decimal``, dates are
``yyyy-mm-dd`` strings, and ``createdDate``/``updatedDate`` are aware datetimes with millisecond
precision. ``updatedDate`` is strictly increasing across every write in the tenant, because the
sync engine's watermarks (``updateddate.GE``) depend on never seeing two writes with one stamp.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import jsonio

from .codes import Category, Resource, ZuoraFault
from .tenant import TenantCatalog

Record = dict[str, Any]
Clock = Callable[[], datetime]

COLLECTIONS = (
    "accounts",
    "contacts",
    "products",
    "product_rate_plans",
    "product_rate_plan_charges",
    "invoices",
    "invoice_items",
    "payments",
    "payment_applications",
    "credit_memos",
    "credit_memo_items",
    "refunds",
)

# Auto-numbering per collection: (number field, prefix, digits).
NUMBERING: dict[str, tuple[str, str, int]] = {
    "accounts": ("accountNumber", "A", 8),
    "products": ("productNumber", "PC-", 8),
    "product_rate_plans": ("productRatePlanNumber", "PRP-", 8),
    "product_rate_plan_charges": ("productRatePlanChargeNumber", "PRPC-", 8),
    "invoices": ("invoiceNumber", "INV", 8),
    "payments": ("paymentNumber", "P-", 8),
    "credit_memos": ("memoNumber", "CM", 8),
    "refunds": ("refundNumber", "R-", 8),
}

MONEY_KEYS = frozenset(
    {
        "amount",
        "balance",
        "chargeAmount",
        "unitPrice",
        "applyAmount",
        "appliedAmount",
        "unappliedAmount",
        "refundAmount",
        "paymentAmount",
        "creditMemoAmount",
        "price",
        "totalInvoiceBalance",
        "creditBalance",
        "unappliedPaymentAmount",
        "taxAmount",
        "unappliedCreditMemoAmount",
        "quantity",
        "totalAmount",
        "creditBalanceAmount",
        "amountWithoutTax",
        "startingUnit",
        "endingUnit",
    }
)
DATETIME_KEYS = frozenset({"createdDate", "updatedDate"})

# Children that seed files may nest inside their parent, as Object Query's expand[] shows them.
_NESTED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "accounts": (("billTo", "contacts", "billToId"), ("soldTo", "contacts", "soldToId")),
    "invoices": (("invoiceItems", "invoice_items", "invoiceId"),),
    "payments": (("paymentApplications", "payment_applications", "paymentId"),),
    "credit_memos": (("creditMemoItems", "credit_memo_items", "creditMemoId"),),
}

_ID_KINDS = {name: index + 1 for index, name in enumerate(COLLECTIONS)}
_MS = timedelta(milliseconds=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_ms(moment: datetime) -> datetime:
    """Truncate to milliseconds (Zuora keeps no finer precision) and force UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_datetime(moment: datetime) -> str:
    """``2024-01-02T03:04:05.678Z``: millisecond precision, UTC."""
    exact = to_ms(moment)
    return exact.strftime("%Y-%m-%dT%H:%M:%S.") + f"{exact.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime:
    """Read an ISO-8601 datetime or date (as midnight UTC); ``ValueError`` when malformed."""
    value = text.strip()
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(value.replace("z", "Z"))
    return to_ms(moment)


def to_money(value: Any) -> Decimal:
    """Accept a JSON number (int or exact Decimal) as money; never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"{value!r} is not a number")
    return Decimal(value)


class ZuoraStore:
    """One tenant's data; every handler holds ``lock`` while it reads or writes."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or system_clock
        self.lock = threading.RLock()
        self.data: dict[str, dict[str, Record]] = {name: {} for name in COLLECTIONS}
        self._serial = 0
        self._numbers: dict[str, int] = {name: 0 for name in NUMBERING}
        self._last_stamp = datetime(1970, 1, 1, tzinfo=UTC)
        self.contention: dict[str, int] = {}
        self.catalog = TenantCatalog()

    # -- time and identity -------------------------------------------------------------------

    def now(self) -> datetime:
        return to_ms(self.clock())

    def today(self) -> str:
        return self.now().date().isoformat()

    def stamp(self) -> datetime:
        """A write time strictly after every earlier one, even within one millisecond."""
        moment = max(self.now(), self._last_stamp + _MS)
        self._last_stamp = moment
        return moment

    def new_id(self, collection: str) -> str:
        """32 hex characters like Zuora's ids; the kind digit keeps collections apart."""
        self._serial += 1
        return f"8ad0{_ID_KINDS[collection]:02x}{self._serial:026x}"

    def next_number(self, collection: str) -> str:
        field, prefix, digits = NUMBERING[collection]
        while True:
            self._numbers[collection] += 1
            number = f"{prefix}{self._numbers[collection]:0{digits}d}"
            if self.find_by(collection, field, number) is None:
                return number

    # -- access ------------------------------------------------------------------------------

    def table(self, collection: str) -> dict[str, Record]:
        return self.data[collection]

    def find_by(self, collection: str, field: str, value: Any) -> Record | None:
        return next((r for r in self.data[collection].values() if r.get(field) == value), None)

    def where(self, collection: str, field: str, value: Any) -> list[Record]:
        return [r for r in self.data[collection].values() if r.get(field) == value]

    def lookup(self, collection: str, key: str) -> Record | None:
        """Find by id, or by the collection's number (``A00000001``) as Zuora keys allow."""
        record = self.data[collection].get(key)
        if record is None and collection in NUMBERING:
            record = self.find_by(collection, NUMBERING[collection][0], key)
        return record

    def require(self, collection: str, key: str, resource: Resource) -> Record:
        record = self.lookup(collection, key)
        if record is None:
            noun = collection.rstrip("s").replace("_", " ")
            raise ZuoraFault(resource, Category.NOT_FOUND, f"The {noun} {key} does not exist.")
        return record

    def insert(self, collection: str, values: Record) -> Record:
        """Add a record, giving it an id, a number and timestamps when it has none."""
        record: Record = {"id": values.get("id") or self.new_id(collection)}
        if collection in NUMBERING:
            field = NUMBERING[collection][0]
            record[field] = values.get(field) or self.next_number(collection)
        record.update((k, v) for k, v in values.items() if k not in record)
        moment = self.stamp()
        record.setdefault("createdDate", moment)
        record["updatedDate"] = moment
        self.data[collection][record["id"]] = record
        return record

    def touch(self, record: Record) -> None:
        record["updatedDate"] = self.stamp()

    def check_contention(self, record_id: str, resource: Resource) -> None:
        """Fail the next writes to a record with lock contention, when a test asked for it."""
        left = self.contention.get(record_id, 0)
        if left > 0:
            self.contention[record_id] = left - 1
            raise ZuoraFault(
                resource,
                Category.LOCK_CONTENTION,
                "Operation failed due to a lock competition. Please retry later.",
            )

    def contend(self, record_id: str, times: int = 1) -> None:
        """Make the next ``times`` writes to ``record_id`` fail with lock contention (tests)."""
        with self.lock:
            self.contention[record_id] = times

    # -- seed data ---------------------------------------------------------------------------

    def load(self, seed: dict[str, list[Record]]) -> None:
        """Load records in the documented seed format (Object Query shape, children nested).

        Derived amounts are not computed here (``ledger`` depends on this module); callers run
        ``ledger.refresh_all(store)`` afterwards, as ``create_app`` does.
        """
        with self.lock:
            for collection in COLLECTIONS:
                for raw in seed.get(collection, []):
                    self._load_one(collection, dict(raw))

    def load_dir(self, data_dir: Path) -> None:
        """Read ``<collection>.json`` files (a JSON list each); missing files are empty."""
        seed: dict[str, list[Record]] = {}
        for collection in COLLECTIONS:
            path = data_dir / f"{collection}.json"
            if path.exists():
                seed[collection] = jsonio.loads_exact(path.read_bytes())
        self.load(seed)

    def _load_one(self, collection: str, raw: Record) -> None:
        children = [
            (raw.pop(key, None), child, link) for key, child, link in _NESTED.get(collection, ())
        ]
        record = _typed(raw)
        if "productRatePlanChargeTiers" in record:
            record["_tiers"] = [_typed(dict(t)) for t in record.pop("productRatePlanChargeTiers")]
        record.setdefault("id", self.new_id(collection))
        for value, child, link in children:
            self._load_children(record, value, child, link)
        if collection == "accounts" and "billToId" in record:
            record.setdefault("soldToId", record["billToId"])
        if collection in NUMBERING:
            field = NUMBERING[collection][0]
            record.setdefault(field, self.next_number(collection))
        moment = self.stamp()
        record.setdefault("createdDate", moment)
        record.setdefault("updatedDate", moment)
        self._last_stamp = max(self._last_stamp, record["updatedDate"])
        self.data[collection][record["id"]] = record

    def _load_children(self, parent: Record, value: Any, child: str, link: str) -> None:
        if value is None:
            return
        items: Iterable[Record] = value if isinstance(value, list) else [value]
        for item in items:
            typed = _typed(dict(item))
            if child == "contacts":
                typed.setdefault("accountId", parent["id"])
                typed.setdefault("id", self.new_id(child))
                parent[link] = typed["id"]
                if typed["id"] in self.data[child]:
                    continue
            else:
                typed[link] = parent["id"]
            typed.setdefault("id", self.new_id(child))
            moment = self.stamp()
            typed.setdefault("createdDate", moment)
            typed.setdefault("updatedDate", moment)
            self._last_stamp = max(self._last_stamp, typed["updatedDate"])
            self.data[child][typed["id"]] = typed


def _typed(raw: Record) -> Record:
    """Seed values as the store keeps them: Decimal money, datetimes for created/updated."""
    for key, value in list(raw.items()):
        if key in MONEY_KEYS and value is not None:
            raw[key] = to_money(value)
        elif key in DATETIME_KEYS and isinstance(value, str):
            raw[key] = parse_datetime(value)
    return raw


def render(record: Record, *, include_null: bool = True) -> Record:
    """A record as JSON-ready data: datetimes formatted, private (``_``) keys dropped."""
    out: Record = {}
    for key, value in record.items():
        if key.startswith("_") or (value is None and not include_null):
            continue
        out[key] = format_datetime(value) if isinstance(value, datetime) else value
    return out
