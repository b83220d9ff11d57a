"""What every part of one mapping's run shares: the plan, both endpoints, the state file, the run.

Why its own module: a mapping's run is split by job (``selection.py`` which records it reads,
``decide.py`` and its helpers what to do with each, ``writes.py`` the destination writes,
``writeback.py`` the tracking fields, ``settle.py`` each outcome made durable). Each part takes
this one value and the few parts it calls, so none holds the whole run or imports the loop
(``mapping_sync.py``) that ties them together.
"""

from __future__ import annotations

from typing import Any

import msgspec

from engine.compile.plan import Plan
from engine.run.drivers.base import Driver, SourceRecord
from engine.run.state.store import StateStore
from engine.run.sync.outcomes import RecordResult


class RunInfo(msgspec.Struct, frozen=True):
    """What guards and templates see as ``run``; ``dry_run`` means read, never write."""

    id: int | None
    started_at: str
    dry_run: bool = False

    def as_context(self) -> dict[str, Any]:
        return {"id": self.id, "started_at": self.started_at}


class Scope(msgspec.Struct, frozen=True):
    """One mapping's run: its compiled plan, where it reads and writes, and the run it is in."""

    plan: Plan
    source: Driver
    destination: Driver
    state: StateStore
    run: RunInfo

    def result(self, record: SourceRecord, outcome: str, **kw: Any) -> RecordResult:
        """``record``'s outcome in this mapping."""
        return RecordResult(self.plan.name, record.id, outcome, **kw)


__all__ = ["RunInfo", "Scope"]
