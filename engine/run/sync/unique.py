"""Values that must be unique across mappings (``identity.unique``): clashing records are refused.

Why per record: NetSuite Item IDs made from Zuora names (``item_id_mapping: charge_name``) must
be unique across products, rate plans and charges. Two charges named "Setup Fee" cannot both
be written, but nothing else is wrong with the run: like the connector, which syncs record by
record, only the records that clash are refused (invalid, quarantined, the reason naming the
value and the other records), and everything else syncs. A record that already holds the value
at the destination (its last written payload has it) keeps it; the newcomers are refused.

Every source record of such a mapping is rendered before the run, because a clash can be
between a record changed now and one synced long ago. Those listings are read at once, each on
a reader of its own (``reader.py``), not one after another; a plan starts them before its
preflight (``read_ahead``), so they have arrived by the time they are rendered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import msgspec

from engine.compile.plan import Plan
from engine.errors import FerryError
from engine.run.drivers.base import Driver, SourceRecord
from engine.run.state.store import StateStore
from engine.run.sync.project import Project
from engine.run.sync.reader import ReadAhead, close_all
from engine.run.sync.sequences import preview_sequences
from engine.run.sync.shared_reads import SharedReads, read_changed

Refusals = dict[str, dict[str, str]]
"""mapping -> source id -> why the record may not be written."""


class Claim(msgspec.Struct, frozen=True):
    """One source record that would write a unique value."""

    plan: Plan
    source_id: str
    holds: bool  # the destination already has this record under this value

    def describe(self) -> str:
        return f"{self.plan.source_object} {self.source_id} ({self.plan.name})"


def read_ahead(
    project: Project, endpoints: Mapping[str, Driver], shared: SharedReads | None = None
) -> dict[str, ReadAhead]:
    """Start reading every source record of the mappings that have unique values, all at once
    (``reader.close_all`` them, or hand them to ``refusals``, which does), through ``shared``
    when a plan's readers share them."""
    started: dict[str, ReadAhead] = {}
    try:
        for plan in project.plans:
            if plan.unique:
                source = endpoints[plan.source_endpoint]
                pages = read_changed(source, plan.source_endpoint, plan.source_object, None, shared)
                started[plan.name] = ReadAhead(pages, _everything, _nothing)
    except BaseException:
        close_all(started.values())
        raise
    return started


def _everything(_record: SourceRecord) -> bool:
    return True


def _nothing(_records: list[SourceRecord]) -> None:
    """No lookups to prefetch: a unique value is checked against the source alone."""


def _claims(
    plan: Plan, ahead: ReadAhead, state: StateStore
) -> dict[tuple[str, str, str], list[Claim]]:
    out: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for records, _selected in ahead:
        for record in records:
            try:
                outcome = plan.evaluate(record.data)
            except FerryError:
                continue  # an unrenderable record is reported by the run itself
            payload = outcome.payload or {}
            link = state.link(plan.name, record.id)
            written = (link.payload or {}) if link is not None else {}
            for field in plan.unique:
                value = payload.get(field)
                if value is None:
                    continue
                key = (plan.destination_endpoint, field, str(value))
                holds = link is not None and link.destination_id is not None
                out[key].append(Claim(plan, record.id, holds and written.get(field) == value))
    return out


def _reason(endpoint: str, field: str, value: str, others: list[Claim]) -> str:
    listed = "; ".join(o.describe() for o in others)
    if any(o.holds for o in others):
        why = f"already used at the destination by {listed}"
    else:
        why = f"also rendered by {listed}"
    return (
        f"duplicate {endpoint} {field} {value!r}: {why}. Make the names unique in the "
        "source, or use item_id_mapping: charge_id"
    )


def refusals(
    project: Project,
    endpoints: Mapping[str, Driver],
    state: StateStore,
    started: Mapping[str, ReadAhead] | None = None,
) -> Refusals:
    """The records of this run that must not be written because a unique value clashes;
    ``started``: the listings ``read_ahead`` started (else started here), closed here."""
    started = read_ahead(project, endpoints) if started is None else started
    claims: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    try:
        with project.sequences.attached(preview_sequences(state)):  # rendering takes no numbers
            for plan in project.plans:
                if plan.name in started:
                    for key, found in _claims(plan, started[plan.name], state).items():
                        claims[key] += found
    finally:
        close_all(started.values())
    out: Refusals = defaultdict(dict)
    for (endpoint, field, value), found in claims.items():
        if len(found) < 2:
            continue
        keepers = [c for c in found if c.holds][:1]  # one record can hold a value
        for claim in found:
            if claim in keepers:
                continue
            others = [c for c in found if c is not claim]
            reason = _reason(endpoint, field, value, others)
            out[claim.plan.name][claim.source_id] = reason
    return dict(out)
