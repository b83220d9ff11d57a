"""Sync one mapping: select changed records, decide per record, write once, record the outcome.

Per record, in order:
1. Parents (``requires:``) must already be synced, or the record is *held* (quarantined and
   retried on later runs, never dropped).
2. The crosswalk says whether the record was synced before. A first sync looks the destination
   up by the spec's natural keys (``identity.match``) before creating, so a record that already
   exists is *linked*, never duplicated.
3. The plan renders the create or update payload; an update sends only the fields whose values
   changed since the last write, and nothing when none did (*unchanged*).
4. Every remote write is recorded as an intent (committed) before it is sent, with a
   deterministic identity: NetSuite upserts by ``externalId``; Zuora creates carry an
   ``Idempotency-Key`` of the mapping, source id and body (``keys.py``). After a crash, unfinished
   intents are reconciled with the destination before anything is resent (``reconcile.py``).
5. Tracking fields are written back to the source (Integration ID, status, sync date); the
   echo of that write is recognised on the next run (the rendered payload is unchanged).

Failures are isolated to their record and quarantined with the reason; the watermark advances
past them because the quarantine, not the watermark, brings them back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.compile.explaining import search
from engine.compile.plan import Context, Plan
from engine.compile.runner import external_id, natural_key, offline_context, source_value
from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    DriverError,
    EndpointPausedError,
    PermanentError,
    RenderError,
    SyncError,
    TransformError,
)
from engine.run.drivers.base import Driver, SourceRecord, WriteResult
from engine.run.state.store import Link, StateStore, utc_now
from engine.run.sync import retry, watermarks
from engine.run.sync.compare import changed_fields, covers, projected
from engine.run.sync.confirm import Unconfirmed, confirm_batch, confirm_fields
from engine.run.sync.flow import Flow
from engine.run.sync.keys import idempotency_key, payload_hash
from engine.run.sync.lengths import check_lengths
from engine.run.sync.lookup import DestinationLookup
from engine.run.sync.outcomes import MappingReport, RecordResult
from engine.run.sync.parents import Crosswalk, find_parents
from engine.run.sync.readback import confirm_external_id, replaced_number
from engine.run.sync.tracking import writeback_owed
from engine.run.sync.watermarks import iso, parse_time
from engine.run.sync.writeback import write_back

WINDOW_PER_WORKER = 4  # records in flight per writer: bounds memory, keeps every slot fed


@dataclass(frozen=True)
class RunInfo:
    """What guards and templates see as ``run``; ``dry_run`` means read, never write."""

    id: int | None
    started_at: str
    dry_run: bool = False

    def as_context(self) -> dict[str, Any]:
        return {"id": self.id, "started_at": self.started_at}


class MappingSync:
    """Runs one plan from its source to its destination (or, dry, says what it would do)."""

    def __init__(
        self,
        plan: Plan,
        source: Driver,
        destination: Driver,
        state: StateStore,
        run: RunInfo,
        report: MappingReport,
        *,
        workers: int = 1,
        writeback_workers: int = 1,
        on_result: Callable[[RecordResult], None] | None = None,
        crosswalk: Crosswalk | None = None,
        refusals: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.source = source
        self.destination = destination
        self.state = state
        self.run_info = run
        self.report = report
        self.workers = max(1, workers)
        self.writeback_workers = max(1, writeback_workers)
        self.on_result = on_result or (lambda _result: None)
        self.crosswalk = crosswalk or Crosswalk(state)
        self.refusals = refusals or {}  # source id -> why it may not be written (unique.py)
        self.seen: dict[str, datetime] = {}
        self.lookups = DestinationLookup(plan, destination, state)
        self.in_quarantine: set[str] = set()
        self.held_before: dict[str, tuple[str, str]] = {}  # open quarantine: (outcome, reason)
        self.retried: set[str] = set()
        self.dismissed: dict[str, str | None] = {}
        self.watermark_held = False  # a row without an id was read: stop advancing
        self.number_field = destination.capabilities.number_fields.get(plan.destination_object)
        # creates written with one request, confirmed in batches (confirm.py); None: read back
        self.confirm_fields = None if run.dry_run else confirm_fields(plan, destination)
        self.unconfirmed: dict[int, Unconfirmed] = {}  # id(result) -> the write to confirm
        self.unconfirmed_lock = threading.Lock()

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        info = self.run_info
        since = watermarks.starting(
            self.plan, self.state, info.started_at, self.report, dry_run=info.dry_run
        )
        name = self.plan.name
        with (
            ThreadPoolExecutor(self.workers, thread_name_prefix=f"sync:{name}") as pool,
            ThreadPoolExecutor(self.writeback_workers, thread_name_prefix=f"back:{name}") as back,
        ):
            self.writebacks = back
            quarantine = retry.load(
                self.plan, self.source, self.state, self.report, info.dry_run, self.after_cutover
            )
            self.in_quarantine = quarantine.ids
            self.held_before, self.dismissed = quarantine.held_before, quarantine.dismissed
            retries = quarantine.records
            if retries:
                self.process_batch(pool, retries)
            self.retried = {r.id for r in retries}
            pages = self.source.read_changed(self.plan.source_object, since)
            Flow(self, pool, window=WINDOW_PER_WORKER * self.workers).run(pages)

    def process_batch(self, pool: ThreadPoolExecutor, records: list[SourceRecord]) -> None:
        """A whole batch at once (the quarantine, retried before anything is read)."""
        fresh, repeats = self.fresh(records)
        self.lookups.prefetch([r for r in fresh if r.problem is None])
        for result in confirm_batch(self, list(pool.map(self.process_safely, fresh))):
            self.report_result(result, result.source_id in repeats)

    def fresh(self, records: list[SourceRecord]) -> tuple[list[SourceRecord], set[str]]:
        """The records to process, and the ids among them already processed in this run."""
        # A record read again in the same run with a newer version (changed meanwhile, by
        # someone else or by our own write-back) is processed again: skipping it by id would
        # let the watermark pass a change that was never synced.
        started = parse_time(self.run_info.started_at)
        fresh = [
            r
            for r in records
            if self.seen.get(r.id) != r.updated_at
            # retried from the quarantine at the start of this run; read again only if changed
            and not (r.id in self.retried and started is not None and r.updated_at < started)
            # dismissed by an operator: left alone until the record changes
            and not (r.id in self.dismissed and self.dismissed[r.id] == iso(r.updated_at))
        ]
        repeats = {r.id for r in fresh if r.id in self.seen}
        self.seen.update((r.id, r.updated_at) for r in fresh)
        return fresh, repeats

    def report_result(self, result: RecordResult, repeat: bool) -> None:
        if repeat and result.outcome in ("unchanged", "skipped"):
            return  # the echo of this run's own write: already counted once
        self.report.add(result)
        self.on_result(result)

    def after_cutover(self, record: SourceRecord) -> bool:
        cutover = self.plan.cutover
        if cutover is None or cutover.on is None or cutover.date.parsed is None:
            return True
        value = search(cutover.date.parsed, record.data)
        return value is None or str(value)[:10] >= cutover.on

    # --- one record ----------------------------------------------------------------------------

    def process_safely(self, record: SourceRecord) -> RecordResult:
        result = self.guarded(record, lambda: self.process(record))
        if id(result) in self.unconfirmed:  # settled with its batch (``confirm_batch``)
            return result
        return self.settled(record, result)

    def settled(self, record: SourceRecord, result: RecordResult) -> RecordResult:
        previous = self.held_before.get(record.id)
        result.again = previous == (result.outcome, result.reason or result.outcome)
        self.settle(record, result)
        return result

    def guarded(self, record: SourceRecord, step: Callable[[], RecordResult]) -> RecordResult:
        """One record's step; its failure becomes its outcome, not the run's (except an
        endpoint that refuses everything)."""
        try:
            result = step()
        except RenderError as exc:
            result = self.result(record, "invalid", reason=str(exc))
        except (AuthError, EndpointPausedError):  # the endpoint refuses all: stop the run
            raise
        except AmbiguousWriteError as exc:
            result = self.result(record, "failed", reason=f"outcome unknown after retries: {exc}")
        except PermanentError as exc:
            reason = str(exc) + "".join(f"\n  {d}" for d in exc.details)
            result = self.result(record, "rejected", reason=reason)
        except DriverError as exc:
            result = self.result(record, "failed", reason=str(exc))
        except (TransformError, SyncError) as exc:  # a tracking value, an ambiguous match
            result = self.result(record, "invalid", reason=str(exc))
        return result

    def result(self, record: SourceRecord, outcome: str, **kw: Any) -> RecordResult:
        return RecordResult(self.plan.name, record.id, outcome, **kw)

    def settle(self, record: SourceRecord, result: RecordResult) -> None:
        if self.run_info.dry_run:
            if result.outcome in ("created", "linked"):
                self.crosswalk.plan(self.plan.name, record.id, result.destination_id)
            return
        with self.state.transaction():
            self.record_settlement(record, result)

    def record_settlement(self, record: SourceRecord, result: RecordResult) -> None:
        if result.outcome in ("held", "invalid", "rejected", "failed"):
            self.state.quarantine(
                self.plan.name,
                record.id,
                result.outcome,
                result.reason or result.outcome,
                detail={**result.as_json(), "version": iso(record.updated_at)},
            )
        elif record.id in self.in_quarantine:
            self.state.release(self.plan.name, record.id)
        if self.run_info.id is not None:
            self.state.record_outcome(
                self.run_info.id,
                self.plan.name,
                record.id,
                result.outcome,
                result.destination_id,
                result.as_json(),
            )

    def process(self, record: SourceRecord) -> RecordResult:
        if record.problem is not None:  # the driver could not read the row
            return self.result(record, "invalid", reason=record.problem)
        refusal = self.refusals.get(record.id)
        if refusal is not None:
            return self.result(record, "invalid", reason=refusal)
        parents, line_parents, missing = find_parents(self.crosswalk, self.plan, record.data)
        if missing:
            refused = self.refused_by_guard(record)
            if refused is not None:
                return refused
            return self.result(
                record, "held", reason="waiting for parent record(s) to sync: " + ", ".join(missing)
            )
        link = self.state.link(self.plan.name, record.id)
        if link is not None and link.destination_id is not None:
            return self.existing(record, link, parents, line_parents)
        others = tuple(m for m in self.plan.one_of if m != self.plan.name)
        owner = self.crosswalk.find(self.plan, others, record.id)
        if owner is not None:
            return self.result(
                record,
                "skipped",
                destination_id=owner[0],
                reason=f"already synced by {owner[1]}, which keeps it",
            )
        return self.first_sync(record, parents, line_parents)

    def refused_by_guard(self, record: SourceRecord) -> RecordResult | None:
        """A record whose own guards skip or hold it is reported for that reason, not as
        waiting for parents (an account that never syncs would otherwise hold it forever)."""
        ctx = offline_context(self.plan, record.data)
        try:
            outcome = self.plan.evaluate(record.data, context=ctx)
        except RenderError:
            return None
        self.numbers_unused()  # only the guards' verdict was wanted
        if outcome.action == "render":
            return None
        verdict = "held" if outcome.action == "hold" else "skipped"
        return self.result(record, verdict, reason=f"guard '{outcome.guard}': {outcome.reason}")

    def context(
        self,
        parents: Mapping[str, Any],
        line_parents: tuple[Mapping[str, Any], ...] | None,
        destination: Mapping[str, Any] | None = None,
    ) -> Context:
        return Context(
            destination=destination,
            run=self.run_info.as_context(),
            parents=parents,
            line_parents=line_parents,
        )

    # --- first sync: find, then create or link -------------------------------------------------

    def evaluate(
        self, record: SourceRecord, mode: str, ctx: Context
    ) -> dict[str, Any] | tuple[str, str]:
        """The payload, or (outcome, reason) when a record guard skips or holds the record."""
        outcome = self.plan.evaluate(record.data, mode=mode, context=ctx)  # type: ignore[arg-type]
        if outcome.action != "render":
            verdict = "held" if outcome.action == "hold" else "skipped"
            return verdict, f"guard '{outcome.guard}': {outcome.reason}"
        payload = outcome.payload or {}
        external = self.external_id(record) if mode == "create" else None
        obj = self.plan.destination_object
        check_lengths(self.destination, obj, record.id, payload, external, self.numbers_unused)
        return payload

    def external_id(self, record: SourceRecord) -> str | None:
        return external_id(self.plan, record.data)

    def find_existing(self, lookup: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.lookups.find(lookup)

    def first_sync(
        self,
        record: SourceRecord,
        parents: dict[str, Any],
        line_parents: tuple[dict[str, Any], ...] | None,
    ) -> RecordResult:
        payload = self.evaluate(record, "create", self.context(parents, line_parents))
        if isinstance(payload, tuple):
            return self.result(record, payload[0], reason=payload[1])
        lookup = natural_key(self.plan, record.data)
        named = self.named_destination(record)
        try:
            existing = named if named is not None else self.find_existing(lookup)
        except SyncError as exc:
            self.numbers_unused()
            return self.result(record, "rejected", reason=str(exc))
        if existing is not None:
            self.numbers_unused()
            return self.adopt(record, existing, parents, line_parents)
        return self.create(record, payload, lookup)

    def numbers_unused(self) -> None:
        """The create payload just rendered will not be sent: give back the sequence numbers it
        took, so engine-side numbering has no gaps for records that were linked or refused."""
        if self.plan.sequences is not None:
            self.plan.sequences.give_back_record()

    def named_destination(self, record: SourceRecord) -> Mapping[str, Any] | None:
        """The destination record the source names itself (``identity.linked_by``), if it
        exists: how consultants link existing data before a first run."""
        if self.plan.linked_by is None:
            return None
        named = source_value(self.plan, self.plan.linked_by, record.data)
        if named in (None, ""):
            return None
        found = self.destination.get(self.plan.destination_object, str(named))
        return {**found, "id": found.get("id", str(named))} if found is not None else None

    def adopt(
        self,
        record: SourceRecord,
        existing: Mapping[str, Any],
        parents: dict[str, Any],
        line_parents: tuple[dict[str, Any], ...] | None,
    ) -> RecordResult:
        """The destination already has this record: link it (and, under New and Modified,
        bring it up to date)."""
        dest_id = str(existing.get("id"))
        if self.plan.behavior == "new_only":
            if not self.run_info.dry_run:
                self.save_link(record, dest_id, {}, dict(existing))
                self.track(record, "on_link", dest_id, existing)
            return self.result(
                record,
                "linked",
                destination_id=dest_id,
                reason="already in the destination; tracking fields only",
            )
        ctx = self.context(parents, line_parents, destination=existing)
        payload = self.evaluate(record, "update", ctx)
        if isinstance(payload, tuple):
            return self.result(record, payload[0], reason=payload[1])
        changes = changed_fields(payload, existing)
        if changes and not self.run_info.dry_run:
            written, intent = self.write("update", record, changes, dest_id=dest_id)
            self.settle_write(intent, written, record, dest_id, payload, dict(existing))
        elif not self.run_info.dry_run:
            self.save_link(record, dest_id, payload, dict(existing))
        if not self.run_info.dry_run:
            self.track(record, "on_link", dest_id, existing)
        return self.result(
            record,
            "linked",
            destination_id=dest_id,
            changes={k: [existing.get(k), v] for k, v in changes.items()},
            reason="already in the destination",
        )

    def create(
        self, record: SourceRecord, payload: dict[str, Any], lookup: dict[str, Any]
    ) -> RecordResult:
        if self.run_info.dry_run:
            return self.result(record, "created", payload=payload)
        external = self.external_id(record)
        upsert = bool(external) and self.destination.capabilities.upsert_external_id
        operation = "upsert" if upsert else "create"
        written, intent = self.write(
            operation, record, payload, external_id=external, lookup=lookup
        )
        result = self.result(record, "created", destination_id=written.id)
        if operation == "upsert" and written.record is None and self.confirm_fields is not None:
            # one request so far: linked once its batch confirms it (``confirm_batch``)
            pending = Unconfirmed(record, payload, written, intent, str(external), result)
            with self.unconfirmed_lock:
                self.unconfirmed[id(result)] = pending
            return result
        result.warnings = self.check_number(payload, written)
        self.settle_write(intent, written, record, written.id, payload, written.record, external)
        self.track(record, "on_create", written.id, written.record or {})
        return result

    def check_number(self, payload: Mapping[str, Any], written: WriteResult) -> list[str]:
        return replaced_number(self.number_field, payload, written)

    # --- records synced before -----------------------------------------------------------------

    def existing(
        self,
        record: SourceRecord,
        link: Link,
        parents: dict[str, Any],
        line_parents: tuple[dict[str, Any], ...] | None,
    ) -> RecordResult:
        dest_id = str(link.destination_id)
        owed = writeback_owed(self.state, link, record.id in self.in_quarantine)
        if owed and self.plan.tracking.get("on_create") and not self.run_info.dry_run:
            current = self.destination.get(self.plan.destination_object, dest_id)
            self.track(record, "on_create", dest_id, current or link.assigned or {})
            link = self.state.link(self.plan.name, record.id) or link  # now tracked: keep it
        if self.plan.behavior == "new_only":
            return self.result(
                record,
                "unchanged",
                destination_id=dest_id,
                reason="sync behavior new_only: not updated after creation",
            )
        destination = None
        if self.plan.reads_destination:
            destination = self.destination.get(self.plan.destination_object, dest_id)
        ctx = self.context(parents, line_parents, destination)
        payload = self.evaluate(record, "update", ctx)
        if isinstance(payload, tuple):
            return self.result(record, payload[0], destination_id=dest_id, reason=payload[1])
        if not changed_fields(payload, link.payload):
            return self.result(record, "unchanged", destination_id=dest_id)
        # The master changed: bring the destination in line with every mapped field, which also
        # overwrites values edited in the destination meanwhile (as the connector does), and
        # send only the fields whose values differ there.
        if destination is None:
            destination = self.destination.get(self.plan.destination_object, dest_id)
        if destination is None:
            return self.result(
                record,
                "rejected",
                destination_id=dest_id,
                reason="the destination record no longer exists; clear its link "
                "(ferry quarantine) to create it again",
            )
        before = dict(destination)
        changes = {k: v for k, v in payload.items() if not covers(before.get(k), v)}
        if not changes:
            self.save_link(
                record,
                dest_id,
                {**(link.payload or {}), **payload},
                link.assigned,
                link.external_id,
                tracked=link.tracked_at,
            )
            return self.result(record, "unchanged", destination_id=dest_id)
        shown = {k: [projected(before.get(k), v), v] for k, v in changes.items()}
        if self.run_info.dry_run:
            return self.result(record, "updated", destination_id=dest_id, changes=shown)
        written, intent = self.write("update", record, changes, dest_id=dest_id)
        merged = {**(link.payload or {}), **payload}
        self.settle_write(
            intent,
            written,
            record,
            dest_id,
            merged,
            link.assigned,
            link.external_id,
            tracked=link.tracked_at,
        )
        if self.plan.tracking.get("on_update"):
            self.track(record, "on_update", dest_id, written.record or merged)
        return self.result(record, "updated", destination_id=dest_id, changes=shown)

    # --- writes and state ----------------------------------------------------------------------

    def write(
        self,
        operation: str,
        record: SourceRecord,
        payload: dict[str, Any],
        *,
        dest_id: str | None = None,
        external_id: str | None = None,
        lookup: dict[str, Any] | None = None,
    ) -> tuple[WriteResult, int]:
        """Record the intent (committed before the call) and send the write. A failure marks
        the intent; a success leaves it open for ``settle_write`` to close with the link."""
        assert self.run_info.id is not None
        key = idempotency_key(self.plan.name, record.id, operation, payload)
        intent = self.state.begin_intent(
            self.run_info.id,
            self.plan.name,
            record.id,
            operation,
            key,
            external_id,
            payload,
            lookup,
        )
        obj = self.plan.destination_object
        try:
            if operation == "upsert":
                quick = self.confirm_fields is not None  # confirmed in batches instead
                result = self.destination.upsert(
                    obj, str(external_id), payload, read_back=not quick
                )
                confirm_external_id(result, external_id, obj, endpoint=self.destination.name)
            elif operation == "create":
                result = self.destination.create(obj, payload, idempotency_key=key)
            else:
                result = self.destination.update(obj, str(dest_id), payload)
        except AmbiguousWriteError:
            found = self.find_existing(lookup or {}) if operation != "update" else None
            if found is None:
                self.state.finish_intent(intent, "unknown")
                raise
            result = WriteResult(str(found.get("id")), True, dict(found))
        except DriverError as exc:
            self.state.finish_intent(intent, "failed", {"error": str(exc)})
            raise
        return result, intent

    def settle_write(self, intent: int, result: WriteResult, *link: Any, **kw: Any) -> None:
        """Close a successful write's intent and save the link, in one transaction."""
        with self.state.transaction():
            self.state.finish_intent(intent, "done", {"id": result.id})
            self.save_link(*link, **kw)

    def save_link(
        self,
        record: SourceRecord,
        dest_id: str,
        payload: dict[str, Any],
        readback: Mapping[str, Any] | None,
        external_id: str | None = None,
        tracked: str | None = None,
    ) -> None:
        assigned = None
        if readback and self.plan.destination_assigned:
            assigned = {f: readback.get(f) for f in self.plan.destination_assigned}
        self.state.save_link(
            Link(
                self.plan.name,
                record.id,
                self.plan.source_endpoint,
                self.plan.destination_endpoint,
                dest_id,
                external_id,
                payload_hash(payload),
                payload,
                assigned,
                None,
                tracked,
                utc_now(),
                self.plan.name,
                self.plan.version,
            )
        )

    def track(
        self, record: SourceRecord, phase: str, dest_id: str, destination: Mapping[str, Any]
    ) -> None:
        """Write the tracking fields back to the source record (``writeback.py``)."""
        write_back(self, record, phase, dest_id, destination)
