"""A changed identity derivation (``identity.external_id``) is refused until migrated.

Why: every crosswalk row keeps the external id its record was written under, and NetSuite keeps
it as the record's ``externalId`` (upserts and crash reconciliation find records by it). If the
spec changes how the id is derived, records synced before keep the old id while new ones get
the new kind: a lost crosswalk, a crash or a reconciliation then looks for an id NetSuite does
not know and creates a duplicate. So the state records a fingerprint of each mapping's identity
definition; a run whose spec's fingerprint differs from the recorded one, while the crosswalk
has records keyed the old way, is refused with the cost of migrating. ``ferry sync
--migrate-identity MAPPING`` migrates first: every linked record's new external id is derived
from its source record, written to the destination (where it stores external ids) and to the
crosswalk; only when all of them are re-keyed is the new fingerprint recorded, so a migration
cut short is simply run again. ``ferry plan`` shows the change and how many records it re-keys.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from engine import jsonio
from engine.compile.plan import Plan
from engine.compile.runner import external_id
from engine.errors import DriverError, SyncError, UsageError
from engine.run.drivers.base import Driver
from engine.run.state.store import StateStore
from engine.run.sync.outcomes import RunReport
from engine.run.sync.project import Project
from engine.suggest import did_you_mean

_SETTING = re.compile(r"settings\s*(?:\.\s*(\w+)|\[\s*['\"](\w+)['\"]\s*\])")


def definition(plan: Plan) -> dict[str, Any]:
    """What decides a record's external id: the spec's source, and the settings it reads."""
    source = plan.external_id
    if source is None:
        return {"external_id": None}
    names = sorted({a or b for a, b in _SETTING.findall(source.text)})
    return {
        "external_id": {source.kind: source.text},
        "settings": {name: plan.settings.get(name) for name in names},
    }


def fingerprint(plan: Plan) -> str:
    return hashlib.sha256(jsonio.canonical(definition(plan))).hexdigest()[:16]


def _shown(value: Any) -> str:
    return jsonio.dumps_str(value)


class IdentityChange(msgspec.Struct):
    """One mapping whose identity changed since its crosswalk was written."""

    mapping: str
    before: Any
    after: Any
    keyed: int  # crosswalk rows carrying an external id
    remote: bool = True  # the destination keeps external ids (else only the crosswalk has them)
    rekeyed: int | None = None  # counted from the source (plan and migration)
    missing: int | None = None  # linked records the source no longer has

    def describe(self) -> str:
        text = (
            f"{self.mapping}: identity.external_id changed since the crosswalk was written "
            f"(was {_shown(self.before.get('external_id'))}, now "
            f"{_shown(self.after.get('external_id'))}); "
        )
        if self.rekeyed is not None:
            text += f"{self.rekeyed} of {self.keyed} synced record(s) would be re-keyed"
            if self.missing:
                text += f" ({self.missing} no longer in the source keep their id)"
        else:
            text += f"{self.keyed} synced record(s) carry external ids of the old kind"
        if not self.remote:
            text += (
                "; the destination keeps no external ids, so a sync re-keys the crosswalk itself"
            )
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping,
            "before": self.before,
            "after": self.after,
            "keyed": self.keyed,
            "rekeyed": self.rekeyed,
            "missing": self.missing,
            "migration_required": self.remote,
        }


class Rekeying(msgspec.Struct):
    """The new external ids of a mapping's linked records, derived from the source."""

    new: dict[str, str | None] = msgspec.field(default_factory=dict)  # source id -> new id
    missing: list[str] = msgspec.field(default_factory=list)


def changes(
    project: Project, endpoints: Mapping[str, Driver], state: StateStore
) -> list[IdentityChange]:
    """The mappings whose identity changed while records are keyed the old way."""
    out = []
    for plan in project.plans:
        recorded = state.identity(plan.name)
        if recorded is None or recorded.fingerprint == fingerprint(plan):
            continue
        keyed = state.keyed_links(plan.name)
        remote = endpoints[plan.destination_endpoint].capabilities.upsert_external_id
        if keyed:
            before, after = recorded.definition, definition(plan)
            out.append(IdentityChange(plan.name, before, after, keyed, remote))
    return out


def record_current(project: Project, state: StateStore) -> None:
    """Record each mapping's identity once nothing is keyed another way (a first run, an
    unchanged or unused identity, or a finished migration)."""
    for plan in project.plans:
        recorded = state.identity(plan.name)
        current = fingerprint(plan)
        if recorded is None or recorded.fingerprint != current:
            state.set_identity(plan.name, current, definition(plan))


def rekeying(plan: Plan, source: Driver, state: StateStore) -> Rekeying:
    """Derive the new external id of every linked record from its source record."""
    linked = {  # records linked without an external id (found by natural key) keep none
        link.source_id: link
        for link in state.links(plan.name)
        if link.destination_id is not None and link.external_id is not None
    }
    out = Rekeying()
    found: set[str] = set()
    for page in source.read_changed(plan.source_object, None):
        for record in page.records:
            link = linked.get(record.id)
            if link is None:
                continue
            found.add(record.id)
            new = external_id(plan, record.data)
            if new != link.external_id:
                out.new[record.id] = new
    out.missing = sorted(set(linked) - found)
    return out


