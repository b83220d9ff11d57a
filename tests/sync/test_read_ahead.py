"""The reader's natural-key prefetch: pages read ahead of the writers are prefetched together,
one query for ``PREFETCH_BATCH`` records instead of one per page, while the first page (and any
page the writers are waiting for) goes at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine.run.drivers.base import Page, SourceRecord
from engine.run.sync.reader import PAGES_AHEAD, PREFETCH_BATCH, ReadAhead

PAGE = 50


def _pages(count: int) -> Iterator[Page]:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for p in range(count):
        ids = range(p * PAGE, (p + 1) * PAGE)
        yield Page([SourceRecord(f"A{i}", when, {"name": f"Account {i}"}) for i in ids])


def test_pages_read_ahead_are_prefetched_together_and_handed_over_in_order() -> None:
    pages = PAGES_AHEAD - 1  # all fit in the queue: the reader never waits for the consumer
    batches: list[list[str]] = []
    done = threading.Event()

    def prefetch(records: list[SourceRecord]) -> None:
        batches.append([r.id for r in records])
        if sum(len(b) for b in batches) == pages * PAGE - 1:  # all but A7
            done.set()

    ahead = ReadAhead(_pages(pages), lambda record: record.id != "A7", prefetch)
    try:
        assert done.wait(30)  # the consumer takes nothing until every page is read
        handed = [records for records, _selected in ahead]
    finally:
        ahead.close()

    # the first page alone (nothing queued yet), then a batch per PREFETCH_BATCH records
    sizes = [len(b) for b in batches]
    assert sizes[0] == PAGE - 1  # A7 is not selected: not looked up
    assert all(size >= PREFETCH_BATCH for size in sizes[1:-1])
    assert len(batches) < pages
    assert [r for b in batches for r in b] == [f"A{i}" for i in range(pages * PAGE) if i != 7]
    assert [[r.id for r in page] for page in handed] == [
        [f"A{i}" for i in range(p * PAGE, (p + 1) * PAGE)] for p in range(pages)
    ]


def test_a_page_goes_at_once_when_the_writers_have_nothing_queued() -> None:
    """A consumer that has taken every page read so far is waiting for the next: each page is
    then prefetched and handed over on its own, never held back to fill a batch."""
    taken = threading.Semaphore(0)

    def paced() -> Iterator[Page]:
        for page in _pages(3):
            yield page
            assert taken.acquire(timeout=30)  # the next page is read once this one is taken

    calls: list[int] = []
    ahead = ReadAhead(paced(), lambda record: True, lambda records: calls.append(len(records)))
    sizes = []
    try:
        for records, _selected in ahead:
            sizes.append(len(records))
            taken.release()
    finally:
        ahead.close()
    assert sizes == [PAGE, PAGE, PAGE]
    assert calls == [PAGE, PAGE, PAGE]


def test_a_consumer_is_woken_for_each_page_and_the_end_and_polls_without_waiting() -> None:
    """``flow.py`` waits for pages and for writes finishing at once: the reader wakes it when
    it queues a page or the end (and once when asked), the consumer then takes what is queued,
    and ``poll`` never blocks (None: nothing queued yet)."""
    release = threading.Event()

    def held() -> Iterator[Page]:
        pages = _pages(2)
        yield next(pages)
        assert release.wait(30)  # the second page comes only once released
        yield next(pages)

    wakes = threading.Semaphore(0)
    ahead = ReadAhead(held(), lambda record: True, lambda records: None)
    taken: list[list[str]] = []
    try:
        ahead.wake_on(wakes.release)
        while not ahead.ended:
            assert wakes.acquire(timeout=30)
            while (page := ahead.poll()) is not None:
                taken.append([r.id for r in page[0]])
            if taken and not release.is_set():
                assert not ahead.ended  # page 2 is held: nothing queued, and no waiting
                release.set()
    finally:
        ahead.close()
    assert taken == [[f"A{i}" for i in range(p * PAGE, (p + 1) * PAGE)] for p in range(2)]


def test_poll_raises_the_error_that_ended_the_reading() -> None:
    def broken() -> Iterator[Page]:
        yield from _pages(1)
        raise RuntimeError("listing failed")

    wakes = threading.Semaphore(0)
    ahead = ReadAhead(broken(), lambda record: True, lambda records: None)
    pages = 0
    try:
        ahead.wake_on(wakes.release)
        with pytest.raises(RuntimeError, match="listing failed"):
            while True:
                assert wakes.acquire(timeout=30)
                while ahead.poll() is not None:
                    pages += 1
    finally:
        ahead.close()
    assert pages == 1
