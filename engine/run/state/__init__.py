"""Ferry's state: what has been synced where, how far each mapping has read, what is in flight.

One SQLite file (WAL) per deployment; see ``engine.run.state.store.StateStore``.
"""

from __future__ import annotations

from engine.run.state.store import (
    Intent,
    Link,
    QuarantineEntry,
    RunRow,
    StateStore,
    Watermark,
)

__all__ = ["Intent", "Link", "QuarantineEntry", "RunRow", "StateStore", "Watermark"]
