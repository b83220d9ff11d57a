"""Crosswalk rows and the lookups that read them from the destination side.

Why a module of its own: a parent can be owned by a mapping running the other way (with NetSuite
as customer master, ``netsuite-zuora/customer`` links a NetSuite customer to the Zuora account an
invoice names), so the crosswalk is also read by destination id. ``StateStore`` mixes this in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine import jsonio


@dataclass(frozen=True)
class Link:
    """A crosswalk row: one source record and the destination record it became."""

    mapping: str
    source_id: str
    source_system: str
    destination_system: str
    destination_id: str | None
    external_id: str | None
    payload_hash: str | None
    payload: dict[str, Any] | None
    assigned: dict[str, Any] | None
    source_version: str | None
    tracked_at: str | None
    last_synced_at: str
    spec_name: str
    spec_version: int


def _unjson(text: str | None) -> Any:
    return None if text is None else jsonio.loads_exact(text)


def link_from_row(row: sqlite3.Row) -> Link:
    """A crosswalk row as read from SQLite."""
    return Link(
        row["mapping"],
        row["source_id"],
        row["source_system"],
        row["destination_system"],
        row["destination_id"],
        row["external_id"],
        row["payload_hash"],
        _unjson(row["payload_json"]),
        _unjson(row["assigned_json"]),
        row["source_version"],
        row["tracked_at"],
        row["last_synced_at"],
        row["spec_name"],
        row["spec_version"],
    )


class CrosswalkQueries:
    """Crosswalk reads and edits beyond the per-source-record ones of ``StateStore``."""

    if TYPE_CHECKING:

        def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...

        def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    def link_by_destination(self, mapping: str, destination_id: str) -> Link | None:
        """The crosswalk row of ``mapping`` whose destination record is ``destination_id``."""
        rows = self._query(
            "SELECT * FROM crosswalk WHERE mapping = ? AND destination_id = ? "
            "ORDER BY source_id LIMIT 1",
            (mapping, destination_id),
        )
        return link_from_row(rows[0]) if rows else None

    def keyed_links(self, mapping: str) -> int:
        """How many crosswalk rows of ``mapping`` carry an external id."""
        rows = self._query(
            "SELECT COUNT(*) FROM crosswalk WHERE mapping = ? AND external_id IS NOT NULL",
            (mapping,),
        )
        return int(rows[0][0])

    def set_external_id(self, mapping: str, source_id: str, external_id: str | None) -> None:
        """Re-key one crosswalk row (an identity migration)."""
        self._write(
            "UPDATE crosswalk SET external_id = ? WHERE mapping = ? AND source_id = ?",
            (external_id, mapping, source_id),
        )
