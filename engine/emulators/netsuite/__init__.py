"""An emulator of NetSuite's SuiteTalk REST web services, for tests, demos and ``ferry emulate``.

Why emulate: the sync engine must be exercised end to end - signed requests, 204 + ``Location``
creates, auto-numbering that replaces supplied numbers, SuiteQL paging, governance 429s, lost
responses - without a NetSuite account. Where the real behaviour is undocumented, the emulator
takes the stricter reading and says so in ``docs/emulators-netsuite.md``.

Usage::

    from engine.emulators.netsuite import create_app, DEFAULT_ACCOUNT
    from engine.emulators.server import running

    app = create_app(autonumber={"customer": {"enabled": True, "prefix": "CUST"}})
    with running(app) as srv:
        ...  # srv.base_url + "/services/rest/record/v1/customer"
    app.state.store        # the in-memory records, for assertions
    app.plan.add({"kind": "503", "path": "/services/rest/record/v1/*"})

Package layout: ``app`` (routes), ``auth`` (TBA verification), ``schema`` (record types and
fields), ``validate`` (body -> values), ``writes`` (create/update/upsert rules, auto-numbering),
``ledger`` (amounts and applications), ``render`` (records -> JSON), ``suiteql`` (parser) and
``suiteql_run`` (evaluation), ``seed`` (seed folders), ``store`` (state), ``nserror``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

# Test-default credentials: documented, not secret, and accepted only by this emulator.
from engine.emulators.credentials import (
    DEFAULT_ACCOUNT,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    DEFAULT_TOKEN_ID,
    DEFAULT_TOKEN_SECRET,
)
from engine.emulators.netsuite.app import NetSuiteEmulator
from engine.emulators.netsuite.auth import Credentials, TbaVerifier
from engine.emulators.netsuite.metadata import DEFAULT_CUSTOM_FIELDS
from engine.emulators.netsuite.schema import add_custom_fields
from engine.emulators.netsuite.seed import load_records, read_settings
from engine.emulators.netsuite.store import DEFAULT_AUTONUMBER, AutoNumber, Store


def create_app(
    *,
    account: str = DEFAULT_ACCOUNT,
    consumer_key: str = DEFAULT_CONSUMER_KEY,
    consumer_secret: str = DEFAULT_CONSUMER_SECRET,
    token_id: str = DEFAULT_TOKEN_ID,
    token_secret: str = DEFAULT_TOKEN_SECRET,
    data_dir: Path | None = None,
    concurrency_limit: int = 5,
    autonumber: dict[str, Any] | None = None,
    clock: Callable[[], datetime] | None = None,
    latency_ms: float | None = None,
    jitter_ms: float | None = None,
) -> NetSuiteEmulator:
    """Build the emulator for one account.

    ``autonumber`` settings are merged over those of ``data_dir/autonumber.json``, which are
    merged over ``DEFAULT_AUTONUMBER``. ``clock`` drives ``dateCreated``/``lastModifiedDate``
    and default transaction dates; TBA timestamps are always checked against wall time.
    ``latency_ms`` (give or take ``jitter_ms``) delays every request while it holds its
    concurrency slot, as a real account's response time would.
    """
    settings = read_settings(data_dir)
    custom = {k: list(v) for k, v in DEFAULT_CUSTOM_FIELDS.items()}
    for name, extra in settings.custom_fields.items():
        custom.setdefault(name, []).extend(f for f in extra if f not in custom[name])
    merged = {k: dict(v) for k, v in settings.autonumber.items()}
    for name, values in (autonumber or {}).items():
        merged.setdefault(name, {}).update(values)
    store = Store(
        add_custom_fields(custom),
        autonumber=merged,
        lists=settings.lists,
        clock=clock,
    )
    load_records(store, data_dir)
    creds = Credentials(account, consumer_key, consumer_secret, token_id, token_secret)
    return NetSuiteEmulator(
        store,
        TbaVerifier(creds),
        concurrency_limit=concurrency_limit,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
    )


__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_AUTONUMBER",
    "DEFAULT_CONSUMER_KEY",
    "DEFAULT_CONSUMER_SECRET",
    "DEFAULT_TOKEN_ID",
    "DEFAULT_TOKEN_SECRET",
    "AutoNumber",
    "NetSuiteEmulator",
    "Store",
    "create_app",
]
