"""The thread pools of one run, shared by its mappings instead of made anew for each.

Why: a run of the connector folder has eleven mappings, and each made its own writer pool
(``mapping_sync.writers``), write-back pool (``writeback.py``) and confirmer (``flow.py``)
and started their threads again: dozens of thread starts for a plan of a few records. Here a
pool is made when a mapping first asks for it, one per destination (writers) or source
(write-backs) endpoint and one confirmer, and its threads serve every later mapping.

Sharing changes no order: a mapping's flow returns only when all its work is finished
(``Flow.run``), so a mapping ends before the mappings that require it start, and the next
mapping finds the pools idle. At the run's end, or when a mapping fails, the pools are shut
down waiting for whatever still runs, before the run is recorded: writers first (none then
hands the others more work), then the confirmer (whose batches finish on the write-back
pool), then the write-backs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

CONFIRMERS = 2
"""Threads of the confirmer: two queries in flight at most (``Flow.confirm_due``)."""


class RunPools:
    """One run's pools, made when first asked for; ``with`` shuts them down at its end."""

    def __init__(self) -> None:
        self._writers: dict[tuple[str, int], ThreadPoolExecutor] = {}
        self._confirmer: ThreadPoolExecutor | None = None
        self._write_backs: dict[tuple[str, int], ThreadPoolExecutor] = {}

    def writers(self, endpoint: str, workers: int) -> ThreadPoolExecutor:
        """The pool of ``workers`` threads writing to the destination ``endpoint``."""
        return _pool(self._writers, endpoint, workers, "sync")

    def write_backs(self, endpoint: str, workers: int) -> ThreadPoolExecutor:
        """The pool of ``workers`` threads writing tracking fields back to ``endpoint``."""
        return _pool(self._write_backs, endpoint, workers, "back")

    def confirmer(self) -> ThreadPoolExecutor:
        """The pool that queries the destination to confirm batches of writes."""
        if self._confirmer is None:
            self._confirmer = ThreadPoolExecutor(CONFIRMERS, thread_name_prefix="confirm")
        return self._confirmer

    def __enter__(self) -> RunPools:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Wait for every pool's work, in the order that hands none of them more work."""
        confirmer = [] if self._confirmer is None else [self._confirmer]
        for pool in [*self._writers.values(), *confirmer, *self._write_backs.values()]:
            pool.shutdown(wait=True)


def _pool(
    pools: dict[tuple[str, int], ThreadPoolExecutor], endpoint: str, workers: int, kind: str
) -> ThreadPoolExecutor:
    key = (endpoint, max(1, workers))
    pool = pools.get(key)
    if pool is None:
        pool = pools[key] = ThreadPoolExecutor(key[1], thread_name_prefix=f"{kind}:{endpoint}")
    return pool


__all__ = ["CONFIRMERS", "RunPools"]
