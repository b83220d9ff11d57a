"""``ferry plan``: per-record actions and field-level before -> after, with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.run.state import StateStore
from tests.conftest import CliResult
from tests.sync.conftest import ZUORA_MAPPING, EnvFactory, SyncEnv, ns_customer, zuora_account


def _snapshot(env: SyncEnv) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    key = "id"
    return (
        sorted(env.accounts(), key=lambda r: r[key]),
        sorted(env.customers(), key=lambda r: r[key]),
    )


def test_plan_without_state_lists_creates_and_writes_nothing(make_env: EnvFactory) -> None:
    accounts = [zuora_account(1), zuora_account(2), zuora_account(3, sync_to_netsuite="No")]
    env = make_env(accounts=accounts)
    before = _snapshot(env)

    result = env.plan()

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    for account in accounts[:2]:
        assert any(
            line.split()[:3] == ["created", ZUORA_MAPPING, account["id"]] for line in lines
        ), result.out
    skipped = next(line for line in lines if accounts[2]["id"] in line)
    assert skipped.startswith("skipped") and "Sync to NetSuite" in skipped
    assert "ferry plan: planned" in result.out
    assert env.zuora.writes + env.netsuite.writes == 0
    assert _snapshot(env) == before
    assert not env.state.exists()
    assert not Path(str(env.state) + ".lock").exists()


def test_plan_shows_field_changes_of_an_update_and_writes_nothing(make_env: EnvFactory) -> None:
    changed, same = zuora_account(1), zuora_account(2)
    env = make_env(accounts=[changed, same])
    env.sync()
    customer_id = env.customer_for(changed["id"])["id"]
    env.zuora_update_account(changed["id"], {"name": "Planned Name Ltd", "paymentTerm": "Net 60"})
    state_before = env.state.read_bytes()
    runs_before = env.ferry("runs", "--state", env.state, "--format", "json").json()
    before = _snapshot(env)
    env.reset_counts()

    result = env.plan()

    assert result.code == 0, result.err
    assert f"updated   {ZUORA_MAPPING} {changed['id']} -> {customer_id}" in result.out
    assert '    companyName: "Company 1 Ltd" -> "Planned Name Ltd"' in result.out
    assert '    terms: {"id":"2"} -> {"id":"3"}' in result.out
    assert same["id"] not in result.out  # unchanged records are not listed
    assert env.zuora.writes + env.netsuite.writes == 0
    assert _snapshot(env) == before
    assert env.state.read_bytes() == state_before
    assert env.ferry("runs", "--state", env.state, "--format", "json").json() == runs_before

    # the plan did not use the change up: the sync still applies it
    result, report = env.sync()
    assert report["totals"]["updated"] == 1
    assert env.customer_for(changed["id"])["companyName"] == "Planned Name Ltd"


def _plan_body(result: CliResult) -> dict[str, Any]:
    """A JSON plan without its times, its records in a stable order."""
    assert result.code == 0, result.err
    body: dict[str, Any] = result.json()
    for key in ("started_at", "finished_at"):
        body.pop(key)
    body["records"].sort(key=lambda r: (r["mapping"], r["source_id"]))
    return body


def test_a_plan_without_a_state_file_plans_as_on_a_new_one(
    make_env: EnvFactory, tmp_path: Path
) -> None:
    """With no state file the plan reads an empty state held in memory, which answers as a
    new state file does: the same outcomes and payloads, every migration a new file gets, and
    no file made."""
    accounts = [zuora_account(1), zuora_account(2), zuora_account(3, sync_to_netsuite="No")]
    env = make_env(accounts=accounts)
    new_file = tmp_path / "new.sqlite"
    StateStore.open(new_file).close()

    without = _plan_body(env.plan("--format", "json"))
    on_new = _plan_body(
        env.ferry(
            "plan",
            env.specs,
            "--connections",
            env.connections,
            "--state",
            new_file,
            "--format",
            "json",
        )
    )

    assert without == on_new
    assert without["totals"]["created"] == 2
    assert not env.state.exists()
    with StateStore.empty() as memory, StateStore.open(new_file, readonly=True) as file:
        assert [name for name, _ in memory.migrations()] == [n for n, _ in file.migrations()]
        assert memory.migrations()


def test_plan_json_lists_records_with_changes(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11"), ns_customer(12, entity_id="C-12")],
        customer_account_master="netsuite",
    )
    env.sync()
    env.netsuite_update_customer("12", {"companyName": "Planned Inc"})
    env.reset_counts()

    result = env.plan("--format", "json")

    assert result.code == 0, result.err
    body = result.json()
    assert body["mode"] == "plan"
    assert body["totals"]["updated"] == 1
    updated = [r for r in body["records"] if r["outcome"] == "updated"]
    assert [r["source_id"] for r in updated] == ["12"]
    assert updated[0]["changes"]["name"] == ["Customer 12 Inc", "Planned Inc"]
    assert updated[0]["destination_id"] == env.account_for("12")["id"]
    assert env.zuora.writes + env.netsuite.writes == 0
    assert env.account_for("12")["name"] == "Customer 12 Inc"


def test_plan_with_an_unknown_endpoint_fails_before_reading(make_env: EnvFactory) -> None:
    """Exit 3 from plan when the run cannot start (a mapping names a missing endpoint)."""
    env = make_env(accounts=[zuora_account(1)])
    connections = env.connections.read_text().replace("  netsuite:\n", "  ns:\n", 1)
    env.connections.write_text(connections)

    result = env.plan()

    assert result.code == 3
    assert "endpoint 'netsuite'" in result.err
    assert not env.state.exists()
