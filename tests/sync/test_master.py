"""customer_account_master: only the master's records and changes flow, one way.

Seed page: "Only Customer Accounts created or modified in the master application will be synced
to the destination application." Facts 1a: "Edits made in the destination never flow back."
"""

from __future__ import annotations

from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    ns_customer,
    zuora_account,
)


def test_zuora_master_creates_one_netsuite_customer_per_account(make_env: EnvFactory) -> None:
    company = zuora_account(1, name="Northwind Traders Ltd", currency="GBP")
    person = zuora_account(2, person=True, first="Alan", last="Turing")
    env = make_env(accounts=[company, person], customers=[ns_customer(50)])

    result, report = env.sync()

    assert result.code == 0, result.out + result.err
    assert report["totals"]["created"] == 2
    assert report["mappings"][0]["name"] == ZUORA_MAPPING  # the reverse mapping is disabled
    northwind = env.customer_for(company["id"])
    assert northwind["entityId"] == "A00000001"
    assert northwind["companyName"] == "Northwind Traders Ltd"
    assert northwind["isPerson"] is False
    assert northwind["currency"] == {"id": "2"}  # GBP, looked up by exact name
    assert northwind["terms"] == {"id": "2"}  # Net 30
    assert northwind["email"] == "ada.lovelace.1@example.com"
    assert northwind["externalId"] == f"zuora-account-{company['id']}"
    assert northwind["custentity_zuora_origin"] == "ZUORA"
    turing = env.customer_for(person["id"])
    assert (turing["isPerson"], turing["firstName"], turing["lastName"]) == (True, "Alan", "Turing")
    # tracking fields are written back on the source (the master) only
    account = env.account(company["id"])
    assert account["IntegrationId__NS"] == northwind["id"]
    assert account["IntegrationStatus__NS"] == "Sync Complete"
    assert "NetSuiteCustomerId__NS" not in account  # not a connector field (api-facts §1.8)
    assert account["SyncDate__NS"] == report["started_at"]
    # the NetSuite customer that was already there is not sent to Zuora
    assert len(env.accounts()) == 2


def test_zuora_master_syncs_zuora_changes(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account, zuora_account(2)])
    env.sync()

    env.zuora_update_account(account["id"], {"name": "Renamed Company Ltd"})
    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["updated"] == 1
    assert env.customer_for(account["id"])["companyName"] == "Renamed Company Ltd"
    assert env.customer_for(zuora_account(2)["id"])["companyName"] == "Company 2 Ltd"
    assert env.netsuite.writes == 1


def test_zuora_master_netsuite_edits_do_not_flow_back(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account])
    env.sync()
    customer = env.customer_for(account["id"])
    before = env.account(account["id"])

    env.netsuite_update_customer(
        customer["id"], {"companyName": "Edited In NetSuite", "phone": "1"}
    )
    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] + report["totals"]["updated"] == 0
    after = env.account(account["id"])
    assert after["name"] == before["name"] == "Company 1 Ltd"
    assert after["updatedDate"] == before["updatedDate"]
    assert env.zuora.writes == 0
    assert len(env.accounts()) == 1  # the edited customer did not become a Zuora account


def test_netsuite_master_creates_one_zuora_account_per_customer(make_env: EnvFactory) -> None:
    company = ns_customer(11, entity_id="ACME-011", company="Acme Corp", currency="2")
    person = ns_customer(12, entity_id="P-0012", person=True, first="Hedy", last="Lamarr")
    env = make_env(
        accounts=[zuora_account(1)],
        customers=[company, person],
        customer_account_master="netsuite",
    )

    result, report = env.sync()

    assert result.code == 0, result.out + result.err
    assert report["mappings"][0]["name"] == NETSUITE_MAPPING
    assert report["totals"]["created"] == 2
    acme = env.account_for("11")
    assert acme["accountNumber"] == "ACME-011"
    assert acme["name"] == "Acme Corp"
    assert acme["currency"] == "GBP"
    assert acme["paymentTerm"] == "Net 30"
    contact = env.contact(acme["billToId"])
    assert contact["workEmail"] == "billing11@example.com"
    hedy = env.account_for("12")
    assert hedy["name"] == "Hedy Lamarr"
    contact = env.contact(hedy["billToId"])
    assert (contact["firstName"], contact["lastName"]) == ("Hedy", "Lamarr")
    # tracking fields on the NetSuite side (the master)
    tracked = env.customer("11")
    assert tracked["custentity_zuora_id"] == acme["id"]
    assert tracked["custentity_zuora_integration_status"] == "Sync Complete"
    # the Zuora account that was already there is not sent to NetSuite
    assert len(env.customers()) == 2


def test_netsuite_master_syncs_netsuite_changes(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11"), ns_customer(12, entity_id="C-12")],
        customer_account_master="netsuite",
    )
    env.sync()

    env.netsuite_update_customer("11", {"companyName": "Renamed Customer Inc"})
    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["updated"] == 1
    assert env.account_for("11")["name"] == "Renamed Customer Inc"
    assert env.account_for("12")["name"] == "Customer 12 Inc"


def test_netsuite_master_zuora_edits_do_not_flow_back(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11")], customer_account_master="netsuite"
    )
    env.sync()
    account = env.account_for("11")
    before = env.customer("11")

    env.zuora_update_account(account["id"], {"name": "Edited In Zuora"})
    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] + report["totals"]["updated"] == 0
    after = env.customer("11")
    assert after["companyName"] == "Customer 11 Inc"
    assert after["lastModifiedDate"] == before["lastModifiedDate"]
    assert env.netsuite.writes == 0
    assert len(env.customers()) == 1


def test_zuora_record_gates(make_env: EnvFactory) -> None:
    """Active only; Sync to NetSuite = No is skipped; null counts as Yes (facts 1c)."""
    yes, null = zuora_account(1), zuora_account(2, sync_to_netsuite=None)
    no, canceled = zuora_account(3, sync_to_netsuite="No"), zuora_account(4, status="Canceled")
    env = make_env(accounts=[yes, null, no, canceled])

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] == 2
    assert report["totals"]["skipped"] == 2
    assert set(env.customers_by_zuora_id()) == {yes["id"], null["id"]}


def test_netsuite_inactive_and_zuora_origin_customers_are_not_sent(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[
            ns_customer(11, entity_id="C-11"),
            ns_customer(12, entity_id="C-12", isInactive=True),
            ns_customer(13, entity_id="C-13", custentity_zuora_origin="ZUORA"),
        ],
        customer_account_master="netsuite",
    )

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] == 1
    assert set(env.accounts_by_integration_id()) == {"11"}


def test_netsuite_send_to_zuora_cleared_is_not_sent(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[
            ns_customer(11, entity_id="C-11", custentity_send_to_zuora=True),
            ns_customer(12, entity_id="C-12", custentity_send_to_zuora=False),
        ],
        customer_account_master="netsuite",
    )

    result, report = env.sync()

    assert result.code == 0
    assert set(env.accounts_by_integration_id()) == {"11"}
    assert report["totals"]["skipped"] == 1
