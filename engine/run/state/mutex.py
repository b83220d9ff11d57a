"""The state file's one lock, with a way in first for the threads a destination slot waits on.

Why: every thread of a run shares one SQLite connection, so every read and commit takes one
lock. The writers (a record's crosswalk read and its intent, committed before its request) hold
a destination slot's next request; the write-back pool (dozens of threads: links, write-back
intents and outcomes, a confirmed batch at a time) holds nothing anyone waits for. With a plain
lock a writer queued behind a burst of those commits for tens of milliseconds while its slot
idled. Here a thread inside ``first()`` waiting for the lock gets it at the next release,
before any thread outside; the others take turns when no such thread waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StateMutex:
    """A re-entrant lock; a thread inside ``first()`` gets it before the threads outside."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._first_turn = threading.Condition(self._guard)
        self._other_turn = threading.Condition(self._guard)
        self._owner: int | None = None
        self._depth = 0
        self._first_waiting = 0
        self._others_waiting = 0
        self._local = threading.local()

    @property
    def waiting(self) -> tuple[int, int]:
        """Threads waiting for the lock: (inside ``first()``, outside)."""
        with self._guard:
            return self._first_waiting, self._others_waiting

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock (re-entrant on the same thread)."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

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

    def _acquire(self) -> None:
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return
            if getattr(self._local, "first", False):
                self._first_waiting += 1
                while self._owner is not None:
                    self._first_turn.wait()
                self._first_waiting -= 1
            else:
                self._others_waiting += 1
                while self._owner is not None or self._first_waiting:
                    self._other_turn.wait()
                self._others_waiting -= 1
            self._owner, self._depth = me, 1

    def _release(self) -> None:
        with self._guard:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            if self._first_waiting:
                self._first_turn.notify()
            else:
                self._other_turn.notify()


__all__ = ["StateMutex"]
