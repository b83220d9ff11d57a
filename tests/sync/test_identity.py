"""A changed identity derivation is refused until migrated, and shown by plan (issue 13, item 7).

Changing ``identity.external_id`` would key new records differently from those synced before.
The state keeps a fingerprint of each mapping's identity definition: ``ferry plan`` shows the
change and how many synced records it would re-key, ``ferry sync`` refuses before writing, and
``ferry sync --migrate-identity MAPPING`` re-keys the crosswalk and NetSuite's externalIds.
"""

from __future__ import annotations

from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    SyncEnv,
    ns_customer,
    zuora_account,
)

OLD = 'external_id: {template: "zuora-account-{{ record.id }}"}'
NEW = 'external_id: {template: "zuora-acct-{{ record.id }}"}'


def _change_identity(env: SyncEnv) -> None:
    spec = env.specs / "customer.yaml"
    text = spec.read_text()
    assert OLD in text
    spec.write_text(text.replace(OLD, NEW))


def _external_ids(env: SyncEnv) -> dict[str, str]:
    return {str(c["custentity_zuora_id"]): str(c.get("externalId")) for c in env.customers()}


def test_an_identity_change_is_planned_refused_then_migrated(make_env: EnvFactory) -> None:
    accounts = [zuora_account(1), zuora_account(2), zuora_account(3)]
    env = make_env(accounts=accounts)
    result, _report = env.sync()
    assert result.code == 0, result.out
    assert _external_ids(env) == {a["id"]: f"zuora-account-{a['id']}" for a in accounts}
    _change_identity(env)
    env.reset_counts()

    # plan: the change and its cost, nothing written
    plan = env.plan("--format", "json")
    assert plan.code == 0, plan.err
    (change,) = plan.json()["identity_changes"]
    assert change["mapping"] == ZUORA_MAPPING
    assert change["rekeyed"] == 3
    assert "zuora-acct-" in str(change["after"]) and "zuora-account-" in str(change["before"])
    text = env.plan()
    assert "3 of 3 synced record(s) would be re-keyed" in text.out
    assert f"--migrate-identity {ZUORA_MAPPING}" in text.out

    # sync: refused before any write
    result, report = env.sync()
    assert result.code == 3
    assert report["status"] == "failed"
    assert f"--migrate-identity {ZUORA_MAPPING}" in report["error"]
    assert env.writes == 0

    # an explicit migration re-keys the crosswalk and NetSuite, then syncs as usual
    result, report = env.sync("--migrate-identity", ZUORA_MAPPING)
    assert result.code == 0, result.out
    assert "3 record(s) re-keyed" in result.out
    assert _external_ids(env) == {a["id"]: f"zuora-acct-{a['id']}" for a in accounts}
    assert {r["external_id"] for r in env.crosswalk(ZUORA_MAPPING).values()} == {
        f"zuora-acct-{a['id']}" for a in accounts
    }
    assert len(env.customers()) == 3  # re-keyed, not duplicated

    env.reset_counts()
    result, report = env.sync()
    assert result.code == 0, result.out
    assert env.writes == 0
    assert "identity_changes" not in env.plan("--format", "json").json()


def test_migrating_an_unknown_mapping_is_a_usage_error(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])

    result, _report = env.sync("--migrate-identity", "zuora-netsuite/custmer")

    assert result.code == 2
    assert "did you mean 'zuora-netsuite/customer'" in result.err
    assert env.writes == 0
    assert not env.state.exists()


def test_a_migration_giving_two_records_one_external_id_is_refused(make_env: EnvFactory) -> None:
    accounts = [zuora_account(1), zuora_account(2)]
    env = make_env(accounts=accounts)
    assert env.sync()[0].code == 0
    spec = env.specs / "customer.yaml"
    spec.write_text(spec.read_text().replace(OLD, OLD.replace("record.id", "record.currency")))
    before = _external_ids(env)
    env.reset_counts()

    result, report = env.sync("--migrate-identity", ZUORA_MAPPING)

    assert result.code == 3
    assert "several records one external id" in report["error"]
    assert all(a["id"] in report["error"] for a in accounts)
    assert env.writes == 0
    assert _external_ids(env) == before
    # still refused without the migration: the identity was not recorded as migrated
    assert env.sync()[1]["status"] == "failed"


def test_where_the_destination_keeps_no_external_ids_the_crosswalk_is_rekeyed_by_itself(
    make_env: EnvFactory,
) -> None:
    """Zuora has no external ids (NetSuite master writes Zuora accounts): nothing remote can
    be found by the old ids, so the sync re-keys its crosswalk and goes on."""
    env = make_env(customers=[ns_customer(11), ns_customer(12)], customer_account_master="netsuite")
    assert env.sync()[0].code == 0
    spec = env.specs / "customer-from-netsuite.yaml"
    old = 'external_id: {template: "netsuite-customer-{{ record.id }}"}'
    spec.write_text(spec.read_text().replace(old, old.replace("netsuite-customer", "ns-cust")))

    plan = env.plan("--format", "json").json()
    (change,) = plan["identity_changes"]
    assert change["rekeyed"] == 2 and change["migration_required"] is False
    env.reset_counts()
    result, _report = env.sync()

    assert result.code == 0, result.out
    assert "2 record(s) re-keyed" in result.out
    assert {r["external_id"] for r in env.crosswalk(NETSUITE_MAPPING).values()} == {
        "ns-cust-11",
        "ns-cust-12",
    }
    assert env.writes == 0