def estimate(
    project: Project, endpoints: Mapping[str, Driver], state: StateStore
) -> list[IdentityChange]:
    """For ``ferry plan``: each change with the number of records it would re-key."""
    found = changes(project, endpoints, state)
    for change in found:
        plan = project.plan(change.mapping)
        assert plan is not None
        keys = rekeying(plan, endpoints[plan.source_endpoint], state)
        change.rekeyed, change.missing = len(keys.new), len(keys.missing)
    return found


def show(report: RunReport, changed: list[IdentityChange]) -> None:
    """Put a plan's identity changes in its report: listed, and first among their notes."""
    report.identity_changes = [c.as_json() for c in changed]
    for change in changed:
        for mapping in report.mappings:
            if mapping.name == change.mapping:
                migrate = (
                    f"; a sync is refused until: ferry sync --migrate-identity {change.mapping}"
                )
                mapping.notes.insert(0, change.describe() + (migrate if change.remote else ""))


def _duplicates(keys: Rekeying, state: StateStore, plan: Plan) -> list[str]:
    taken: dict[str, list[str]] = {}
    for link in state.links(plan.name):
        eid = keys.new.get(link.source_id, link.external_id)
        if eid is not None:
            taken.setdefault(eid, []).append(link.source_id)
    return [f"{eid!r}: {', '.join(ids)}" for eid, ids in taken.items() if len(ids) > 1]


def migrate(plan: Plan, endpoints: Mapping[str, Driver], state: StateStore) -> str:
    """Re-key one mapping's crosswalk (and the destination's external ids); return a note."""
    keys = rekeying(plan, endpoints[plan.source_endpoint], state)
    clashes = _duplicates(keys, state, plan)
    if clashes:
        raise SyncError(
            f"{plan.name}: the new identity.external_id gives several records one external id ("
            + "; ".join(clashes[:5])
            + "); nothing was re-keyed"
        )
    destination = endpoints[plan.destination_endpoint]
    writes = destination.capabilities.upsert_external_id  # the destination keeps the id
    failed: list[str] = []
    for source_id, new in sorted(keys.new.items()):
        link = state.link(plan.name, source_id)
        assert link is not None and link.destination_id is not None
        try:
            if writes and new is not None:
                destination.update(
                    plan.destination_object, link.destination_id, {"externalId": new}
                )
        except DriverError as exc:
            failed.append(f"{source_id} -> {link.destination_id}: {exc}")
            continue
        state.set_external_id(plan.name, source_id, new)
    if failed:
        raise SyncError(
            f"{plan.name}: {len(failed)} record(s) could not be re-keyed (run the migration "
            "again once the cause is fixed):\n  " + "\n  ".join(failed[:20])
        )
    state.set_identity(plan.name, fingerprint(plan), definition(plan))
    note = f"identity migrated: {len(keys.new)} record(s) re-keyed"
    if keys.missing:
        note += f"; {len(keys.missing)} no longer in the source kept their external id"
    return note


def check_names(project: Project, migrate_names: Collection[str]) -> None:
    """``--migrate-identity`` must name mappings of this run (checked before it starts)."""
    names = {p.name for p in project.plans}
    for name in migrate_names:
        if name not in names:
            raise UsageError(
                f"--migrate-identity {name}: no such mapping in this run{did_you_mean(name, names)}"
            )


def check(
    project: Project,
    endpoints: Mapping[str, Driver],
    state: StateStore,
    migrate_names: Collection[str],
) -> dict[str, str]:
    """Before a sync writes: migrate what was asked, refuse any other identity change, record
    the identity of every mapping. Returns a note per migrated mapping."""
    check_names(project, migrate_names)
    found = changes(project, endpoints, state)
    refused = [c for c in found if c.remote and c.mapping not in migrate_names]
    if refused:
        raise SyncError(
            "the identity of "
            + ", ".join(c.mapping for c in refused)
            + " changed; syncing now would key new records differently from those synced "
            "before (and could duplicate them). Restore the old identity.external_id, or "
            "migrate: ferry sync ... "
            + " ".join(f"--migrate-identity {c.mapping}" for c in refused)
            + " (ferry plan shows the cost)\n  "
            + "\n  ".join(c.describe() for c in refused)
        )
    notes = {name: "identity unchanged: nothing to migrate" for name in migrate_names}
    for change in found:
        plan = project.plan(change.mapping)
        assert plan is not None
        note = migrate(plan, endpoints, state)
        if change.mapping not in migrate_names:  # nothing remote depends on the old ids
            note = f"identity.external_id changed; the destination keeps no external ids: {note}"
        notes[plan.name] = note
    record_current(project, state)
    return notes
