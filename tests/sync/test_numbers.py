"""Account numbers: account_number_mapping, account_number_update, NetSuite's Auto-Generated
Numbers (preflight and replaced numbers) and de_concatenate_account_number.

Seed page, "Customer account number mapping", "Customer account number update behavior" and
"De-concatenate account number".
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    attention,
    ns_customer,
    zuora_account,
)

# --- account_number_mapping, Zuora -> NetSuite ---------------------------------------------------


def test_source_number_zuora_to_netsuite(make_env: EnvFactory) -> None:
    account = zuora_account(1, number="ZN-0001")
    env = make_env(accounts=[account], account_number_mapping="source_number")

    result, _ = env.sync()

    assert result.code == 0
    assert env.customer_for(account["id"])["entityId"] == "ZN-0001"


def test_source_name_zuora_to_netsuite_company_and_person(make_env: EnvFactory) -> None:
    company = zuora_account(1, name="Globex Systems, Inc.")
    person = zuora_account(2, person=True, first="Grace", last="Hopper", name="GH Account")
    env = make_env(accounts=[company, person], account_number_mapping="source_name")

    result, _ = env.sync()

    assert result.code == 0
    # the connector advises against `"` and `,` in names; they are left out
    assert env.customer_for(company["id"])["entityId"] == "Globex Systems Inc."
    # individuals: first + last name, not the account name
    assert env.customer_for(person["id"])["entityId"] == "Grace Hopper"


def test_destination_auto_number_zuora_to_netsuite(make_env: EnvFactory) -> None:
    first, second = zuora_account(1), zuora_account(2)
    env = make_env(
        accounts=[first, second],
        # NetSuite keeps a number it is sent (override on): CUST.. proves none was sent
        ns_autonumber={"enabled": True, "prefix": "CUST", "allow_override": True},
        numbering={"enabled": True, "allow_override": True, "allow_update": True},
        account_number_mapping="destination_auto_number",
    )

    result, _ = env.sync()

    assert result.code == 0, result.out
    numbers = {env.customer_for(a["id"])["entityId"] for a in (first, second)}
    assert numbers == {"CUST0001", "CUST0002"}
    crosswalk = env.crosswalk(ZUORA_MAPPING)
    for account in (first, second):
        customer = env.customer_for(account["id"])
        row = crosswalk[account["id"]]
        assert json.loads(row["assigned_json"]) == {"entityId": customer["entityId"]}
        assert "entityId" not in json.loads(row["payload_json"])

    # a later change is synced without touching the assigned number
    env.zuora_update_account(first["id"], {"name": "Renamed Ltd", "accountNumber": "A-NEW"})
    env.sync()
    customer = env.customer_for(first["id"])
    assert customer["companyName"] == "Renamed Ltd"
    assert customer["entityId"] in numbers


# --- account_number_mapping, NetSuite -> Zuora ---------------------------------------------------


def test_source_number_netsuite_to_zuora(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="NS-0011")],
        customer_account_master="netsuite",
        account_number_mapping="source_number",
    )

    result, _ = env.sync()

    assert result.code == 0
    assert env.account_for("11")["accountNumber"] == "NS-0011"


def test_source_name_netsuite_to_zuora_company_and_person(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[
            ns_customer(11, entity_id="C-11", company="Initech Holdings"),
            ns_customer(12, entity_id="P-12", person=True, first="Radia", last="Perlman"),
        ],
        customer_account_master="netsuite",
        account_number_mapping="source_name",
    )

    result, _ = env.sync()

    assert result.code == 0
    assert env.account_for("11")["accountNumber"] == "Initech Holdings"
    assert env.account_for("12")["accountNumber"] == "Radia Perlman"


def test_destination_auto_number_netsuite_to_zuora(make_env: EnvFactory) -> None:
    env = make_env(
        accounts=[zuora_account(1)],  # A00000001 is taken: Zuora skips it
        customers=[ns_customer(11, entity_id="C-11"), ns_customer(12, entity_id="C-12")],
        customer_account_master="netsuite",
        account_number_mapping="destination_auto_number",
    )

    result, _ = env.sync()

    assert result.code == 0
    crosswalk = env.crosswalk(NETSUITE_MAPPING)
    numbers = set()
    for customer_id in ("11", "12"):
        account = env.account_for(customer_id)
        numbers.add(account["accountNumber"])
        row = crosswalk[customer_id]
        assert json.loads(row["assigned_json"]) == {"accountNumber": account["accountNumber"]}
        assert "accountNumber" not in json.loads(row["payload_json"])
    assert numbers == {"A00000002", "A00000003"}


# --- account_number_update -----------------------------------------------------------------------


@pytest.mark.parametrize(("update", "expected"), [("allow", "ZN-NEW"), ("deny", "ZN-OLD")])
def test_number_update_zuora_to_netsuite(make_env: EnvFactory, update: str, expected: str) -> None:
    account = zuora_account(1, number="ZN-OLD")
    env = make_env(accounts=[account], account_number_update=update)
    env.sync()

    env.zuora_update_account(account["id"], {"accountNumber": "ZN-NEW", "name": "Renamed Ltd"})
    result, _ = env.sync()

    assert result.code == 0
    customer = env.customer_for(account["id"])
    assert customer["entityId"] == expected
    assert customer["companyName"] == "Renamed Ltd"  # other fields are updated either way


@pytest.mark.parametrize(("update", "expected"), [("allow", "NS-NEW"), ("deny", "NS-OLD")])
def test_number_update_netsuite_to_zuora(make_env: EnvFactory, update: str, expected: str) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="NS-OLD")],
        customer_account_master="netsuite",
        account_number_update=update,
    )
    env.sync()

    env.netsuite_update_customer("11", {"entityId": "NS-NEW", "companyName": "Renamed Inc"})
    result, _ = env.sync()

    assert result.code == 0
    account = env.account_for("11")
    assert account["accountNumber"] == expected
    assert account["name"] == "Renamed Inc"


# --- NetSuite Auto-Generated Numbers -------------------------------------------------------------


def test_preflight_refuses_source_numbers_without_allow_override(make_env: EnvFactory) -> None:
    env = make_env(
        accounts=[zuora_account(1), zuora_account(2)],
        ns_autonumber={"enabled": True, "prefix": "CUST", "allow_override": False},
        numbering={"enabled": True, "allow_override": False, "allow_update": True},
        account_number_mapping="source_number",
    )

    result, report = env.sync()

    assert result.code == 3
    assert report["status"] == "failed"
    assert "Allow Override" in report["error"]
    assert "Allow Override" in result.out
    assert env.customers() == []
    assert env.zuora.writes + env.netsuite.writes == 0


def test_preflight_refuses_number_updates_without_allow_update(make_env: EnvFactory) -> None:
    env = make_env(
        accounts=[zuora_account(1)],
        ns_autonumber={"enabled": True, "allow_override": True, "allow_update": False},
        numbering={"enabled": True, "allow_override": True, "allow_update": False},
        account_number_mapping="source_number",
        customer_sync_behavior="new_and_modified",
        account_number_update="allow",
    )

    result, report = env.sync()

    assert result.code == 3
    assert "Update" in report["error"] and "account_number_update: deny" in report["error"]
    assert env.customers() == []
    assert env.zuora.writes + env.netsuite.writes == 0


@pytest.mark.parametrize(
    "settings",
    [
        # numbers written on create only: Update is not needed
        {
            "account_number_mapping": "source_number",
            "customer_sync_behavior": "new_and_modified",
            "account_number_update": "deny",
        },
        # nothing updated after creation: Update is not needed
        {
            "account_number_mapping": "source_number",
            "customer_sync_behavior": "new_only",
            "account_number_update": "allow",
        },
        # nothing sent: neither Allow Override nor Update is needed
        {
            "account_number_mapping": "destination_auto_number",
            "customer_sync_behavior": "new_and_modified",
            "account_number_update": "allow",
        },
    ],
    ids=["update-deny", "new-only", "auto-number"],
)
def test_preflight_accepts_configurations_that_do_not_need_the_permission(
    make_env: EnvFactory, settings: dict[str, str]
) -> None:
    account = zuora_account(1)
    allow_override = settings["account_number_mapping"] == "source_number"
    env = make_env(
        accounts=[account],
        ns_autonumber={"enabled": True, "allow_override": allow_override, "allow_update": False},
        numbering={"enabled": True, "allow_override": allow_override, "allow_update": False},
        **settings,
    )
    result, _ = env.sync()
    assert result.code == 0, result.out
    number = env.customer_for(account["id"])["entityId"]

    # a later number change never reaches NetSuite, which would refuse it
    env.zuora_update_account(account["id"], {"accountNumber": "A-CHANGED", "name": "New Ltd"})
    result, report = env.sync()

    assert result.code == 0, report["attention"]
    customer = env.customer_for(account["id"])
    assert customer["entityId"] == number
    new_only = settings["customer_sync_behavior"] == "new_only"
    assert customer["companyName"] == ("Company 1 Ltd" if new_only else "New Ltd")


def test_plan_refuses_like_sync_when_the_preflight_fails(make_env: EnvFactory) -> None:
    env = make_env(
        accounts=[zuora_account(1)],
        numbering={"enabled": True, "allow_override": False, "allow_update": True},
    )

    result = env.plan()

    assert result.code == 3
    assert "preflight failed" in result.out and "Allow Override" in result.out
    assert env.zuora.writes + env.netsuite.writes == 0
    assert not env.state.exists()


def test_number_update_refused_by_netsuite_is_quarantined(make_env: EnvFactory) -> None:
    """Settings claim Update is allowed, NetSuite says otherwise: the record is rejected with
    NetSuite's message, the others go on."""
    account, other = zuora_account(1), zuora_account(2)
    env = make_env(
        accounts=[account, other],
        ns_autonumber={"enabled": True, "allow_override": True, "allow_update": False},
        numbering={"enabled": True, "allow_override": True, "allow_update": True},
        account_number_update="allow",
    )
    env.sync()

    env.zuora_update_account(account["id"], {"accountNumber": "A-CHANGED"})
    env.zuora_update_account(other["id"], {"name": "Other Renamed Ltd"})
    result, report = env.sync()

    assert result.code == 1
    entry = attention(report, account["id"])
    assert entry["outcome"] == "rejected"
    assert "entityid" in entry["reason"].lower() and "permission" in entry["reason"].lower()
    assert env.customer_for(account["id"])["entityId"] == "A00000001"
    assert env.customer_for(other["id"])["companyName"] == "Other Renamed Ltd"


