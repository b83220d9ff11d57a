"""The fingerprint of each mapping's identity definition, as the crosswalk was written with it.

Why: a crosswalk row remembers the external id its record was written under. When the spec
changes how external ids are derived (``identity.external_id``), new records would get ids of
the new kind and old ones keep theirs, and any later lookup by external id would miss and
duplicate. The state keeps the definition's fingerprint per mapping so a run can notice the
change and refuse it until an explicit migration re-keys the crosswalk. ``StateStore`` mixes
this in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from engine import jsonio
from engine.run.state.rows import utc_now


class IdentityRecord(msgspec.Struct, frozen=True):
    """The identity definition a mapping's crosswalk was written with."""

    mapping: str
    fingerprint: str
    definition: Any
    recorded_at: str


class IdentityFingerprints:
    """Reads and writes the ``identity_fingerprints`` table (migration 0002)."""

    if TYPE_CHECKING:

        def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...

        def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    def identity(self, mapping: str) -> IdentityRecord | None:
        """What was recorded for ``mapping``; None also for a file opened read-only (``ferry
        plan``) before this Ferry's migration created the table."""
        table = "SELECT 1 FROM sqlite_master WHERE name = 'identity_fingerprints'"
        if not self._query(table):
            return None
        rows = self._query("SELECT * FROM identity_fingerprints WHERE mapping = ?", (mapping,))
        if not rows:
            return None
        row = rows[0]
        definition = jsonio.loads_exact(row["definition_json"])
        return IdentityRecord(row["mapping"], row["fingerprint"], definition, row["recorded_at"])

    def set_identity(self, mapping: str, fingerprint: str, definition: Any) -> None:

        now = utc_now()
        self._write(
            "INSERT OR REPLACE INTO identity_fingerprints VALUES (?, ?, ?, ?)",
            (mapping, fingerprint, jsonio.dumps_str(definition, sort_keys=True), now),
        )
