"""A pipeline from the source listing to the destination writers, instead of page batches.

Why: with one ``pool.map`` per source page every page waits for its slowest record, and the
next page and its natural-key prefetch are read only after that. Here a reader thread reads
pages (and prefetches their lookups) ahead into a small bounded queue (``reader.py``, the
lookups of several pages in one query), records go to the writers one by one as slots free up
(at most ``window`` in flight, so memory stays bounded), and results are reported as each
record finishes, in any order. The confirmer only queries (at most two in flight,
``confirm_due``); the creates a query confirms are linked and written back on the write-back
pool, so the next batch's query never waits for the last batch's write-backs. An update's or a
link's write-back goes to the same pool as soon as its destination write is settled, so the
writer's slot takes the next record while the source answers.

What stays as it was:
* a record is finished only when its write is confirmed (``confirm.py``: one query per
  ``CONFIRM_BATCH`` one-request creates, or when nothing else is in flight) and its
  write-back done (at most ``window`` write-backs waited for, as for writes);
* the watermark moves past a page only when every record of that page and of the pages before
  it is finished, so a crash never skips a record (``Selection.advance_watermark``);
* a record read again while an earlier version of it is still in flight waits for that one
  (the same-run echo rule then sees it linked);
* ``run`` returns only when everything is finished, so a mapping ends before the mappings that
  require it start.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

import msgspec

from engine.run.drivers.base import SourceRecord
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.reader import ReadAhead

if TYPE_CHECKING:
    from engine.run.sync.mapping_sync import MappingSync

_PAGE: Future[Any] = Future()
"""Put on ``Flow.done`` when the reader queues a page: never a future the flow waits for."""
CONFIRM_BATCH = 100
"""One-request creates confirmed per query while records are still being read: large enough to
make the reads a hundredth of the writes (each query takes a NetSuite slot from a write; the
driver asks for 200 ids a query), small enough that write-backs start while the writers work
and a batch's settling does not hold the state file long."""
TAIL_CONFIRMS = 2
"""Queries added, at most, near the run's end: once every record read is handed to the writers
(``fed_out``) and when the writes in flight no longer fill the slots (``confirm_due``). The
run's last query then confirms only the last writes, so little settling and few write-backs
follow the last write."""


class _Page(msgspec.Struct):
    """A page read, and how many of its records are not finished yet."""

    records: list[SourceRecord]
    open: int = 0
    done: list[str] = msgspec.field(default_factory=list)


class _Job(msgspec.Struct):
    record: SourceRecord
    repeat: bool
    page: _Page


class _Batch(msgspec.Struct):
    """A confirmed batch: each create's job and the future of its link and write-back, and
    how many of those futures have not been taken in yet."""

    items: list[tuple[_Job, Future[Any]]]
    open: int


