"""A record's first sync: find it in the destination, then link it or create it.

Why its own module: a record without a crosswalk link may still exist in the destination
(entered by hand, migrated, synced by another tool). It is looked up by the record's own
pointer (``identity.linked_by``) or by the spec's natural keys (``lookup.py``) before anything
is created, so an existing record is *linked*, never duplicated; under New and Modified the
link also brings it up to date. Only a record found nowhere is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compile.runner import natural_key, source_value
from engine.errors import SyncError
from engine.run.drivers.base import SourceRecord
from engine.run.sync.compare import changed_fields
from engine.run.sync.lookup import DestinationLookup
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.payloads import Payloads
from engine.run.sync.scope import Scope
from engine.run.sync.writeback import WriteBacks
from engine.run.sync.writes import Writes

Parents = dict[str, Any]
LineParents = tuple[dict[str, Any], ...] | None


class FirstSync:
    """Links or creates the records of one mapping that were never synced."""

    def __init__(
        self,
        scope: Scope,
        payloads: Payloads,
        lookups: DestinationLookup,
        writes: Writes,
        backs: WriteBacks,
    ) -> None:
        self.scope = scope
        self.payloads = payloads
        self.lookups = lookups
        self.writes = writes
        self.backs = backs

    def sync(
        self, record: SourceRecord, parents: Parents, line_parents: LineParents
    ) -> RecordResult:
        payloads, scope = self.payloads, self.scope
        payload = payloads.evaluate(record, "create", payloads.context(parents, line_parents))
        if isinstance(payload, tuple):
            return scope.result(record, payload[0], reason=payload[1])
        lookup = natural_key(scope.plan, record.data)
        named = self.named_destination(record)
        try:
            existing = named if named is not None else self.lookups.find(lookup)
        except SyncError as exc:
            payloads.numbers_unused()
            return scope.result(record, "rejected", reason=str(exc))
        if existing is not None:
            payloads.numbers_unused()
            return self.adopt(record, existing, parents, line_parents)
        return self.create(record, payload, lookup)

    def named_destination(self, record: SourceRecord) -> Mapping[str, Any] | None:
        """The destination record the source names itself (``identity.linked_by``), if it
        exists: how consultants link existing data before a first run."""
        plan = self.scope.plan
        if plan.linked_by is None:
            return None
        named = source_value(plan, plan.linked_by, record.data)
        if named in (None, ""):
            return None
        found = self.scope.destination.get(plan.destination_object, str(named))
        return {**found, "id": found.get("id", str(named))} if found is not None else None

    def adopt(
        self,
        record: SourceRecord,
        existing: Mapping[str, Any],
        parents: Parents,
        line_parents: LineParents,
    ) -> RecordResult:
        """The destination already has this record: link it (and, under New and Modified,
        bring it up to date)."""
        scope, writes = self.scope, self.writes
        dry = scope.run.dry_run
        dest_id = str(existing.get("id"))
        if scope.plan.behavior == "new_only":
            result = scope.result(
                record,
                "linked",
                destination_id=dest_id,
                reason="already in the destination; tracking fields only",
            )
            if dry:
                return result
            writes.save_link(record, dest_id, {}, dict(existing))
            return self.backs.later(record, "on_link", dest_id, existing, result)
        ctx = self.payloads.context(parents, line_parents, destination=existing)
        payload = self.payloads.evaluate(record, "update", ctx)
        if isinstance(payload, tuple):
            return scope.result(record, payload[0], reason=payload[1])
        changes = changed_fields(payload, existing)
        if changes and not dry:
            written, intent = writes.write("update", record, changes, dest_id=dest_id)
            writes.settle_write(intent, written, record, dest_id, payload, dict(existing))
        elif not dry:
            writes.save_link(record, dest_id, payload, dict(existing))
        result = scope.result(
            record,
            "linked",
            destination_id=dest_id,
            changes={k: [existing.get(k), v] for k, v in changes.items()},
            reason="already in the destination",
        )
        if dry:
            return result
        # the write-back runs on the source's pool, not on this destination slot
        return self.backs.later(record, "on_link", dest_id, existing, result)

    def create(
        self, record: SourceRecord, payload: dict[str, Any], lookup: dict[str, Any]
    ) -> RecordResult:
        if self.scope.run.dry_run:
            return self.scope.result(record, "created", payload=payload)
        writes = self.writes
        sent, waiting = writes.create(record, payload, lookup)
        if waiting:  # linked and tracked once its batch is confirmed (``confirm.py``)
            return sent.result
        written = sent.written
        sent.result.warnings = writes.check_number(payload, written)
        writes.settle_write(
            sent.intent, written, record, written.id, payload, written.record, sent.external_id
        )
        return self.backs.later(record, "on_create", written.id, written.record or {}, sent.result)


__all__ = ["FirstSync"]