def test_a_number_replaced_by_the_destination_is_reported(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    env = make_env(
        accounts=[account],
        # NetSuite really replaces numbers, while the settings claim Allow Override is on
        ns_autonumber={"enabled": True, "prefix": "CUST", "allow_override": False},
        numbering={"enabled": True, "allow_override": True, "allow_update": True},
        account_number_mapping="source_number",
    )

    result, report = env.sync()

    assert result.code == 0
    assert env.customer_for(account["id"])["entityId"] == "CUST0001"
    entry = attention(report, account["id"])
    assert entry["outcome"] == "created"
    assert any("A00000001" in w and "CUST0001" in w for w in entry["warnings"]), entry


# --- de_concatenate_account_number ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("enabled", "ACME-001"), ("disabled", "ACME-001 Acme Corp")],
)
def test_de_concatenate_account_number(make_env: EnvFactory, setting: str, expected: str) -> None:
    env = make_env(
        customers=[
            ns_customer(11, entity_id="ACME-001 Acme Corp"),
            ns_customer(12, entity_id="C12"),
        ],
        customer_account_master="netsuite",
        account_number_mapping="source_number",
        de_concatenate_account_number=setting,
    )

    result, _ = env.sync()

    assert result.code == 0
    assert env.account_for("11")["accountNumber"] == expected
    assert env.account_for("12")["accountNumber"] == "C12"  # no space: the whole id


