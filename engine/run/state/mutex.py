"""The state file's one lock, with a way in first for the threads a destination slot waits on.

Why: every thread of a run shares one SQLite connection, so every read and commit takes one
lock. The writers (a record's crosswalk read and its intent, committed before its request) hold
a destination slot's next request; the write-back pool (dozens of threads: links, write-back
intents and outcomes, a confirmed batch at a time) holds nothing anyone waits for. With a plain
lock a writer queued behind a burst of those commits for tens of milliseconds while its slot
idled. Here threads marked ``first`` take the lock directly; the others queue one at a time
behind a second lock, so a writer waits for at most the transaction in progress and one other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StateMutex:
    """A re-entrant lock; a thread inside ``first()`` gets it before the threads outside."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._others = threading.Lock()  # threads not first reach ``_lock`` one at a time
        self._local = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock (re-entrant on the same thread)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth or getattr(local, "first", False):
            with self._lock:
                local.depth = depth + 1
                try:
                    yield
                finally:
                    local.depth = depth
            return
        with self._others, self._lock:
            local.depth = 1
            try:
                yield
            finally:
                local.depth = 0

    @contextmanager
    def first(self) -> Iterator[None]:
        """While inside, this thread's turns at the lock come before other threads'."""
        local = self._local
        before = getattr(local, "first", False)
        local.first = True
        try:
            yield
        finally:
            local.first = before


__all__ = ["StateMutex"]
