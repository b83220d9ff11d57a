"""A held record says why its parent is not synced: the parent was skipped by a guard, is itself
quarantined, or has not been synced by any run yet (from what the state file knows)."""

from __future__ import annotations

from tests.sync.conftest import ZUORA_MAPPING, EnvFactory, attention, zuora_account
from tests.sync.test_run_safety import _NOTE_MAPPING

NOTE = "e2e/customer-note"


def test_held_lines_say_why_the_parent_is_not_synced(make_env: EnvFactory) -> None:
    skipped, invalid, fine = (
        zuora_account(1, sync_to_netsuite="No"),
        zuora_account(2, currency="AUD"),
        zuora_account(3),
    )
    env = make_env(accounts=[skipped, invalid, fine])
    # the note mapping runs after the customer mapping: its parents were decided in this run
    (env.specs / "customer-note.yaml").write_text(_NOTE_MAPPING.replace("order: 5", "order: 50"))

    result, report = env.sync()

    assert result.code == 1, result.err  # the AUD account is invalid
    held = attention(report, skipped["id"])
    assert held["mapping"] == NOTE and held["outcome"] == "held"
    assert (
        f"{ZUORA_MAPPING}:{skipped['id']} (which {ZUORA_MAPPING} skipped in run 1: "
        "guard 'sync-to-netsuite': the account's Sync to NetSuite field is No)"
    ) in held["reason"]
    invalid_parent = [
        a for a in report["attention"] if a["mapping"] == NOTE and a["source_id"] == invalid["id"]
    ]
    assert len(invalid_parent) == 1
    assert (
        f"{ZUORA_MAPPING}:{invalid['id']} (which is itself invalid in {ZUORA_MAPPING}: "
    ) in invalid_parent[0]["reason"]
    assert "AUD" in invalid_parent[0]["reason"]
    # the summary printed for people says the same
    assert f"{ZUORA_MAPPING} skipped in run 1: guard 'sync-to-netsuite'" in result.out
    # and so does the quarantine
    listed = env.ferry("quarantine", "--state", env.state)
    assert "which is itself invalid" in listed.out


def test_a_parent_no_run_has_read_is_said_to_be_not_synced_yet(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])
    (env.specs / "customer-note.yaml").write_text(_NOTE_MAPPING)  # runs first (order 5)

    _, report = env.sync()

    held = attention(report, zuora_account(1)["id"])
    assert held["reason"].endswith("(no run has synced it yet)")