def test_de_concatenated_number_follows_changes_while_not_invoiced(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="ACME-001 Acme Corp")],
        customer_account_master="netsuite",
        de_concatenate_account_number="enabled",
    )
    env.sync()

    env.netsuite_update_customer("11", {"entityId": "ACME-002 Acme Corp"})
    result, _ = env.sync()

    assert result.code == 0
    assert env.account_for("11")["accountNumber"] == "ACME-002"


def test_account_number_is_never_rewritten_once_invoiced(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="ACME-001 Acme Corp", company="Acme Corp")],
        customer_account_master="netsuite",
        de_concatenate_account_number="enabled",
        account_number_update="allow",
    )
    env.sync()
    account = env.account_for("11")
    env.zuora_post_invoice(account["id"])
    assert env.account(account["id"])["lastInvoiceDate"] is not None

    env.netsuite_update_customer(
        "11", {"entityId": "ACME-777 Acme Corp", "companyName": "Acme Corporation"}
    )
    result, report = env.sync()

    assert result.code == 0, report["attention"]
    account = env.account_for("11")
    assert account["accountNumber"] == "ACME-001"
    assert account["name"] == "Acme Corporation"
    assert report["totals"]["updated"] == 1


def test_number_update_reaches_netsuite_without_a_non_connector_copy(make_env: EnvFactory) -> None:
    account = zuora_account(1, number="ZN-OLD")
    env = make_env(accounts=[account], account_number_update="allow")
    env.sync()

    env.zuora_update_account(account["id"], {"accountNumber": "ZN-NEW"})
    env.sync()

    assert env.customer_for(account["id"])["entityId"] == "ZN-NEW"
    # the connector has no "NetSuite customer id" field on accounts: nothing else is written back
    assert "NetSuiteCustomerId__NS" not in env.account(account["id"])


