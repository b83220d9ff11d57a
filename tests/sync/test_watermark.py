"""The watermark never runs ahead of the run (issue 13, item 5).

A source record dated in the future (``updatedDate`` 2999-...) is synced like any other, but the
stored watermark is clamped to the run's start minus a safety overlap: a later change to any
other record is still read and synced.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from tests.sync.conftest import ZUORA_MAPPING, EnvFactory, zuora_account


def _watermark(env_state: object) -> datetime:
    conn = sqlite3.connect(f"file:{env_state}?mode=ro", uri=True)
    try:
        (value,) = conn.execute(
            "SELECT value FROM watermarks WHERE mapping = ?", (ZUORA_MAPPING,)
        ).fetchone()
    finally:
        conn.close()
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_future_dated_record_syncs_and_later_changes_are_still_read(
    make_env: EnvFactory,
) -> None:
    future = zuora_account(1, updated="2999-01-01T00:00:00.000Z")
    other = zuora_account(2)
    env = make_env(accounts=[future, other])

    result, report = env.sync()

    assert result.code == 0, result.out
    assert report["totals"]["created"] == 2  # the future-dated record itself syncs
    assert env.customer_for(future["id"])["companyName"] == "Company 1 Ltd"
    assert _watermark(env.state) <= datetime.fromisoformat(
        report["started_at"].replace("Z", "+00:00")
    )
    assert _watermark(env.state) < datetime(2100, 1, 1, tzinfo=UTC)

    env.zuora_update_account(other["id"], {"name": "Changed Later Ltd"})
    result, report = env.sync()

    assert result.code == 0, result.out
    assert env.customer_for(other["id"])["companyName"] == "Changed Later Ltd"
    assert report["totals"]["updated"] == 1
    assert report["totals"]["created"] == 0  # nothing written twice
