"""Updates compare nested values with what the destination holds: a NetSuite-master update of a
Zuora account does not resend an unchanged ``billToContact``, and ``ferry plan`` shows the real
before-value of a contact field that does change."""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import NETSUITE_MAPPING, EnvFactory, SyncEnv, ns_customer


def _last_run_changes(env: SyncEnv) -> dict[str, Any]:
    runs = env.ferry("runs", "--state", env.state, "--format", "json").json()
    records = env.ferry("runs", str(runs[0]["id"]), "--state", env.state, "--format", "json")
    [updated] = [r for r in records.json() if r["outcome"] == "updated"]
    changes: dict[str, Any] = updated["detail"]["changes"]
    return changes


def _planned(env: SyncEnv) -> list[dict[str, Any]]:
    plan = env.plan("--format", "json")
    assert plan.code == 0, plan.err
    return [r for r in plan.json()["records"] if r["outcome"] == "updated"]


def test_an_unchanged_bill_to_contact_is_not_resent(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11")], customer_account_master="netsuite"
    )
    first, _ = env.sync()
    assert first.code == 0, first.err
    account = env.account_for("11")
    contact_before = env.contact(account["billToId"])

    env.netsuite_update_customer("11", {"terms": {"id": "3"}})  # Net 60; the contact is as it was

    [planned] = _planned(env)
    assert planned["mapping"] == NETSUITE_MAPPING
    assert set(planned["changes"]) == {"paymentTerm"}
    result, report = env.sync()
    assert (result.code, report["totals"]["updated"]) == (0, 1)
    assert set(_last_run_changes(env)) == {"paymentTerm"}
    assert env.account_for("11")["paymentTerm"] == "Net 60"
    assert env.contact(account["billToId"])["updatedDate"] == contact_before["updatedDate"]


def test_plan_shows_a_contact_field_before_and_after(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11")], customer_account_master="netsuite"
    )
    env.sync()

    env.netsuite_update_customer("11", {"email": "new.billing@example.com"})

    [planned] = _planned(env)
    before, after = planned["changes"]["billToContact"]
    assert before["workEmail"] == "billing11@example.com"
    assert after["workEmail"] == "new.billing@example.com"
    assert before["lastName"] == after["lastName"] == "Customer 11 Inc"
    shown = env.plan()
    assert "billToContact:" in shown.out and "billing11@example.com" in shown.out
