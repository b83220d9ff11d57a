"""Crosswalk rows and the lookups that read them from the destination side.

Why a module of its own: a parent can be owned by a mapping running the other way (with NetSuite
as customer master, ``netsuite-zuora/customer`` links a NetSuite customer to the Zuora account an
invoice names), so the crosswalk is also read by destination id. ``StateStore`` mixes this in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.run.state.rows import Link, link_of


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
        return link_of(rows[0]) if rows else None

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
