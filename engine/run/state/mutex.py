"""The state file's one lock, with a way in first for the threads a destination slot waits on.

Why: every thread of a run shares one SQLite connection, so every read and commit takes one
lock. The writers (a record's crosswalk read and its intent, committed before its request) hold
a destination slot's next request; the write-back pool (dozens of threads: links, write-back
intents and outcomes, a confirmed batch at a time) holds nothing anyone waits for. With a plain
lock a writer queued behind a burst of those commits for tens of milliseconds while its slot
idled. Here the lock is handed over at each release, in turn: a thread inside ``first()``
before the threads outside, each kind in the order it came. Handing over, rather than letting
the waiters race for it, also keeps a thread that releases and takes the lock again at once
(many small reads in a row) from holding everyone off.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

FIRST_IN_A_ROW = 4
"""Turns handed to threads inside ``first()`` in a row while others wait, before one other
thread's turn: the writers go first, but a burst of their turns (records that send nothing,
such as the echoes of the run's own write-backs) cannot hold the write-back pool off for long."""


class StateMutex:
    """A re-entrant lock handed over in turn: threads inside ``first()`` before the others
    (``FIRST_IN_A_ROW`` at most while others wait), each kind in the order it came."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._first: deque[tuple[int, threading.Condition]] = deque()
        self._others: deque[tuple[int, threading.Condition]] = deque()
        self._in_a_row = 0  # turns handed to first threads while others waited
        self._local = threading.local()

    @property
    def waiting(self) -> tuple[int, int]:
        """Threads waiting for the lock: (inside ``first()``, outside)."""
        with self._guard:
            return len(self._first), len(self._others)

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
            if self._owner is None and not self._first and not self._others:
                self._owner, self._depth = me, 1
                return
            turn = threading.Condition(self._guard)
            queue = self._first if getattr(self._local, "first", False) else self._others
            queue.append((me, turn))
            while self._owner != me:  # handed over by ``_release``
                turn.wait()
            self._depth = 1

    def _release(self) -> None:
        with self._guard:
            self._depth -= 1
            if self._depth:
                return
            if self._first and (not self._others or self._in_a_row < FIRST_IN_A_ROW):
                self._in_a_row = self._in_a_row + 1 if self._others else 0
                queue = self._first
            else:
                self._in_a_row = 0
                queue = self._others
            if not queue:
                self._owner = None
                return
            self._owner, turn = queue.popleft()
            turn.notify()


__all__ = ["FIRST_IN_A_ROW", "StateMutex"]
