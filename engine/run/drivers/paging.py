"""Paging that always ends, and rows that cannot be read: what every listing driver shares.

Why: a listing follows whatever "next page" the endpoint sends. A server that repeats a cursor,
goes round a loop (A -> B -> A), sends empty pages that still promise more, or says ``hasMore``
forever would keep a run reading until it is killed. ``PageGuard`` watches one listing and ends
it with a ``ResponseError`` naming the URL and the page number.

A malformed *row* (no ``id``, an unreadable update time, not an object) is not a reason to stop
reading the others: ``unreadable_row`` turns it into a ``SourceRecord`` carrying a ``problem``,
which the sync records as an invalid record with that reason. A row without an id gets a stable
made-up one (``no-id:`` + a digest of the row), so it can be quarantined and listed.

Usage::

    guard = PageGuard("zuora", "query accounts", lambda: api.url("/object-query/accounts"))
    while True:
        body = ...                      # one page
        guard.turn(len(rows), cursor)   # raises ResponseError when paging would not end
        if cursor is None:
            break
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from engine import jsonio
from engine.errors import ResponseError
from engine.run.drivers.base import SourceRecord

MAX_PAGES: Final = 100_000
"""Pages in one listing before it is called endless (5 million Zuora rows at 50 a page)."""
MAX_EMPTY_PAGES: Final = 20
"""Empty pages in a row that still announce a next page before the listing is called endless."""
UNIDENTIFIED: Final = "no-id:"
"""Prefix of the made-up id of a row that came without one."""
NO_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""The ``updated_at`` of an unreadable row; never used for a watermark."""


class PageGuard:
    """Watches one listing's pages and refuses to follow one that would never end."""

    def __init__(
        self,
        endpoint: str,
        operation: str,
        url: Callable[[], str],
        *,
        max_pages: int = MAX_PAGES,
        max_empty: int = MAX_EMPTY_PAGES,
    ) -> None:
        self.endpoint, self.operation, self._url = endpoint, operation, url
        self.max_pages, self.max_empty = max_pages, max_empty
        self.page = 0
        self._empty = 0
        self._followed: set[str] = set()

    def turn(self, rows: int, cursor: str | None) -> None:
        """Count a page of ``rows`` rows whose next page is ``cursor`` (None: the last)."""
        self.page += 1
        if cursor is None:
            return
        if cursor in self._followed:
            raise self.error(
                f"the next-page cursor {_short(cursor)} was already followed: the pages loop"
            )
        self._followed.add(cursor)
        self._empty = self._empty + 1 if rows == 0 else 0
        if self._empty >= self.max_empty:
            raise self.error(f"{self._empty} empty pages in a row still announce a next page")
        if self.page >= self.max_pages:
            raise self.error(f"more than {self.max_pages} pages (the most one listing may take)")

    @functools.cached_property
    def url(self) -> str:
        """The listing's URL, for messages: made (and redacted) when a message first needs it,
        which most listings never do."""
        return self._url()

    def where(self) -> str:
        """The current page, for a message about one of its rows."""
        return f"page {self.page} of {self.url}"

    def error(self, why: str) -> ResponseError:
        """A ``ResponseError`` about the current page of this listing."""
        return ResponseError(
            f"paging of {self.url} stopped at page {self.page}: {why}",
            endpoint=self.endpoint,
            operation=self.operation,
        )


def unreadable_row(row: Any, problem: str, record_id: str | None = None) -> SourceRecord:
    """A row that cannot be synced, as a record the sync reports invalid with ``problem``."""
    if record_id is None:
        digest = hashlib.sha256(jsonio.canonical(row)).hexdigest()[:16]
        record_id = UNIDENTIFIED + digest
    data = row if isinstance(row, dict) else {"row": row}
    return SourceRecord(record_id, NO_TIME, data, problem=f"unreadable source row: {problem}")


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


__all__ = [
    "MAX_EMPTY_PAGES",
    "MAX_PAGES",
    "NO_TIME",
    "UNIDENTIFIED",
    "PageGuard",
    "unreadable_row",
]
