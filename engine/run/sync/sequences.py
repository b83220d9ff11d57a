"""Engine-side numbering during a sync: the sequences live in the run's state file.

Why a store that is attached later: a project is compiled before any state file is open (the
compiler binds each ``auto_number: {mode: sequence}`` transform to a store), and the same
compiled project serves a real run, whose numbers must persist with the crosswalk, and a dry
run (``ferry plan``), which must show the numbers the next run would take without taking them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engine.errors import SyncError
from engine.run.state.store import StateStore
from engine.transforms.core import InMemorySequenceStore, SequenceStore


class RunSequences:
    """The sequence store a project compiles against; a run attaches the real one."""

    def __init__(self) -> None:
        self._store: SequenceStore | None = None

    @contextmanager
    def attached(self, store: SequenceStore) -> Iterator[None]:
        previous, self._store = self._store, store
        try:
            yield
        finally:
            self._store = previous

    def _current(self) -> SequenceStore:
        if self._store is None:
            raise SyncError("engine-side numbering runs only inside a sync, with its state file")
        return self._store

    def next(self, name: str, start: int = 1) -> int:
        return self._current().next(name, start)

    def give_back(self, name: str, number: int, start: int = 1) -> None:
        self._current().give_back(name, number, start)


def preview_sequences(state: StateStore) -> InMemorySequenceStore:
    """For dry runs: each sequence continues from the state file's last number, in memory, so a
    plan shows the numbers the next run would take and the state file is left as it was."""
    return InMemorySequenceStore(continue_from=state.last_number)
