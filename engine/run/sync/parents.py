"""Parent records (``requires:``): found in the crosswalk by the pair of records they link.

Why a unit of its own: a parent is whatever record links this mapping's source record to the
destination, whichever mapping wrote the link. An invoice's customer is synced by
``zuora-netsuite/customer`` while Zuora is the customer master and by ``netsuite-zuora/customer``
(the other way) while NetSuite is; the invoice names a Zuora account either way. So a mapping
running the same way is looked up by its source id, and one running the other way (its
destination is this mapping's source endpoint) by its destination id, giving back its source
id: the NetSuite customer. A dry run (``ferry plan``) also counts the parents it plans to create
or link earlier in the same run, as the sync would have synced them by then.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from engine.compile.plan import Plan, Requirement
from engine.language.expressions import evaluate
from engine.run.state.store import StateStore
from engine.run.sync.held import why_not_synced

PLANNED = "(planned in this run: {mapping} {source_id})"
"""What ``parents.<as>`` renders to in a plan when the parent is itself only planned."""


class Crosswalk:
    """Parent lookups for one run, shared by its mappings."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self._planned: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def plan(self, mapping: str, source_id: str, destination_id: str | None) -> None:
        """A dry run would create (or link) this record: later mappings see it as synced."""
        shown = destination_id or PLANNED.format(mapping=mapping, source_id=source_id)
        with self._lock:
            self._planned[(mapping, source_id)] = shown

    def find(self, plan: Plan, mappings: Sequence[str], record_id: str) -> tuple[str, str] | None:
        """The destination id of the record ``record_id`` (on ``plan``'s source endpoint) is
        linked to by any of ``mappings``, and which mapping linked it; the first found wins."""
        for mapping in mappings:
            link = self.state.link(mapping, record_id)
            if (
                link is not None
                and link.destination_id is not None
                and link.source_system == plan.source_endpoint
            ):
                return link.destination_id, mapping
            reverse = self.state.link_by_destination(mapping, record_id)
            if (
                reverse is not None
                and reverse.destination_system == plan.source_endpoint
                and reverse.source_system == plan.destination_endpoint
            ):
                return reverse.source_id, mapping
            with self._lock:
                planned = self._planned.get((mapping, record_id))
            if planned is not None:
                return planned, mapping
        return None


def resolve(
    crosswalk: Crosswalk,
    plan: Plan,
    requires: Sequence[Requirement],
    data: Any,
    missing: list[str],
) -> dict[str, Any]:
    """``parents.<as>`` (and ``<as>_mapping``) for one record or line; what is not synced yet
    goes to ``missing``."""
    out: dict[str, Any] = {}
    for req in requires:
        assert req.source.parsed is not None  # compiled with the plan
        value = evaluate(req.source.parsed, data)
        names = " or ".join(req.mappings)
        if value is None:
            if not req.optional:
                missing.append(f"{names} (the record has no {req.source.text})")
            continue
        found = crosswalk.find(plan, req.mappings, str(value))
        if found is None:  # optional or not: a parent that is named must be synced first
            why = why_not_synced(crosswalk.state, req.mappings, str(value))
            missing.append(f"{names}:{value}{why}")
            continue
        out[req.alias], out[f"{req.alias}_mapping"] = found
    return out


def find_parents(
    crosswalk: Crosswalk, plan: Plan, data: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[dict[str, Any], ...] | None, list[str]]:
    """The record's parents, its lines' parents, and the parents not synced yet."""
    missing: list[str] = []
    found = resolve(crosswalk, plan, plan.requires, data, missing)
    line_parents = None
    lines = plan.lines
    if lines is not None and lines.requires and lines.source.parsed is not None:
        items = evaluate(lines.source.parsed, data)
        line_parents = tuple(
            resolve(crosswalk, plan, lines.requires, line, missing)
            for line in (items if isinstance(items, list) else [])
        )
    return found, line_parents, missing
