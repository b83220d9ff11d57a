"""How many requests one endpoint may have in flight: the configured limit, adaptive on 429.

Why adaptive: NetSuite's concurrency limit is per account and shared with every other
integration, so the ``concurrency`` in the Connections file is an upper bound, not a promise.
A client that keeps sending at its configured limit while the account is busy turns most of its
requests into 429s and retries. This limiter lowers its allowance when the API refuses
(multiplicative decrease: halved, never below 1) and raises it again by one after a run of
successes (additive increase, never above the configured limit): AIMD, as TCP does.

Only a refusal of a request sent *at the current allowance* lowers it: when several requests
sent together are refused together, that is one signal, not several, and the allowance halves
once (each slot remembers the allowance's generation it was taken under).

Usage::

    limiter = AdaptiveLimiter(5)
    with limiter.slot() as slot:          # blocks while ``allowance`` requests are in flight
        response = send(...)
        slot.refused = response.status_code == 429
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import msgspec

if TYPE_CHECKING:
    import httpx

DEFAULT_INCREASE_AFTER = 10
"""Successes in a row before the allowance grows by one."""


class Slot(msgspec.Struct):
    """One request's place in flight; set ``refused`` when the API answered 429."""

    generation: int
    refused: bool = False


@runtime_checkable
class SignsAhead(Protocol):
    """An auth that is one header computed from the request alone (NetSuite's TBA: no token to
    fetch, no answer to read). ``HttpEndpoint`` applies it before the request waits for a slot,
    so that a slot is held only while the request is on its way and answered."""

    def sign(self, request: httpx.Request) -> None: ...


class AdaptiveLimiter:
    """At most ``allowance`` requests in flight; ``allowance`` moves between 1 and ``limit``.

    ``peak`` (the most in flight at once) and ``refusals`` (429s reported) are kept for
    benchmarks and tests. Thread-safe: every driver worker shares one limiter per endpoint.
    """

    def __init__(self, limit: int, *, increase_after: int = DEFAULT_INCREASE_AFTER) -> None:
        if limit < 1:
            raise ValueError("concurrency must be at least 1")
        if increase_after < 1:
            raise ValueError("increase_after must be at least 1")
        self.limit = limit
        self.increase_after = increase_after
        self._allowance = limit
        self._generation = 0
        self._successes = 0
        self._in_flight = 0
        self.peak = 0
        self.refusals = 0
        self._changed = threading.Condition()

    @property
    def allowance(self) -> int:
        """Requests allowed in flight right now."""
        with self._changed:
            return self._allowance

    @property
    def in_flight(self) -> int:
        with self._changed:
            return self._in_flight

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Wait for room under the allowance, hold it while the body runs, then report back."""
        slot = self._acquire()
        try:
            yield slot
        except BaseException:
            self._release(slot, counted=False)  # no answer: neither a success nor a refusal
            raise
        self._release(slot, counted=True)

    def _acquire(self) -> Slot:
        with self._changed:
            while self._in_flight >= self._allowance:
                self._changed.wait()
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            return Slot(self._generation)

    def _release(self, slot: Slot, *, counted: bool) -> None:
        with self._changed:
            self._in_flight -= 1
            if slot.refused:
                self._refused(slot)
            elif counted:
                self._succeeded()
            # Wake only as many waiters as there is room for (usually one): waking them all
            # made every release a herd of threads taking the lock and the GIL to wait again.
            room = self._allowance - self._in_flight
            if room > 0:
                self._changed.notify(room)

    def _refused(self, slot: Slot) -> None:
        self.refusals += 1
        self._successes = 0
        if slot.generation == self._generation:
            self._allowance = max(1, self._allowance // 2)
            self._generation += 1

    def _succeeded(self) -> None:
        self._successes += 1
        if self._successes >= self.increase_after and self._allowance < self.limit:
            self._allowance += 1
            self._successes = 0


__all__ = ["DEFAULT_INCREASE_AFTER", "AdaptiveLimiter", "SignsAhead", "Slot"]
