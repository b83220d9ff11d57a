"""Confirm upserts in batches: one NetSuite request per record written, one query per batch.

Why: an upsert answers ``204`` with the internal id in ``Location`` and nothing else. Reading
each record back doubles the requests, and NetSuite's concurrency limit makes requests the
cost. What the runtime needs from the record is small and known from the spec: the external
id (the record ``Location`` names must carry the one sent, ``readback.confirm_external_id``),
the number NetSuite may have replaced, fields the destination assigns, and what the tracking
templates read of ``destination``. Those are read for many records at once (one SuiteQL query
per batch, ``flow.CONFIRM_BATCH``). Where the spec reads more (a tracking template that uses
``destination`` whole), the per-record read-back stays.

Crash safety: the write's intent stays open until its batch is confirmed; the link is saved
and the intent closed together, only for a confirmed record. A crash between the write and
the confirmation leaves the intent pending, and ``reconcile.py`` settles it by external id on
the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.compile.plan import Plan
from engine.errors import DriverError
from engine.language.templates import attributes_read
from engine.run.drivers.base import Driver, Record, SourceRecord, WriteResult
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.readback import confirm_external_id

if TYPE_CHECKING:
    from engine.run.sync.mapping_sync import MappingSync

log = logging.getLogger(__name__)


@dataclass
class Unconfirmed:
    """An upsert NetSuite accepted whose record is not read back yet (its intent open)."""

    record: SourceRecord
    payload: dict[str, Any]
    written: WriteResult
    intent: int
    external_id: str
    result: RecordResult


def tracked_attributes(plan: Plan, phase: str) -> frozenset[str] | None:
    """The ``destination`` fields the tracking of ``phase`` reads; None when unknown."""
    read: set[str] = set()
    for source in (plan.tracking.get(phase) or {}).values():
        if source.kind != "template" or "destination" not in source.reads:
            continue
        attrs = attributes_read(source.text, "destination")
        if attrs is None:
            return None
        read |= attrs
    return frozenset(read)


def confirm_fields(plan: Plan, destination: Driver) -> tuple[str, ...] | None:
    """The fields a batched confirmation of this mapping's creates reads, or None when the
    endpoint cannot read fields in batches or the spec needs the whole record back."""
    caps = destination.capabilities
    if not (caps.read_fields and caps.upsert_external_id) or plan.external_id is None:
        return None
    tracked = tracked_attributes(plan, "on_create")
    if tracked is None:
        return None
    number = caps.number_fields.get(plan.destination_object)
    fields = {"externalId", *plan.destination_assigned, *tracked, *([number] if number else [])}
    fields.discard("id")
    if not all(f.isidentifier() for f in fields):
        return None
    return tuple(sorted(fields))


def read_batch(
    destination: Driver, obj: str, batch: list[Unconfirmed], fields: tuple[str, ...]
) -> Mapping[str, Record] | None:
    """The confirming rows by destination id; None when the query failed (each write then
    stands unconfirmed, as after a failed per-record read-back: logged, never an error)."""
    ids = list(dict.fromkeys(u.written.id for u in batch))
    try:
        return destination.read_fields(obj, ids, fields)
    except DriverError as exc:
        log.warning(
            "%s: wrote %d %s record(s) but could not read them back: %s",
            destination.name,
            len(ids),
            obj,
            exc,
        )
        return None


def confirm_batch(sync: MappingSync, results: list[RecordResult]) -> list[RecordResult]:
    """Confirm the one-request creates among ``results`` with one read per 200 records, then
    finish each (link, number check, write-back) on the write-back pool; results in order."""
    with sync.unconfirmed_lock:
        batch = {id(r): sync.unconfirmed.pop(id(r)) for r in results if id(r) in sync.unconfirmed}
    if not batch:
        return results
    fields = sync.confirm_fields
    assert fields is not None
    rows = read_batch(sync.destination, sync.plan.destination_object, [*batch.values()], fields)

    def finish(u: Unconfirmed) -> RecordResult:
        row = None if rows is None else rows.get(u.written.id, {})
        return sync.settled(u.record, sync.guarded(u.record, lambda: finish_create(sync, u, row)))

    finished = dict(zip(batch, sync.writebacks.map(finish, batch.values()), strict=True))
    return [finished.get(id(r), r) for r in results]


def finish_create(sync: MappingSync, u: Unconfirmed, row: Mapping[str, Any] | None) -> RecordResult:
    """A one-request create with its batched row (None: the read failed, and the write stands
    as after a failed per-record read-back): confirmed, then linked and tracked."""
    obj = sync.plan.destination_object
    written = WriteResult(u.written.id, u.written.created, None if row is None else dict(row))
    try:
        confirm_external_id(written, u.external_id, obj, endpoint=sync.destination.name)
    except DriverError as exc:
        sync.state.finish_intent(u.intent, "failed", {"error": str(exc)})
        raise
    u.result.warnings = sync.check_number(u.payload, written)
    seen = {**u.payload, **(row or {})}  # what is known of the record without a GET
    sync.settle_write(u.intent, written, u.record, written.id, u.payload, seen, u.external_id)
    sync.track(u.record, "on_create", written.id, seen)
    return u.result


__all__ = [
    "Unconfirmed",
    "confirm_batch",
    "confirm_fields",
    "finish_create",
    "read_batch",
    "tracked_attributes",
]
