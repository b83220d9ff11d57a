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
from typing import Any

from engine.compile.plan import Plan
from engine.errors import DriverError
from engine.run.drivers.base import Driver, Record, WriteResult
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.readback import confirm_external_id, tracked_attributes
from engine.run.sync.settle import Settlement
from engine.run.sync.writeback import Sent, WriteBacks, begin, close, send, tracking_payload
from engine.run.sync.writes import Unconfirmed, Writes

log = logging.getLogger(__name__)


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


def take_batch(
    writes: Writes, results: list[RecordResult]
) -> tuple[list[Unconfirmed], Mapping[str, Record] | None]:
    """The one-request creates among ``results`` (taken off the waiting list), in order, and
    their confirming rows read with one query per 200 records (None: the read failed)."""
    with writes.unconfirmed_lock:
        pending = writes.unconfirmed
        batch = [pending.pop(id(r)) for r in results if id(r) in pending]
    if not batch:
        return [], None
    fields = writes.confirm_fields
    assert fields is not None
    scope = writes.scope
    return batch, read_batch(scope.destination, scope.plan.destination_object, batch, fields)


def finish_confirmed(
    writes: Writes,
    settlement: Settlement,
    backs: WriteBacks,
    u: Unconfirmed,
    rows: Mapping[str, Record] | None,
) -> RecordResult:
    """One create of a batch read: confirmed, linked, tracked and settled (its failure its
    outcome). Runs on the write-back pool."""
    row = None if rows is None else rows.get(u.written.id, {})
    sent: list[Sent] = []
    step = settlement.guarded(u.record, lambda: finish_create(writes, u, row, sent))

    def closing() -> None:  # the write-back closed in the transaction that records the outcome
        for done in sent:
            close(writes.scope, done)

    return settlement.settled(u.record, step, also=closing)


def confirm_batch(
    writes: Writes, settlement: Settlement, backs: WriteBacks, results: list[RecordResult]
) -> list[RecordResult]:
    """Confirm the one-request creates among ``results`` and finish each (link, number check,
    write-back) on the write-back pool; all of ``results``, finished, in order."""
    batch, rows = take_batch(writes, results)
    if not batch:
        return results

    def finish(u: Unconfirmed) -> RecordResult:
        return finish_confirmed(writes, settlement, backs, u, rows)

    finished = {id(u.result): r for u, r in zip(batch, backs.pool.map(finish, batch), strict=True)}
    return [finished.get(id(r), r) for r in results]


def finish_create(
    writes: Writes,
    u: Unconfirmed,
    row: Mapping[str, Any] | None,
    sent: list[Sent] | None = None,
) -> RecordResult:
    """A one-request create with its batched row (None: the read failed, and the write stands
    as after a failed per-record read-back): confirmed, then linked and tracked.

    The link and the write-back's intent are committed together, and, given ``sent``, the
    write-back is left there for the caller to close with the record's outcome: two commits
    per create on the write-back pool instead of four, whose turns at the state file's lock
    held the writers and the run's last write-backs back."""
    scope = writes.scope
    obj = scope.plan.destination_object
    written = WriteResult(u.written.id, u.written.created, None if row is None else dict(row))
    try:
        confirm_external_id(written, u.external_id, obj, endpoint=scope.destination.name)
    except DriverError as exc:
        scope.state.finish_intent(u.intent, "failed", {"error": str(exc)})
        raise
    u.result.warnings = writes.check_number(u.payload, written)
    seen = {**u.payload, **(row or {})}  # what is known of the record without a GET
    link = (u.intent, written, u.record, written.id, u.payload, seen, u.external_id)
    try:
        payload = tracking_payload(scope, u.record, "on_create", written.id, seen)
    except Exception:  # a tracking value that fails: linked all the same, the failure its outcome
        writes.settle_write(*link)
        raise
    with scope.state.transaction():
        writes.settle_write(*link)
        intent = begin(scope, u.record, payload) if payload else None
    if intent is not None:
        done = send(scope, u.record, intent, payload)
        if sent is None:
            with scope.state.transaction():
                close(scope, done)
        else:
            sent.append(done)
    return u.result


__all__ = [
    "confirm_batch",
    "confirm_fields",
    "finish_confirmed",
    "finish_create",
    "read_batch",
    "take_batch",
]
