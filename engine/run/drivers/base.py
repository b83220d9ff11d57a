"""The contract between the sync runtime and an endpoint: what a driver can do, and how it says so.

The runtime never talks HTTP; it calls these methods and reads ``Capabilities`` to choose a
strategy (upsert by external id when the endpoint has one, idempotency keys otherwise, a natural
key lookup before any re-create). Drivers raise only ``engine.errors.DriverError`` subclasses.

Optional, outside the protocol (so drivers without credentials need nothing): a
``check_credentials()`` method the run's preflight calls before the first write (one cheap
authenticated call; ``AuthError`` or ``TransientError`` when it fails) and a ``base_url``
attribute that error messages name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import msgspec

Record = dict[str, Any]


class Capabilities(msgspec.Struct, frozen=True):
    """What a driver supports, declared so the runtime can plan without trying and failing."""

    read_changed: bool = True
    get: bool = True
    create: bool = True
    update: bool = True
    upsert_external_id: bool = False
    find_by_key: bool = True
    find_many: bool = False
    idempotency_keys: bool = False
    read_fields: bool = False
    """``read_fields`` reads chosen fields of many records in one query, so an upsert can skip
    its per-record read-back (``upsert(..., read_back=False)``) and be confirmed in batches;
    such an endpoint's ``update(..., read_back=False)`` skips its read-back too."""
    objects: tuple[str, ...] = ()
    number_fields: Mapping[str, str] = msgspec.field(default_factory=dict)
    """Object -> the field holding the record's number (``customer`` -> ``entityId``): the
    runtime compares what it sent with what the endpoint kept, to notice replaced numbers."""
    field_limits: Mapping[str, Mapping[str, int]] = msgspec.field(default_factory=dict)
    """Object (or ``*``) -> dotted field path -> the longest value it takes, ``externalId``
    included (``engine.run.drivers.limits``): the runtime refuses longer values before any call."""


class SourceRecord(msgspec.Struct, frozen=True):
    """A record read from an endpoint, with the identity and version the runtime tracks.

    ``updated_at`` is the endpoint's own last-modified time (UTC, timezone-aware); watermarks are
    built from it. ``data`` is the record in the endpoint's own shape, which specs address.
    ``problem`` is set when the row could not be read (no id, no readable update time): the sync
    records such a record as invalid with that reason and goes on (``drivers.paging``).
    """

    id: str
    updated_at: datetime
    data: Record
    problem: str | None = None


class Page(msgspec.Struct, frozen=True):
    """One page of a changed-since listing; ``cursor`` is None on the last page."""

    records: list[SourceRecord]
    cursor: str | None = None


class WriteResult(msgspec.Struct, frozen=True):
    """The outcome of a write: the endpoint's id for the record and, when cheap, the record.

    ``record`` is what the endpoint holds after the write (read back when the endpoint does not
    return it), so the runtime can notice values the endpoint replaced (auto-numbering).
    """

    id: str
    created: bool
    record: Record | None = None
    extra: Mapping[str, Any] = msgspec.field(default_factory=dict)


@runtime_checkable
class Driver(Protocol):
    """An endpoint. Objects are named as the endpoint names them (``account``, ``customer``)."""

    name: str
    capabilities: Capabilities

    def read_changed(
        self, obj: str, since: datetime | None, *, page_size: int | None = None
    ) -> Iterator[Page]:
        """Yield pages of records modified at or after ``since`` (all when None), oldest first."""
        ...

    def get(self, obj: str, record_id: str) -> Record | None:
        """Return one record by the endpoint's id, or None when it does not exist."""
        ...

    def create(
        self, obj: str, payload: Record, *, idempotency_key: str | None = None
    ) -> WriteResult:
        """Create a record; ``idempotency_key`` makes a resend return the first result."""
        ...

    def update(
        self, obj: str, record_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """Change only the fields in ``payload``. ``read_back=False`` (asked only of endpoints
        with ``capabilities.read_fields``) skips reading the record back where that costs a
        request, returning ``record`` None."""
        ...

    def upsert(
        self, obj: str, external_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """Create or update by external id (only where ``capabilities.upsert_external_id``).
        ``read_back=False`` returns the id alone (``record`` None) where reading costs a request;
        the caller then confirms with ``read_fields``."""
        ...

    def read_fields(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """``fields`` of the records ``ids``, by id, in as few queries as the endpoint allows
        (only where ``capabilities.read_fields``); an id absent from the answer does not exist."""
        ...

    def find(self, obj: str, key: Mapping[str, Any]) -> list[Record]:
        """Return the records whose fields equal every value in ``key`` (a natural key)."""
        ...

    def find_many(self, obj: str, field: str, values: Sequence[Any]) -> list[Record]:
        """Return the records whose ``field`` is any of ``values``: one query for a page of
        natural keys instead of one per record (``capabilities.find_many``)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
