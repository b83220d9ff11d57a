"""A pipeline from the source listing to the destination writers, instead of page batches.

Why: with one ``pool.map`` per source page every page waits for its slowest record, and the
next page and its natural-key prefetch are read only after that. Here a reader thread reads
pages (and prefetches their lookups) ahead into a small bounded queue, records go to the
writers one by one as slots free up (at most ``window`` in flight, so memory stays bounded),
and results are reported as each record finishes, in any order.

What stays as it was:
* a record is finished only when its write is confirmed (``confirm.py``: one query per
  ``CONFIRM_BATCH`` one-request creates, or when nothing else is in flight) and its
  write-back done;
* the watermark moves past a page only when every record of that page and of the pages before
  it is finished, so a crash never skips a record (``advance_watermark``);
* a record read again while an earlier version of it is still in flight waits for that one
  (the same-run echo rule then sees it linked);
* ``run`` returns only when everything is finished, so a mapping ends before the mappings that
  require it start.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.run.drivers.base import Page, SourceRecord
from engine.run.drivers.paging import UNIDENTIFIED
from engine.run.sync import watermarks
from engine.run.sync.confirm import confirm_batch
from engine.run.sync.outcomes import RecordResult

if TYPE_CHECKING:
    from engine.run.sync.mapping_sync import MappingSync

CONFIRM_BATCH = 50
"""One-request creates confirmed per query: small enough that write-backs start while the writers
work, large enough to make the reads a fiftieth of the writes (NetSuite takes 200 ids a query)."""
PAGES_AHEAD = 2


@dataclass
class _Page:
    """A page read, and how many of its records are not finished yet."""

    records: list[SourceRecord]
    open: int = 0
    done: list[str] = field(default_factory=list)


@dataclass
class _Job:
    record: SourceRecord
    repeat: bool
    page: _Page


def _read_ahead(
    sync: MappingSync, pages: Iterator[Page], out: queue.Queue[object], stop: threading.Event
) -> None:
    """The reader thread: pages, each with its lookups prefetched, or the error that ended it."""
    try:
        for page in pages:
            if stop.is_set():
                return
            selected = [r for r in page.records if sync.after_cutover(r)]
            sync.lookups.prefetch([r for r in selected if r.problem is None])
            out.put((page.records, selected))
    except BaseException as exc:  # handed to the main thread, which raises it
        out.put(exc)
        return
    out.put(None)


def advance_watermark(sync: MappingSync, records: list[SourceRecord]) -> None:
    """Up to the finished page's newest readable record, but never past a row that came without
    an id (unless dismissed): the quarantine cannot fetch it again, only a re-read can."""
    dated = []
    for record in records:
        if record.id.startswith(UNIDENTIFIED) and record.id not in sync.dismissed:
            sync.watermark_held = True
        if sync.watermark_held:
            break
        if record.problem is None:
            dated.append(record.updated_at)
    if dated and not sync.run_info.dry_run:
        mark = watermarks.stored(max(dated), sync.run_info.started_at)
        sync.state.set_watermark(sync.plan.name, mark, sync.plan.behavior)


class Flow:
    """Feeds one mapping's changed records through ``pool`` and reports each as it finishes."""

    def __init__(self, sync: MappingSync, pool: ThreadPoolExecutor, window: int) -> None:
        self.sync = sync
        self.pool = pool
        self.window = max(1, window)
        self.writing: dict[Future[Any], _Job] = {}
        self.confirming: dict[Future[Any], list[_Job]] = {}
        self.unconfirmed: dict[int, _Job] = {}  # id(result) -> its job, awaiting its batch
        self.busy: dict[str, deque[_Job]] = {}  # source id in flight -> later versions waiting
        self.pages: deque[_Page] = deque()
        self.confirmer = ThreadPoolExecutor(1, thread_name_prefix=f"confirm:{sync.plan.name}")

    def run(self, pages: Iterator[Page]) -> None:
        ahead: queue.Queue[object] = queue.Queue(PAGES_AHEAD)
        stop = threading.Event()
        reader = threading.Thread(
            target=_read_ahead, args=(self.sync, pages, ahead, stop), daemon=True, name="read"
        )
        reader.start()
        try:
            while (item := ahead.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, tuple)
                self.feed(*item)
            self.drain()
        finally:
            stop.set()
            self.confirmer.shutdown(wait=True)
            while reader.is_alive():  # let a reader blocked on a full queue finish
                with contextlib.suppress(queue.Empty):
                    ahead.get(timeout=0.1)

    def feed(self, records: list[SourceRecord], selected: list[SourceRecord]) -> None:
        page = _Page(records)
        self.pages.append(page)
        fresh, repeats = self.sync.fresh(selected)
        for record in fresh:
            job = _Job(record, record.id in repeats, page)
            page.open += 1
            if record.id in self.busy:
                self.busy[record.id].append(job)  # after the version in flight
                continue
            self.busy[record.id] = deque()
            while len(self.writing) >= self.window:
                self.collect()
            self.writing[self.pool.submit(self.sync.process_safely, record)] = job
        self.advance()

    def drain(self) -> None:
        while self.writing or self.confirming or self.unconfirmed:
            if not self.writing and self.unconfirmed:
                self.confirm()
            self.collect()
        self.advance()

    def collect(self) -> None:
        """Wait for any write or confirmation to finish and take in what finished."""
        done, _ = wait([*self.writing, *self.confirming], return_when=FIRST_COMPLETED)
        for future in done:
            if future in self.writing:
                job = self.writing.pop(future)
                result = future.result()
                if id(result) in self.sync.unconfirmed:
                    self.unconfirmed[id(result)] = job
                else:
                    self.finish(job, result)
            else:
                jobs = self.confirming.pop(future)
                for job, result in zip(jobs, future.result(), strict=True):
                    self.finish(job, result)
        if len(self.unconfirmed) >= CONFIRM_BATCH or (not self.writing and self.unconfirmed):
            self.confirm()
        self.advance()

    def confirm(self) -> None:
        """Hand the writes awaiting confirmation to the confirmer, as one batch."""
        batch, self.unconfirmed = self.unconfirmed, {}
        jobs = list(batch.values())
        results = [self.sync.unconfirmed[key].result for key in batch]
        self.confirming[self.confirmer.submit(confirm_batch, self.sync, results)] = jobs

    def finish(self, job: _Job, result: RecordResult) -> None:
        self.sync.report_result(result, job.repeat)
        job.page.open -= 1
        waiting = self.busy.get(job.record.id)
        if waiting:  # a later version of this record, read meanwhile: now its turn
            later = waiting.popleft()
            self.writing[self.pool.submit(self.sync.process_safely, later.record)] = later
        else:
            self.busy.pop(job.record.id, None)

    def advance(self) -> None:
        """Move the watermark past the leading pages whose records are all finished."""
        while self.pages and self.pages[0].open == 0:
            advance_watermark(self.sync, self.pages.popleft().records)


__all__ = ["CONFIRM_BATCH", "Flow"]
