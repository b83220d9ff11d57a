"""The emulated account's data: records, indexes, auto-numbering, lists and the write clock.

Why one class: ids, external-id indexes, the application ledger and timestamps must change
together under one lock, so a test reading ``app.state.store`` from its own thread never sees a
half-applied write. Validation lives in ``validate.py``; this module only keeps state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.emulators.netsuite.nserror import NsError, not_found
from engine.emulators.netsuite.schema import DEFAULT_LISTS, RECORD_TYPES, RecordType, canonical_type

Record = dict[str, Any]
Clock = Callable[[], datetime]


@dataclass
class AutoNumber:
    """NetSuite's Setup > Company > Auto-Generated Numbers, for one record type."""

    enabled: bool = False
    allow_override: bool = False
    allow_update: bool = True
    prefix: str = ""
    suffix: str = ""
    digits: int = 4
    next: int = 1

    def take(self) -> str:
        """Return the next number and advance the counter."""
        value = f"{self.prefix}{self.next:0{self.digits}d}{self.suffix}"
        self.next += 1
        return value

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutoNumber:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown autonumber settings: {sorted(unknown)}")
        return cls(**data)


DEFAULT_AUTONUMBER: dict[str, dict[str, Any]] = {
    "customer": {"enabled": True, "allow_override": True, "prefix": "CUST"},
    "invoice": {"enabled": True, "allow_override": True, "prefix": "INV"},
    "creditMemo": {"enabled": True, "allow_override": True, "prefix": "CM"},
    "customerPayment": {"enabled": True, "allow_override": True, "prefix": "PYMT"},
    "customerRefund": {"enabled": True, "allow_override": True, "prefix": "RFND"},
}
"""NetSuite's settings as far as they matter here: customers are auto-numbered (a customer
created without ``entityId`` gets ``CUST0001``; a supplied one is kept, as with "Allow Override"
on), transactions are numbered and accept a supplied number. ``{"customer": {"enabled":
false}}`` gives the stricter account where every customer needs an ``entityId`` (or
``autoName``)."""


def build_autonumber(config: dict[str, Any] | None) -> dict[str, AutoNumber]:
    """Merge a user's per-type settings over ``DEFAULT_AUTONUMBER``; type names any case."""
    merged = {name: dict(values) for name, values in DEFAULT_AUTONUMBER.items()}
    for name, values in (config or {}).items():
        rtype = canonical_type(name)
        if rtype is None or RECORD_TYPES[rtype].number_field is None:
            raise ValueError(f"autonumber: {name!r} is not a numbered record type")
        merged.setdefault(rtype, {}).update(values)
    return {name: AutoNumber.from_json(values) for name, values in merged.items()}


INDEXED_FIELDS = ("externalId", "entityId", "itemId", "tranId")
"""Fields every write looks records up by (uniqueness, the next free number): indexed by value,
so that a write costs the same against ten records as against ten thousand (a scan per write
made the emulator's own time grow with the account, and it shares the machine with Ferry)."""


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _system_clock() -> datetime:
    return datetime.now(UTC)


