"""Sync one mapping: the loop that ties its parts together, each part one job.

The parts, in the order a record meets them:
- ``selection.py``: where the run reads from, the quarantine retried first, records already
  processed or dismissed left out, the watermark moved past finished records only;
- ``decide.py`` (with ``first_sync.py``, ``update.py`` and ``payloads.py``): per record,
  invalid, held, skipped, created, linked, updated or unchanged;
- ``writes.py`` (with ``confirm.py``): every destination write recorded as an intent before
  it is sent, confirmed, and linked in the crosswalk;
- ``writeback.py``: tracking fields written back to the source on the source's own pool, after
  a create's batch is confirmed or as soon as a writer hands an update's or a link's over, so
  no destination slot waits for the source;
- ``settle.py``: a failure isolated to its record, the outcome quarantined or released and
  recorded.

Here: the quarantine retried as one batch, then the listing fed through ``flow.py``'s
pipeline, on the run's destination pool (``pools.py``: ``writers`` threads per destination).
Failures are isolated to their record and quarantined with the reason; the watermark advances
past them because the quarantine, not the watermark, brings them back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from engine.compile.plan import Plan
from engine.run.drivers.base import Driver, SourceRecord
from engine.run.state.store import StateStore
from engine.run.sync.confirm import confirm_batch, confirm_fields, finish_confirmed, take_batch
from engine.run.sync.decide import Decide
from engine.run.sync.first_sync import FirstSync
from engine.run.sync.flow import Flow
from engine.run.sync.lookup import DestinationLookup
from engine.run.sync.outcomes import MappingReport, RecordResult
from engine.run.sync.parents import Crosswalk
from engine.run.sync.payloads import Payloads
from engine.run.sync.pools import RunPools
from engine.run.sync.reader import Listing, ReadAhead
from engine.run.sync.scope import RunInfo, Scope
from engine.run.sync.selection import Selection
from engine.run.sync.settle import Settlement
from engine.run.sync.update import Update
from engine.run.sync.writeback import Owed, WriteBacks
from engine.run.sync.writes import Writes

WINDOW_PER_WORKER = 4  # records in flight per slot: bounds memory, keeps every slot fed


def writers(slots: int) -> int:
    """Threads writing to a destination of ``slots`` concurrency. Twice as many as there are
    slots: a record's turn starts with work that sends nothing (render, crosswalk reads, the
    intent committed and fsynced, which waits for the state file's other commits), and a spare
    writer does that while the slots are busy, so no slot idles between requests. Requests
    sent together end together, so every slot can free at once: one spare per slot has its
    next request ready then (with half as many spares, slots idled 2-4 % of the time). The
    driver's limiter still holds the requests in flight to the limit. With one slot the sync
    stays one record at a time, as ``concurrency: 1`` promises."""
    return slots if slots <= 1 else 2 * slots


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
        pools: RunPools,
        workers: int = 1,
        writeback_workers: int = 1,
        on_result: Callable[[RecordResult], None] | None = None,
        crosswalk: Crosswalk | None = None,
        refusals: Mapping[str, str] | None = None,
        listing: Listing | None = None,
    ) -> None:
        scope = self.scope = Scope(plan, source, destination, state, run)
        self.listing = listing  # started before the run's preflight (``run.py``), if it was
        self.report = report
        self.slots = max(1, workers)
        self.on_result = on_result or (lambda _result: None)
        crosswalk = crosswalk or Crosswalk(state)
        self.lookups = listing.lookups if listing else DestinationLookup(plan, destination, state)
        self.selection = Selection(scope, report)
        self.settlement = Settlement(scope, self.selection, crosswalk)
        fields = None if run.dry_run else confirm_fields(plan, destination)
        self.writes = Writes(scope, self.lookups, fields)
        self.pools = pools
        self.backs = WriteBacks(scope, pools.write_backs(plan.source_endpoint, writeback_workers))
        self.backing: dict[int, Future[RecordResult]] = {}  # id(result) -> its write-back
        self.backing_lock = threading.Lock()
        payloads = Payloads(scope)
        self.decide = Decide(
            scope,
            self.selection,
            crosswalk,
            refusals or {},
            payloads,
            FirstSync(scope, payloads, self.lookups, self.writes, self.backs),
            Update(scope, payloads, self.writes, self.backs),
        )

    def run(self) -> None:
        """Retry the quarantine, then feed the listing through the flow; returns once every
        record is finished (the run's pools then idle: ``pools.py``)."""
        plan, selection = self.scope.plan, self.selection
        listing = self.listing
        since = listing.since if listing else selection.since()
        pool = self.pools.writers(plan.destination_endpoint, writers(self.slots))
        retries = selection.quarantine()
        if retries:
            self.process_batch(pool, retries)
        selection.retried_all(retries)
        if listing is not None:
            ahead = listing.ahead
        else:
            pages = self.scope.source.read_changed(plan.source_object, since)
            ahead = ReadAhead(pages, selection.after_cutover, self.lookups.prefetch)
        window = WINDOW_PER_WORKER * self.slots
        Flow(self, pool, self.pools.confirmer(), window=window).run(ahead)

    def process_batch(self, pool: ThreadPoolExecutor, records: list[SourceRecord]) -> None:
        """A whole batch at once (the quarantine, retried before anything is read)."""
        fresh, repeats = self.selection.fresh(records)
        self.lookups.prefetch([r for r in fresh if r.problem is None])
        written = list(pool.map(self.process_safely, fresh))
        finished = [self.written_back(r) for r in written]
        results = [r if f is None else f for r, f in zip(written, finished, strict=True)]
        for result in self.confirm(results):
            self.report_result(result, result.source_id in repeats)

    def process_safely(self, record: SourceRecord) -> RecordResult:
        """One record decided and carried out; settled unless it waits for its batch or for
        its write-back (then settled on the write-back pool: ``written_back``)."""
        with self.scope.state.first():  # a destination slot waits on this thread
            return self._process(record)

    def _process(self, record: SourceRecord) -> RecordResult:
        settlement = self.settlement
        result = settlement.guarded(record, lambda: self.decide.process(record))
        if self.waiting(result):  # settled with its batch (``confirm_batch``)
            return result
        owed = self.backs.take(result)
        if owed is not None:  # this slot moves on while the source answers
            future = self.backs.pool.submit(self.write_back, owed)
            with self.backing_lock:
                self.backing[id(result)] = future
            return result
        return settlement.settled(record, result)

    def write_back(self, owed: Owed) -> RecordResult:
        """An update's or a link's write-back, on the write-back pool: done, then the record
        settled (a failure its outcome, as if it had happened on the writer)."""
        settlement = self.settlement
        result = settlement.guarded(owed.record, lambda: self.backs.run(owed))
        return settlement.settled(owed.record, result)

    def written_back(self, result: RecordResult) -> RecordResult | None:
        """The finished outcome of ``result``'s write-back (waited for), or None when
        ``result`` owed none."""
        future = self.writing_back(result)
        return None if future is None else future.result()

    def writing_back(self, result: RecordResult) -> Future[RecordResult] | None:
        """The write-back ``result`` waits for (taken off the list), or None."""
        with self.backing_lock:
            return self.backing.pop(id(result), None)

    def waiting(self, result: RecordResult) -> bool:
        """Whether ``result``'s write waits for its batch's confirmation."""
        return id(result) in self.writes.unconfirmed

    def confirm(self, results: list[RecordResult]) -> list[RecordResult]:
        """``results`` with the writes among them that waited confirmed and settled."""
        return confirm_batch(self.writes, self.settlement, self.backs, results)

    def confirm_later(self, results: list[RecordResult]) -> list[Future[RecordResult]]:
        """``results`` (all waiting for their batch) confirmed with one query on this thread,
        each then finished on the write-back pool: its future, in order. The confirmer does not
        wait for the write-backs, so the next batch's query need not either."""
        batch, rows = take_batch(self.writes, results)
        submit = self.backs.pool.submit
        args = (self.writes, self.settlement, self.backs)
        return [submit(finish_confirmed, *args, u, rows) for u in batch]

    def report_result(self, result: RecordResult, repeat: bool) -> None:
        if repeat and result.outcome in ("unchanged", "skipped"):
            return  # the echo of this run's own write: already counted once
        self.report.add(result)
        self.on_result(result)


__all__ = ["MappingSync", "RunInfo"]
