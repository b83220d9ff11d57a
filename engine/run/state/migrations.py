"""The state file's schema, as named migrations applied in order and recorded in the file.

Why named and recorded: a state file outlives Ferry versions. Each migration runs once, inside
a transaction, and its name is stored, so opening an old file brings it forward and a file
from a newer Ferry (with migrations this one does not know) is refused instead of misread.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """
        CREATE TABLE crosswalk (
            mapping TEXT NOT NULL,
            source_id TEXT NOT NULL,
            source_system TEXT NOT NULL,
            destination_system TEXT NOT NULL,
            destination_id TEXT,
            external_id TEXT,
            payload_hash TEXT,
            payload_json TEXT,
            assigned_json TEXT,
            source_version TEXT,
            tracked_at TEXT,
            last_synced_at TEXT NOT NULL,
            spec_name TEXT NOT NULL,
            spec_version INTEGER NOT NULL,
            PRIMARY KEY (mapping, source_id)
        );
        CREATE INDEX crosswalk_destination ON crosswalk (mapping, destination_id);

        CREATE TABLE watermarks (
            mapping TEXT PRIMARY KEY,
            value TEXT,
            behavior TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            mode TEXT NOT NULL,
            specs_json TEXT NOT NULL,
            counts_json TEXT,
            error TEXT
        );

        CREATE TABLE run_records (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            mapping TEXT NOT NULL,
            source_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            destination_id TEXT,
            detail_json TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX run_records_run ON run_records (run_id, outcome);

        CREATE TABLE intents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            mapping TEXT NOT NULL,
            source_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            external_id TEXT,
            payload_json TEXT NOT NULL,
            lookup_json TEXT,
            status TEXT NOT NULL,
            result_json TEXT,
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX intents_pending ON intents (status, mapping);

        CREATE TABLE quarantine (
            mapping TEXT NOT NULL,
            source_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            payload_json TEXT,
            detail_json TEXT,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            PRIMARY KEY (mapping, source_id)
        );

        CREATE TABLE sequences (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        """,
    ),
    (
        "0002_run_lease",
        """
        CREATE TABLE run_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            process_start TEXT,
            token TEXT NOT NULL
        );
        CREATE INDEX run_records_record ON run_records (mapping, source_id)
        """,
    ),
    (
        # why: a changed identity.external_id is refused until migrated
        # (engine/run/state/identity.py)
        "0003_identity_fingerprints",
        """
        CREATE TABLE identity_fingerprints (
            mapping TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            definition_json TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        """,
    ),
)