class Store:
    """All records of the emulated account, in memory."""

    def __init__(
        self,
        types: dict[str, RecordType] | None = None,
        *,
        autonumber: dict[str, Any] | None = None,
        lists: dict[str, dict[str, str]] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.types = types or dict(RECORD_TYPES)
        self.autonumber = build_autonumber(autonumber)
        self.lists = {name: dict(values) for name, values in DEFAULT_LISTS.items()}
        for name, values in (lists or {}).items():
            self.lists[name] = {str(k): str(v) for k, v in values.items()}
        self.clock = clock or _system_clock
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, Record]] = {name: {} for name in self.types}
        self._by_eid: dict[str, dict[str, str]] = {name: {} for name in self.types}
        # type -> field -> value -> ids of the records holding it (``INDEXED_FIELDS``)
        self._by_value: dict[str, dict[str, dict[Any, set[str]]]] = {
            name: {field: {} for field in INDEXED_FIELDS} for name in self.types
        }
        self._next_id: dict[str, int] = {}
        self._last_stamp = datetime(1970, 1, 1, tzinfo=UTC)
        # target document id -> {source transaction id: amount applied}
        self.applications: dict[str, dict[str, Decimal]] = {}

    # -- types and lookups -------------------------------------------------------------------
    def rtype(self, name: str) -> RecordType:
        """The record type for a path segment, in any of the spellings the docs use."""
        canonical = canonical_type(name)
        if canonical is None:
            raise NsError.one(
                404,
                "INVALID_RCRD_TYPE",
                f"Record type '{name}' does not exist or is not supported.",
            )
        return self.types[canonical]

    def locate(self, rtype: RecordType, key: str) -> str | None:
        """Internal id for ``key`` (an internal id or ``eid:<externalId>``), or None."""
        if key.startswith("eid:"):
            return self._by_eid[rtype.name].get(key[4:])
        return key if key in self.records[rtype.name] else None

    def get(self, rtype: RecordType, key: str) -> Record:
        record_id = self.locate(rtype, key)
        if record_id is None:
            raise not_found()
        return self.records[rtype.name][record_id]

    def find_any(self, type_names: tuple[str, ...], record_id: str) -> tuple[str, Record] | None:
        """Find an id among several record types (item family, apply documents)."""
        for name in type_names:
            record = self.records.get(name, {}).get(record_id)
            if record is not None:
                return name, record
        return None

    def id_for_external(self, type_names: tuple[str, ...], external_id: str) -> str | None:
        for name in type_names:
            found = self._by_eid.get(name, {}).get(external_id)
            if found is not None:
                return found
        return None

    def all(self, type_names: tuple[str, ...]) -> Iterator[tuple[str, Record]]:
        for name in type_names:
            for record in self.records[name].values():
                yield name, record

    def holding(self, type_names: tuple[str, ...], field: str, value: Any) -> Iterator[Record]:
        """The records of ``type_names`` whose ``field`` equals ``value`` (an indexed field:
        ``INDEXED_FIELDS``; a value that cannot be hashed is looked for record by record)."""
        if field not in INDEXED_FIELDS or not _hashable(value):
            yield from (r for _, r in self.all(type_names) if r.get(field) == value)
            return
        for name in type_names:
            table = self.records[name]
            for record_id in self._by_value[name][field].get(value, ()):
                yield table[record_id]

    def in_use(self, type_name: str, field: str, value: Any) -> bool:
        """Whether a record of ``type_name`` holds ``value`` in ``field``."""
        return next(self.holding((type_name,), field, value), None) is not None

    def _index(self, type_name: str, record: Record, *, add: bool) -> None:
        for field, index in self._by_value[type_name].items():
            value = record.get(field)
            if value is None or not _hashable(value):
                continue
            if add:
                index.setdefault(value, set()).add(record["id"])
            else:
                holders = index.get(value)
                if holders is not None:
                    holders.discard(record["id"])
                    if not holders:
                        del index[value]

    # -- writes ------------------------------------------------------------------------------
    def new_id(self, rtype: RecordType) -> str:
        """Internal ids are shared by a family (all transactions count together), like NetSuite."""
        value = self._next_id.get(rtype.family, 1)
        self._next_id[rtype.family] = value + 1
        return str(value)

    def stamp(self) -> datetime:
        """A write time: the clock to the second, but always later than the previous write.

        NetSuite shows times to the second; strictly increasing times keep ``>=`` watermarks
        exact even when many writes land in one second (the emulator's clock then runs ahead).
        """
        now = self.clock().astimezone(UTC).replace(microsecond=0)
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(seconds=1)
        self._last_stamp = now
        return now

    def put(self, rtype: RecordType, record: Record) -> None:
        """Store a complete, validated record and index its external id."""
        table = self.records[rtype.name]
        old = table.get(record["id"])
        if old is not None:
            self._index(rtype.name, old, add=False)
            if old.get("externalId"):
                self._by_eid[rtype.name].pop(old["externalId"], None)
        table[record["id"]] = record
        self._index(rtype.name, record, add=True)
        if record.get("externalId"):
            self._by_eid[rtype.name][record["externalId"]] = record["id"]

    def delete(self, rtype: RecordType, record_id: str) -> None:
        record = self.records[rtype.name].pop(record_id)
        self._index(rtype.name, record, add=False)
        if record.get("externalId"):
            self._by_eid[rtype.name].pop(record["externalId"], None)
        self.set_applications(record_id, {})

    def observe_seed(self, rtype: RecordType, record_id: str, modified: datetime) -> None:
        """Keep id counters and the write clock ahead of seeded records."""
        if record_id.isdigit():
            self._next_id[rtype.family] = max(
                self._next_id.get(rtype.family, 1), int(record_id) + 1
            )
        self._last_stamp = max(self._last_stamp, modified)

    def set_applications(self, source_id: str, targets: dict[str, Decimal]) -> None:
        """Record what ``source_id`` (payment, credit memo, refund) applies to which documents."""
        for applied in self.applications.values():
            applied.pop(source_id, None)
        for target, amount in targets.items():
            self.applications.setdefault(target, {})[source_id] = amount

    def applied_to(self, target_id: str, *, excluding: str | None = None) -> Decimal:
        return sum(
            (a for s, a in self.applications.get(target_id, {}).items() if s != excluding),
            Decimal(0),
        )

    def autonumber_json(self) -> dict[str, Any]:
        return {name: asdict(config) for name, config in self.autonumber.items()}
