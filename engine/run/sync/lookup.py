"""Finding a source record's destination record by its natural keys before a first write.

Why a unit of its own: a first sync must link a record the destination already has instead of
creating a second one, so every first-time record is looked up by the spec's ``identity.match``
keys. Looking up one record at a time costs a query each; when the spec matches on a single key
the lookups of a whole batch are made in one query (``find_many``) and kept for the batch. More
than one match is refused: Ferry never guesses which record is meant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.compile.plan import Plan
from engine.compile.runner import natural_key
from engine.errors import SyncError
from engine.run.drivers.base import Driver, SourceRecord
from engine.run.state.store import StateStore


def _canonical(value: Any) -> str:
    return str(value)


class DestinationLookup:
    """Natural-key lookups of one mapping's destination, prefetched per batch."""

    def __init__(self, plan: Plan, destination: Driver, state: StateStore) -> None:
        self.plan = plan
        self.destination = destination
        self.state = state
        self.prefetched: dict[str, list[Mapping[str, Any]]] = {}

    def prefetch(self, records: list[SourceRecord]) -> None:
        """Look up the destination for a whole batch of first-time records in one query, when
        the spec matches on a single natural key (instead of one query per record). Batches
        read ahead add to what is kept; each entry serves one lookup, then a lookup asks again."""
        if len(self.plan.match) != 1 or not self.destination.capabilities.find_many:
            return
        field = self.plan.match[0][0]
        values = {}
        for record in records:
            link = self.state.link(self.plan.name, record.id)
            if link is None or link.destination_id is None:
                key = natural_key(self.plan, record.data).get(field)
                if key is not None:
                    values[_canonical(key)] = key
        if not values:
            return
        found = self.destination.find_many(
            self.plan.destination_object, field, list(values.values())
        )
        fetched: dict[str, list[Mapping[str, Any]]] = {key: [] for key in values}
        for candidate in found:
            key = _canonical(candidate.get(field))
            if key in fetched:
                fetched[key].append(candidate)
        self.prefetched.update(fetched)

    def find(self, lookup: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The one destination record matching ``lookup``, or None; several is an error."""
        if not lookup or not self.destination.capabilities.find_by_key:
            return None
        key = _canonical(next(iter(lookup.values()))) if len(lookup) == 1 else None
        found: Sequence[Mapping[str, Any]] | None = None
        if key is not None:
            found = self.prefetched.pop(key, None)  # looked up with the rest of its batch
        if found is None:
            found = self.destination.find(self.plan.destination_object, lookup)
        if len(found) > 1:
            ids = ", ".join(str(r.get("id")) for r in found[:5])
            raise SyncError(
                f"{len(found)} destination records match {dict(lookup)} ({ids}); "
                "refusing to guess which one this record is"
            )
        return found[0] if found else None
