"""Tracking fields written back to the source record after a destination write.

Why its own module: the write-back goes to the *source* (Zuora), so it runs under the source's
concurrency on its own small pool (``MappingSync.writebacks``), not on a destination slot that
would idle while Zuora answers. Its intent is recorded before the call like every write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.compile.runner import source_value
from engine.errors import DriverError
from engine.run.drivers.base import SourceRecord
from engine.run.sync.keys import idempotency_key

if TYPE_CHECKING:
    from engine.run.sync.mapping_sync import MappingSync


def write_back(
    sync: MappingSync,
    record: SourceRecord,
    phase: str,
    dest_id: str,
    destination: Mapping[str, Any],
) -> None:
    """Write the tracking fields of ``phase`` back to the source record."""
    plan, state, run = sync.plan, sync.state, sync.run_info
    table = plan.tracking.get(phase)
    if table is None and phase == "on_link":  # a link is a create that found its record
        table = plan.tracking.get("on_create")
    if not table:
        return
    env = {
        "record": record.data,
        "settings": dict(plan.settings.values),
        "destination": {**destination, "id": dest_id},
        "run": run.as_context(),
        "parents": {},
    }
    values = {name: source_value(plan, src, record.data, env) for name, src in table.items()}
    payload = {k: v for k, v in values.items() if v is not None}
    if not payload:
        return
    assert run.id is not None
    intent = state.begin_intent(
        run.id,
        plan.name,
        record.id,
        "writeback",
        idempotency_key(plan.name, record.id, "writeback", payload),
        None,
        payload,
    )
    try:
        written = sync.source.update(plan.source_object, record.id, payload)
    except DriverError as exc:
        state.finish_intent(intent, "failed", {"error": str(exc)})
        raise
    version = None
    if written.record is not None:
        version = written.record.get("updatedDate") or written.record.get("lastModifiedDate")
    with state.transaction():
        state.finish_intent(intent, "done")
        state.mark_tracked(plan.name, record.id, None if version is None else str(version))


__all__ = ["write_back"]
