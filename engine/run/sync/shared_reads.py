"""One reading of each source listing a plan asks for more than once.

Why: a plan starts every listing at once (``run.py``), and the shipped folder asks for the same
ones several times: both charge mappings list the charges, both invoice mappings the invoices,
both payment mappings the payments, and the unique Item IDs (``unique.py``) list every product,
rate plan and charge again, which on a first run is what those mappings list too. Against
Zuora each listing is a page per 50 records at a few hundred milliseconds and a share of the
tenant's request limit; a catalog of 10,000 charges was read four times. A plan writes nothing,
so every mapping reads the same records whenever it reads them: the pages of one reading serve
all. A sync does not share: its mappings read after the mappings before them wrote (and wrote
back to the source).

The pages are kept until the plan ends: a plan reports every record it reads anyway, and the
mapping that reads a listing last may start after the first has read it all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

from engine.run.drivers.base import Driver, Page


def read_changed(
    source: Driver, endpoint: str, obj: str, since: datetime | None, shared: SharedReads | None
) -> Iterator[Page]:
    """The pages of ``source``'s (the endpoint ``endpoint``'s) ``obj`` records changed since
    ``since``, as its ``read_changed`` gives them: through ``shared`` in a plan, straight from
    the endpoint in a sync."""
    if shared is None:
        return source.read_changed(obj, since)
    return shared.read_changed(source, endpoint, obj, since)


class SharedReads:
    """The listings of one plan, each read once however many readers ask for it."""

    def __init__(self) -> None:
        self._listings: dict[tuple[str, str, datetime | None], _SharedListing] = {}
        self._lock = threading.Lock()

    def read_changed(
        self, source: Driver, endpoint: str, obj: str, since: datetime | None
    ) -> Iterator[Page]:
        """``source.read_changed(obj, since)``, read from the endpoint once for every reader
        (``endpoint`` names it)."""
        key = (endpoint, obj, since)
        with self._lock:
            listing = self._listings.get(key)
            if listing is None:
                listing = self._listings[key] = _SharedListing(source.read_changed(obj, since))
        return listing.reader()


class _SharedListing:
    """A listing's pages, fetched by whichever reader first needs the next one (the others
    wait for it, never fetch it again) and kept for the readers behind; the error that ended
    the listing is raised to every reader that reaches it."""

    def __init__(self, pages: Iterator[Page]) -> None:
        self._source = pages
        self._pages: list[Page] = []
        self._ended = False
        self._error: BaseException | None = None
        self._fetching = False
        self._changed = threading.Condition()

    def reader(self) -> Iterator[Page]:
        index = 0
        while (page := self._page(index)) is not None:
            yield page
            index += 1

    def _page(self, index: int) -> Page | None:
        with self._changed:
            while True:
                if index < len(self._pages):
                    return self._pages[index]
                if self._error is not None:
                    raise self._error
                if self._ended:
                    return None
                if not self._fetching:
                    self._fetching = True
                    break
                self._changed.wait()
        page: Page | None = None
        error: BaseException | None = None
        try:  # outside the lock: the readers ahead of this page take theirs meanwhile
            page = next(self._source, None)
        except BaseException as exc:
            error = exc
        with self._changed:
            self._fetching = False
            if error is not None:
                self._error = error
            elif page is None:
                self._ended = True
            else:
                self._pages.append(page)
            self._changed.notify_all()
        if error is not None:
            raise error
        return page