# --- engine-side numbering: auto_number {mode: sequence} in a sync -------------------------------


def _number_from_sequence(specs: Path) -> None:
    """Edit the copied customer mapping: the source_number case takes its Customer ID from an
    engine-side sequence (for destinations that cannot number records themselves)."""
    spec = specs / "customer.yaml"
    text = spec.read_text()
    case = "      source_number:\n        from: accountNumber\n"
    assert case in text
    numbered = case + (
        '        transforms: [{auto_number: {mode: sequence, prefix: "CUST-", padding: 5,'
        " start: 100}}]\n"
    )
    spec.write_text(text.replace(case, numbered))


def _sequence_value(state: Path) -> int | None:
    with closing(sqlite3.connect(state)) as db:
        row = db.execute("SELECT value FROM sequences WHERE name = 'entityId'").fetchone()
    return None if row is None else int(row[0])


def test_engine_side_numbers_persist_in_the_state_and_plans_take_none(
    make_env: EnvFactory,
) -> None:
    first, second = zuora_account(1), zuora_account(2)
    # linked to an existing customer: its create payload is rendered, then not used
    linked = zuora_account(3, IntegrationId__NS="7", sync_to_netsuite="No")
    later = zuora_account(4, sync_to_netsuite="No")
    env = make_env(
        accounts=[first, second, linked, later],
        customers=[ns_customer(7, entity_id="KEEP-7")],
        account_number_mapping="source_number",
        account_number_update="deny",
    )
    _number_from_sequence(env.specs)

    result, report = env.sync()

    assert result.code == 0, result.out
    assert report["totals"]["created"] == 2
    numbers = {env.customer_for(a["id"])["entityId"] for a in (first, second)}
    assert numbers == {"CUST-00100", "CUST-00101"}
    assert _sequence_value(env.state) == 101

    # alone in its run, so no other record can take a number meanwhile
    env.zuora_update_account(linked["id"], {"SynctoNetSuite__NS": "Yes"})
    result, report = env.sync()

    assert report["totals"]["linked"] == 1, result.out
    assert env.customer("7")["entityId"] == "KEEP-7"
    assert _sequence_value(env.state) == 101  # the linked account gave its number back

    env.zuora_update_account(later["id"], {"SynctoNetSuite__NS": "Yes"})
    planned = env.plan("--format", "json")
    assert planned.code == 0, planned.out
    creates = [r for r in planned.json()["records"] if r["outcome"] == "created"]
    assert [r["source_id"] for r in creates] == [later["id"]]
    assert "CUST-00102" in json.dumps(creates[0])
    assert _sequence_value(env.state) == 101  # a plan shows the next number, takes none

    result, report = env.sync()

    assert result.code == 0, result.out
    assert report["totals"]["created"] == 1
    assert env.customer_for(later["id"])["entityId"] == "CUST-00102"
    # numbered once: the earlier customers keep theirs
    assert {env.customer_for(a["id"])["entityId"] for a in (first, second)} == numbers
    assert _sequence_value(env.state) == 102


def test_a_sequence_numbered_field_written_on_updates_stops_the_sync(
    make_env: EnvFactory,
) -> None:
    env = make_env(
        accounts=[zuora_account(1)],
        account_number_mapping="source_number",
        account_number_update="allow",
    )
    _number_from_sequence(env.specs)

    result, _ = env.sync()

    assert result.code == 1, result.out  # a spec problem, found before anything runs
    assert "needs `write: create`" in result.err
    assert "customer.yaml:" in result.err
    assert env.customers() == []