class Flow:
    """Feeds one mapping's changed records through ``pool`` and reports each as it finishes."""

    def __init__(
        self,
        sync: MappingSync,
        pool: ThreadPoolExecutor,
        confirmer: ThreadPoolExecutor,
        window: int,
    ) -> None:
        self.sync = sync
        self.pool = pool
        self.window = max(1, window)
        self.writing: dict[Future[Any], _Job] = {}
        self.confirming: dict[Future[Any], list[_Job]] = {}  # a batch's query
        # confirmed batches: each create's link and write-back, finished in the batch's order
        self.finishing: list[_Batch] = []
        self.linking: dict[Future[Any], _Batch] = {}  # a create's link and write-back
        # every future above, as it finishes (its done-callback): collect takes them from
        # here, instead of waiting on all of them at once (each wait took and released a lock
        # per future, hundreds per record, on the thread that feeds the writers)
        self.done: SimpleQueue[Future[Any]] = SimpleQueue()
        self.unconfirmed: dict[int, _Job] = {}  # id(result) -> its job, awaiting its batch
        self.backing: dict[Future[Any], _Job] = {}  # an update's or link's write-back
        self.busy: dict[str, deque[_Job]] = {}  # source id in flight -> later versions waiting
        self.pages: deque[_Page] = deque()
        self.tail_confirms = 0  # queries made before a batch filled (TAIL_CONFIRMS)
        self.fed = False  # every record read so far handed to the writers (``fed_out``)
        # two queries at most in flight (``confirm_due`` starts one only when none is, but for
        # a full batch or the last one, which then never waits behind another); the creates
        # a query confirms finish on the write-back pool. The pools are the run's
        # (``pools.py``): this flow leaves them idle when it returns
        self.confirmer = confirmer

    def run(self, ahead: ReadAhead) -> None:
        try:
            # wait for a page and for writes finishing at once: a flow that waited on the
            # reader alone left finished writes untaken (and the last ones unconfirmed) while
            # the reader read the run's own echoes, up to a second after the last write
            ahead.wake_on(lambda: self.done.put(_PAGE))
            while not ahead.ended:
                page = ahead.poll()
                if page is not None:
                    self.feed(*page)
                elif not ahead.ended:
                    self.collect()  # until a page is queued or something finishes
            self.fed_out()  # the listing's end
            self.drain()
        finally:  # work still in flight after an error is waited for by the run's pools
            ahead.stop()
            ahead.close()

    def feed(self, records: list[SourceRecord], selected: list[SourceRecord]) -> None:
        page = _Page(records)
        self.pages.append(page)
        fresh, repeats = self.sync.selection.fresh(selected)
        for record in fresh:
            job = _Job(record, record.id in repeats, page)
            page.open += 1
            if record.id in self.busy:
                self.busy[record.id].append(job)  # after the version in flight
                continue
            self.busy[record.id] = deque()
            while len(self.writing) >= self.window or len(self.backing) >= self.window:
                self.collect()
            self.writing[self.watch(self.pool.submit(self.sync.process_safely, record))] = job
        if selected and not fresh:  # a page of records already synced: the echoes' pages
            self.fed_out()
        self.advance()

    def fed_out(self) -> None:
        """Every record read so far is written or being written: the listing ended, or it
        reached the pages of the run's own echoes (re-dated by its write-backs, read last and
        left to the next run). Confirm what is written once, now, a few round trips before
        the last write, so its write-backs (Zuora takes 40 at a time) are done by then; counted
        among the ``TAIL_CONFIRMS``."""
        if self.unconfirmed and not self.fed and self.tail_confirms < TAIL_CONFIRMS:
            self.confirm()
        self.fed = True

    def drain(self) -> None:
        while self.writing or self.confirming or self.finishing or self.unconfirmed or self.backing:
            if self.confirm_due():
                self.confirm()
            self.collect()
        self.advance()

    def watch(self, future: Future[Any]) -> Future[Any]:
        """``future``, reported to ``done`` once it finishes (at once if it has)."""
        future.add_done_callback(self.done.put)
        return future

    def collect(self) -> None:
        """Wait for any write, query or confirmed batch to finish (or a page to be queued)
        and take in what finished."""
        if not self.finish_batches():
            self.take(self.done.get())
            while True:  # and whatever else finished meanwhile
                try:
                    self.take(self.done.get_nowait())
                except Empty:
                    break
            self.finish_batches()
        if self.confirm_due():
            self.confirm()
        self.advance()

    def take(self, future: Future[Any]) -> None:
        """Take in one finished future: a write, a write-back, a query or a create's link
        (``_PAGE`` is none of them: a page is queued, ``run`` takes it)."""
        if future in self.writing:
            job = self.writing.pop(future)
            result = future.result()
            back = self.sync.writing_back(result)
            if self.sync.waiting(result):
                self.unconfirmed[id(result)] = job
            elif back is not None:  # finished once its write-back is done
                self.backing[self.watch(back)] = job
            else:
                self.finish(job, result)
        elif future in self.backing:
            self.finish(self.backing.pop(future), future.result())
        elif future in self.confirming:
            jobs = self.confirming.pop(future)
            links = future.result()
            batch = _Batch(list(zip(jobs, links, strict=True)), len(links))
            self.finishing.append(batch)
            for link in links:
                self.linking[self.watch(link)] = batch
        elif future in self.linking:
            self.linking.pop(future).open -= 1

    def finish_batches(self) -> bool:
        """Finish, in order, the records of every confirmed batch whose creates are all linked
        and written back; whether there was one."""
        ready = [batch for batch in self.finishing if batch.open == 0]
        for batch in ready:
            self.finishing.remove(batch)
            for job, future in batch.items:
                self.finish(job, future.result())
        return bool(ready)

    def confirm_due(self) -> bool:
        """A batch is due when it is full or when nothing is being written (a partial batch
        would otherwise wait for writes that are not coming). Also, one query at a time and
        ``TAIL_CONFIRMS`` times at most, when the destination writes in flight no longer fill
        the slots: the records read so far are nearly all written (the run's end, or a reader
        behind), so the settling and write-backs of what is written overlap the last writes
        instead of following the last one."""
        if not self.unconfirmed:
            return False
        if len(self.unconfirmed) >= CONFIRM_BATCH or not self.writing:
            return True
        if self.confirming or self.tail_confirms >= TAIL_CONFIRMS:
            return False
        return self.sync.writes.sending < self.sync.slots

    def confirm(self) -> None:
        """Hand the writes awaiting confirmation to the confirmer, as one batch."""
        if self.writing and len(self.unconfirmed) < CONFIRM_BATCH:  # neither full nor last
            self.tail_confirms += 1
        batch, self.unconfirmed = self.unconfirmed, {}
        jobs = list(batch.values())
        results = [self.sync.writes.unconfirmed[key].result for key in batch]
        self.confirming[self.watch(self.confirmer.submit(self.sync.confirm_later, results))] = jobs

    def finish(self, job: _Job, result: RecordResult) -> None:
        self.sync.report_result(result, job.repeat)
        job.page.open -= 1
        waiting = self.busy.get(job.record.id)
        if waiting:  # a later version of this record, read meanwhile: now its turn
            later = waiting.popleft()
            self.writing[self.watch(self.pool.submit(self.sync.process_safely, later.record))] = (
                later
            )
        else:
            self.busy.pop(job.record.id, None)

    def advance(self) -> None:
        """Move the watermark past the leading pages whose records are all finished."""
        while self.pages and self.pages[0].open == 0:
            self.sync.selection.advance_watermark(self.pages.popleft().records)


__all__ = ["CONFIRM_BATCH", "TAIL_CONFIRMS", "Flow"]
