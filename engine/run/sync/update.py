"""A record synced before: update its destination record, or leave it unchanged.

Why its own module: a linked record is compared twice before anything is sent. First with the
payload last written (the crosswalk keeps it): when no mapped value changed, the record is
*unchanged* without reading the destination, which is how the echo of our own write-back is
recognised. When one did, the master wins: the destination record is read and every mapped
field that differs there is sent, which also overwrites values edited in the destination
meanwhile (as the connector does). A record whose destination is gone is refused, not
recreated.
"""

from __future__ import annotations

from engine.run.drivers.base import SourceRecord
from engine.run.state.store import Link
from engine.run.sync.compare import changed_fields, covers, projected
from engine.run.sync.first_sync import LineParents, Parents
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.payloads import Payloads
from engine.run.sync.scope import Scope
from engine.run.sync.writeback import WriteBacks
from engine.run.sync.writes import Writes


class Update:
    """Brings the destination records of one mapping's linked records up to date."""

    def __init__(self, scope: Scope, payloads: Payloads, writes: Writes, backs: WriteBacks) -> None:
        self.scope = scope
        self.payloads = payloads
        self.writes = writes
        self.backs = backs

    def sync(
        self,
        record: SourceRecord,
        link: Link,
        parents: Parents,
        line_parents: LineParents,
        quarantined: bool,
    ) -> RecordResult:
        scope = self.scope
        plan, destination = scope.plan, scope.destination
        dest_id = str(link.destination_id)
        link = self.backs.catch_up(record, link, quarantined)
        if plan.behavior == "new_only":
            return scope.result(
                record,
                "unchanged",
                destination_id=dest_id,
                reason="sync behavior new_only: not updated after creation",
            )
        current = None
        if plan.reads_destination:
            current = destination.get(plan.destination_object, dest_id)
        ctx = self.payloads.context(parents, line_parents, current)
        payload = self.payloads.evaluate(record, "update", ctx)
        if isinstance(payload, tuple):
            return scope.result(record, payload[0], destination_id=dest_id, reason=payload[1])
        if not changed_fields(payload, link.payload):
            return scope.result(record, "unchanged", destination_id=dest_id)
        if current is None:
            current = destination.get(plan.destination_object, dest_id)
        if current is None:
            return scope.result(
                record,
                "rejected",
                destination_id=dest_id,
                reason="the destination record no longer exists; clear its link "
                "(ferry quarantine) to create it again",
            )
        before = dict(current)
        changes = {k: v for k, v in payload.items() if not covers(before.get(k), v)}
        merged = {**(link.payload or {}), **payload}
        if not changes:
            self.writes.save_link(
                record, dest_id, merged, link.assigned, link.external_id, tracked=link.tracked_at
            )
            return scope.result(record, "unchanged", destination_id=dest_id)
        shown = {k: [projected(before.get(k), v), v] for k, v in changes.items()}
        if scope.run.dry_run:
            return scope.result(record, "updated", destination_id=dest_id, changes=shown)
        written, intent = self.writes.write("update", record, changes, dest_id=dest_id)
        self.writes.settle_write(
            intent,
            written,
            record,
            dest_id,
            merged,
            link.assigned,
            link.external_id,
            tracked=link.tracked_at,
        )
        result = scope.result(record, "updated", destination_id=dest_id, changes=shown)
        # the write-back runs on the source's pool, not on this destination slot
        return self.backs.later(record, "on_update", dest_id, written.record or merged, result)


__all__ = ["Update"]
