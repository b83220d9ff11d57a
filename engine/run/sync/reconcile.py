"""After a crash: settle every write that was recorded as intended but never marked done.

Why before anything else: a write whose answer was lost may or may not have been applied. The
destination is asked (by the natural keys and external id stored with the intent) before any
record is processed again; a write that landed is linked, one that did not is abandoned and the
record is processed normally — so the crash costs a lookup, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.run.drivers.base import Driver
from engine.run.state.store import Intent, Link, StateStore, utc_now
from engine.run.sync.keys import payload_hash
from engine.run.sync.project import Project


def _find(intent: Intent, destination: Driver, obj: str) -> Mapping[str, object] | None:
    lookup = dict(intent.lookup or {})
    if intent.external_id and destination.capabilities.upsert_external_id:
        lookup.setdefault("externalId", intent.external_id)
    if not lookup or not destination.capabilities.find_by_key:
        return None
    found = destination.find(obj, lookup)
    return found[0] if len(found) == 1 else None


def reconcile(state: StateStore, project: Project, endpoints: Mapping[str, Driver]) -> list[str]:
    """Settle pending intents of the project's mappings; return notes for the report."""
    notes: list[str] = []
    for intent in state.pending_intents():
        plan = project.plan(intent.mapping)
        if plan is None:
            continue
        if intent.operation not in ("create", "upsert"):
            state.finish_intent(intent.id, "abandoned")
            notes.append(
                f"{plan.name} {intent.source_id}: unfinished {intent.operation} will be redone"
            )
            continue
        destination = endpoints[plan.destination_endpoint]
        found = _find(intent, destination, plan.destination_object)
        if found is None:
            state.finish_intent(intent.id, "abandoned")
            notes.append(
                f"{plan.name} {intent.source_id}: unfinished {intent.operation} was "
                "not applied; the record will be written again"
            )
            continue
        dest_id = str(found.get("id"))
        existing = state.link(plan.name, intent.source_id)
        if existing is None or existing.destination_id is None:
            state.save_link(
                Link(
                    plan.name,
                    intent.source_id,
                    plan.source_endpoint,
                    plan.destination_endpoint,
                    dest_id,
                    intent.external_id,
                    payload_hash(intent.payload),
                    intent.payload,
                    None,
                    None,
                    None,
                    utc_now(),
                    plan.name,
                    plan.version,
                )
            )
        state.finish_intent(intent.id, "reconciled", {"id": dest_id})
        notes.append(
            f"{plan.name} {intent.source_id}: unfinished {intent.operation} had been "
            f"applied (destination id {dest_id}); linked"
        )
    return notes
