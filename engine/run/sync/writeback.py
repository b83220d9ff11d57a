"""Tracking fields written back to the source record after a destination write.

Why its own module: the write-back goes to the *source* (Zuora), so it runs under the source's
concurrency on its own small pool (``WriteBacks.pool``), not on a destination slot that would
idle while Zuora answers. That holds after every kind of write: a create's write-back runs
there once its batch is confirmed (``confirm.py``); an update's or a link's is handed over by
the writer (``later``) once its destination write is settled, and the record is finished (its
outcome recorded, the watermark free to pass it) only when the write-back is done. Its intent
is recorded before the call like every write. A write-back still owed from an earlier run
(refused, or lost to a crash) is caught up here too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec

from engine.compile.plan import Plan
from engine.compile.runner import source_value
from engine.errors import DriverError
from engine.run.drivers.base import SourceRecord
from engine.run.state.store import Link
from engine.run.sync.keys import idempotency_key
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.scope import Scope
from engine.run.sync.tracking import writeback_owed


def tracking_table(plan: Plan, phase: str) -> Mapping[str, Any] | None:
    """The tracking fields ``phase`` writes back, if any."""
    table = plan.tracking.get(phase)
    if table is None and phase == "on_link":  # a link is a create that found its record
        table = plan.tracking.get("on_create")
    return table


def tracking_payload(
    scope: Scope,
    record: SourceRecord,
    phase: str,
    dest_id: str,
    destination: Mapping[str, Any],
) -> dict[str, Any]:
    """The tracking fields of ``phase`` rendered for ``record`` (empty: nothing to write)."""
    plan, run = scope.plan, scope.run
    table = tracking_table(plan, phase)
    if not table:
        return {}
    env = {
        "record": record.data,
        "settings": dict(plan.settings.values),
        "destination": {**destination, "id": dest_id},
        "run": run.as_context(),
        "parents": {},
    }
    values = {name: source_value(plan, src, record.data, env) for name, src in table.items()}
    return {k: v for k, v in values.items() if v is not None}


class Sent(msgspec.Struct, frozen=True):
    """A write-back the source accepted, its intent still open: ``close`` finishes it."""

    record: SourceRecord
    intent: int
    version: str | None  # the source record's version after the write (its echo)


def begin(scope: Scope, record: SourceRecord, payload: dict[str, Any]) -> int:
    """The write-back's intent, recorded before it is sent (in the caller's transaction, if
    any): its id."""
    plan, run = scope.plan, scope.run
    assert run.id is not None
    key = idempotency_key(plan.name, record.id, "writeback", payload)
    return scope.state.begin_intent(run.id, plan.name, record.id, "writeback", key, None, payload)


def send(scope: Scope, record: SourceRecord, intent: int, payload: dict[str, Any]) -> Sent:
    """Send a write-back whose intent is recorded; a refusal marks the intent and raises."""
    try:
        written = scope.source.update(scope.plan.source_object, record.id, payload)
    except DriverError as exc:
        scope.state.finish_intent(intent, "failed", {"error": str(exc)})
        raise
    version = None
    if written.record is not None:
        version = written.record.get("updatedDate") or written.record.get("lastModifiedDate")
    return Sent(record, intent, None if version is None else str(version))


def close(scope: Scope, sent: Sent) -> None:
    """The write-back done: its intent closed and the record marked tracked (in the caller's
    transaction, so the record's outcome can be committed with it)."""
    state = scope.state
    state.finish_intent(sent.intent, "done")
    state.mark_tracked(scope.plan.name, sent.record.id, sent.version)


def write_back(
    scope: Scope,
    record: SourceRecord,
    phase: str,
    dest_id: str,
    destination: Mapping[str, Any],
) -> None:
    """Write the tracking fields of ``phase`` back to the source record."""
    payload = tracking_payload(scope, record, phase, dest_id, destination)
    if not payload:
        return
    sent = send(scope, record, begin(scope, record, payload), payload)
    with scope.state.transaction():
        close(scope, sent)


class Owed(msgspec.Struct, frozen=True):
    """A write-back a writer handed over: what ``write_back`` needs, and the record's outcome
    once it is done."""

    record: SourceRecord
    phase: str
    dest_id: str
    destination: Mapping[str, Any]
    result: RecordResult


class WriteBacks:
    """One mapping's write-backs, and the pool (the source's concurrency, shared by the run's
    mappings: ``pools.py``) they run on."""

    def __init__(self, scope: Scope, pool: ThreadPoolExecutor) -> None:
        self.scope = scope
        self.pool = pool
        self.owed: dict[int, Owed] = {}  # id(result) -> its write-back, not started yet
        self.owed_lock = threading.Lock()

    def track(
        self, record: SourceRecord, phase: str, dest_id: str, destination: Mapping[str, Any]
    ) -> None:
        """Write the tracking fields of ``phase`` back to ``record`` (on the caller's thread)."""
        write_back(self.scope, record, phase, dest_id, destination)

    def later(
        self,
        record: SourceRecord,
        phase: str,
        dest_id: str,
        destination: Mapping[str, Any],
        result: RecordResult,
    ) -> RecordResult:
        """``result``, its write-back of ``phase`` owed: the writer returns at once, and the
        sync runs the write-back on this pool before it settles the record (``take``)."""
        if not tracking_table(self.scope.plan, phase):
            return result  # nothing to write back: finished as it is
        with self.owed_lock:
            self.owed[id(result)] = Owed(record, phase, dest_id, dict(destination), result)
        return result

    def take(self, result: RecordResult) -> Owed | None:
        """The write-back ``result`` still owes (taken off the list), or None."""
        with self.owed_lock:
            return self.owed.pop(id(result), None)

    def run(self, owed: Owed) -> RecordResult:
        """Do an owed write-back (on this pool); the record's outcome. A failure propagates
        for the caller's ``Settlement.guarded`` to make it the record's outcome."""
        self.track(owed.record, owed.phase, owed.dest_id, owed.destination)
        return owed.result

    def catch_up(self, record: SourceRecord, link: Link, quarantined: bool) -> Link:
        """Write back the create's tracking fields if an earlier run still owes them
        (``tracking.py``); the link as it stands afterwards."""
        scope = self.scope
        plan = scope.plan
        if scope.run.dry_run or not plan.tracking.get("on_create"):
            return link
        if not writeback_owed(scope.state, link, quarantined):
            return link
        dest_id = str(link.destination_id)
        current = scope.destination.get(plan.destination_object, dest_id)
        self.track(record, "on_create", dest_id, current or link.assigned or {})
        return scope.state.link(plan.name, record.id) or link  # now tracked: keep it


__all__ = ["Owed", "Sent", "WriteBacks", "begin", "close", "send", "tracking_payload", "write_back"]
