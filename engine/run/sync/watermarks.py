"""How far a mapping has read its source: where a run starts reading and what it stores.

Why clamped: the stored watermark is the newest ``updated_at`` read, and the next run reads
from there. One record dated in the future (a wrong clock, an import with ``2999-01-01``) would
move it past every real change to come, and they would never be read again. A run therefore
never stores a watermark later than its own start minus ``OVERLAP``: records changed in that
window (or dated after it) are read once more by the next run, which finds them unchanged, so
nothing is skipped and nothing is written twice. The future-dated record itself still syncs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.compile.plan import Plan
from engine.run.state.store import StateStore
from engine.run.sync.outcomes import MappingReport

OVERLAP = timedelta(minutes=5)
"""Read again on the next run: changes committed late, or under a clock a little behind ours."""


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stored(newest: datetime, started_at: str) -> str:
    """The watermark to store after reading records up to ``newest`` in a run that started at
    ``started_at``: never later than the start minus the overlap."""
    start = parse_time(started_at)
    if start is None:
        return iso(newest)
    return iso(min(newest, start - OVERLAP))


def starting(
    plan: Plan, state: StateStore, started_at: str, report: MappingReport, *, dry_run: bool
) -> datetime | None:
    """Where this run reads from. Switching a mapping from New Only to New and Modified resets
    the watermark to now, as the connector does (records are not re-read from the beginning)."""
    mark = state.watermark(plan.name)
    if mark is None:
        return None
    if mark.behavior == "new_only" and plan.behavior == "new_and_modified":
        report.notes.append(
            f"sync behavior changed from new_only to new_and_modified: the watermark was "
            f"reset to now ({started_at}), as the connector does; re-save a record to sync it"
        )
        if not dry_run:
            state.set_watermark(plan.name, started_at, plan.behavior)
        return parse_time(started_at)
    return parse_time(mark.value)
