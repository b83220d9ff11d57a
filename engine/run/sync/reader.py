"""A mapping's changed records read ahead on a thread of their own, the pages' lookups
prefetched in batches, a bounded number of pages ahead of the writers.

Why its own module: reading is the start of a run's critical path (a page, then its natural-key
lookups, then the first write), and it needs nothing the writers decide. So it can start before
the writers do: for a write run's first mapping, while the run's preflight checks the
credentials (``run.py``), which otherwise sit in front of it; for a plan, every mapping's at
once (nothing is written, so no mapping's reads wait for another's writes). Reading early
writes nothing; a run that then stops (credentials refused) closes the readers and discards
what they read.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import msgspec

from engine.compile.plan import Plan
from engine.run.drivers.base import Driver, Page, SourceRecord
from engine.run.state.store import StateStore
from engine.run.sync import watermarks
from engine.run.sync.lookup import DestinationLookup
from engine.run.sync.outcomes import MappingReport
from engine.run.sync.selection import after_cutover
from engine.run.sync.shared_reads import SharedReads, read_changed

PAGES_AHEAD = 10
"""Pages read ahead of the writers (500 records at Zuora's 50 a page): deep enough that the
reader is at the listing's end while the writers still work. Pages grow at the end as the run's
own write-backs re-date accounts (the next run reads those anyway, ``watermarks.OVERLAP``);
with two pages ahead they were all read after the last write, one round trip each, a tail of
seconds on a thousand accounts."""
PREFETCH_BATCH = 200
"""Records whose lookups are prefetched together (one SuiteQL query: the driver asks for 200
values a query). The reader holds the pages it reads until they make a batch, unless the
writers have nothing queued: then a page goes at once (the first page always does), so
batching never starves a writer. A query per page of 50 cost a NetSuite slot every 50 writes."""
Item = tuple[list[SourceRecord], list[SourceRecord]]  # a page's records, those after the cutover


class ReadAhead:
    """Pages read on a reader thread into a queue ``PAGES_AHEAD`` deep; iterate to take them
    (an error that ended the reading is raised there), ``close`` to stop."""

    def __init__(
        self,
        pages: Iterator[Page],
        select: Callable[[SourceRecord], bool],
        prefetch: Callable[[list[SourceRecord]], None],
    ) -> None:
        self._queue: queue.Queue[object] = queue.Queue(PAGES_AHEAD)
        self._stop = threading.Event()
        self._waker: Callable[[], None] | None = None
        self.ended = False  # ``poll`` took the end of the listing
        self._thread = threading.Thread(
            target=self._read, args=(pages, select, prefetch), daemon=True, name="read"
        )
        self._thread.start()

    def _read(
        self,
        pages: Iterator[Page],
        select: Callable[[SourceRecord], bool],
        prefetch: Callable[[list[SourceRecord]], None],
    ) -> None:
        """The reader thread: pages, each with its lookups prefetched, or the error that ended
        it, then None."""
        held: list[Item] = []  # pages read, their lookups not prefetched yet
        try:
            for page in pages:
                if self._stop.is_set():
                    return
                held.append((page.records, [r for r in page.records if select(r)]))
                if self._queue.empty() or sum(len(s) for _, s in held) >= PREFETCH_BATCH:
                    self._hand_over(held, prefetch)
                    held = []
            self._hand_over(held, prefetch)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)
            return
        self._put(None)

    def _put(self, item: object) -> None:
        self._queue.put(item)
        if self._waker is not None:
            self._waker()

    def _hand_over(self, held: list[Item], prefetch: Callable[[list[SourceRecord]], None]) -> None:
        """Prefetch the lookups of the pages held, with one query, then queue them in order."""
        if held:
            prefetch([r for _, selected in held for r in selected if r.problem is None])
        for item in held:
            self._put(item)

    def __iter__(self) -> Iterator[Item]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, tuple)
            yield item

    def wake_on(self, waker: Callable[[], None]) -> None:
        """Call ``waker`` (on the reader thread) whenever a page, the end or an error is
        queued, and once now: a consumer that also waits for other work (``flow.py``: writes
        finishing) waits for both at once and takes the pages with ``poll``."""
        self._waker = waker
        waker()

    def poll(self) -> Item | None:
        """The next page if one is queued, else None (``ended`` tells the listing's end);
        an error that ended the reading is raised here."""
        try:
            item = self._queue.get_nowait()
        except queue.Empty:
            return None
        if item is None:
            self.ended = True
            return None
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, tuple)
        return item

    def stop(self) -> None:
        """Ask the reader to stop after the page it is reading."""
        self._stop.set()

    def close(self) -> None:
        """Stop the reader and wait for it (taking what a reader blocked on a full queue put)."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)


def close_all(readers: Iterable[ReadAhead]) -> None:
    """Stop ``readers`` (all at once, so they wind down together), then wait for each."""
    readers = list(readers)
    for ahead in readers:
        ahead.stop()
    for ahead in readers:
        ahead.close()


class Listing(msgspec.Struct):
    """A mapping's listing started: where it reads from, its lookups cache, the reader."""

    since: datetime | None
    lookups: DestinationLookup
    ahead: ReadAhead


def start_listing(
    plan: Plan,
    source: Driver,
    destination: Driver,
    state: StateStore,
    started_at: str,
    report: MappingReport,
    *,
    dry_run: bool = False,
    shared: SharedReads | None = None,
) -> Listing:
    """Start reading ``plan``'s changed records, from where its watermark says (a plan,
    ``dry_run``, moves no watermark), through ``shared`` when a plan's readers share them."""
    since = watermarks.starting(plan, state, started_at, report, dry_run=dry_run)
    lookups = DestinationLookup(plan, destination, state)
    pages = read_changed(source, plan.source_endpoint, plan.source_object, since, shared)
    ahead = ReadAhead(pages, lambda record: after_cutover(plan, record), lookups.prefetch)
    return Listing(since, lookups, ahead)


__all__ = ["PAGES_AHEAD", "PREFETCH_BATCH", "Listing", "ReadAhead", "close_all", "start_listing"]
