"""customer_sync_behavior: new_and_modified overwrites, new_only creates once (and links).

Seed page: "Sync New and Modified Records ... overwriting any existing values in the other
application ... If you select Sync New Records Only, no subsequent changes will be synced once a
record has been created." Facts 1a: under New Only an existing record is *linked* (only the
connector's fields written); 1d: switching New Only -> New+Modified resets the watermark to now.
"""

from __future__ import annotations

from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    ns_customer,
    zuora_account,
)

# --- new_and_modified ----------------------------------------------------------------------------


def test_new_and_modified_overwrites_the_destination_with_later_changes(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account], customer_sync_behavior="new_and_modified")
    env.sync()

    env.zuora_update_account(
        account["id"],
        {"name": "Second Name Ltd", "billToContact": {"workEmail": "New@Example.com"}},
    )
    # a contact change does not move the account's updatedDate (documented); the name does
    result, report = env.sync()

    assert result.code == 0
    customer = env.customer_for(account["id"])
    assert customer["companyName"] == "Second Name Ltd"
    assert customer["email"] == "new@example.com"
    assert report["totals"]["updated"] == 1

    env.zuora_update_account(account["id"], {"name": "Third Name Ltd"})
    env.sync()
    assert env.customer_for(account["id"])["companyName"] == "Third Name Ltd"


def test_new_and_modified_overwrites_values_edited_in_the_destination(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account])
    env.sync()
    customer = env.customer_for(account["id"])
    env.netsuite_update_customer(customer["id"], {"phone": "+44 000", "companyName": "Typo Ltd"})

    env.zuora_update_account(account["id"], {"name": "Company 1 Limited"})
    env.sync()

    customer = env.customer_for(account["id"])
    assert customer["companyName"] == "Company 1 Limited"
    assert customer["phone"] == "+1 555 0100 001"  # the master's value, overwriting the edit


def test_new_and_modified_netsuite_master(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11")],
        customer_account_master="netsuite",
        customer_sync_behavior="new_and_modified",
    )
    env.sync()

    env.netsuite_update_customer("11", {"companyName": "Changed Inc", "email": "ap@changed.test"})
    env.sync()

    account = env.account_for("11")
    assert account["name"] == "Changed Inc"
    assert env.contact(account["billToId"])["workEmail"] == "ap@changed.test"


# --- new_only ------------------------------------------------------------------------------------


def test_new_only_creates_once_and_ignores_later_changes(make_env: EnvFactory) -> None:
    first = zuora_account(1)
    env = make_env(accounts=[first], customer_sync_behavior="new_only")
    result, report = env.sync()
    assert (result.code, report["totals"]["created"]) == (0, 1)

    env.zuora_update_account(first["id"], {"name": "Changed After Create Ltd"})
    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["updated"] == 0
    assert env.customer_for(first["id"])["companyName"] == "Company 1 Ltd"
    assert env.netsuite.writes == 0


def test_new_only_still_creates_records_new_to_the_master(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(11, entity_id="C-11")],
        customer_account_master="netsuite",
        customer_sync_behavior="new_only",
    )
    env.sync()

    env.netsuite_update_customer("11", {"companyName": "Changed Inc"})
    new_id = env.netsuite_create_customer(
        {
            "entityId": "C-NEW",
            "companyName": "Brand New Inc",
            "subsidiary": {"id": "1"},
            "currency": {"id": "1"},
        }
    )
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] == 1
    assert report["totals"]["updated"] == 0
    assert env.account_for(new_id)["name"] == "Brand New Inc"
    assert env.account_for("11")["name"] == "Customer 11 Inc"


def test_new_only_links_an_existing_netsuite_customer_tracking_fields_only(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1, name="Zuora Name Ltd")
    existing = ns_customer(
        5, entity_id="LEGACY-5", company="NetSuite Name Inc", custentity_zuora_id=account["id"]
    )
    env = make_env(accounts=[account], customers=[existing], customer_sync_behavior="new_only")

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["linked"] == 1
    assert report["totals"]["created"] == 0
    assert env.netsuite.writes == 0  # nothing written to the destination record
    customer = env.customer("5")
    assert (customer["companyName"], customer["entityId"]) == ("NetSuite Name Inc", "LEGACY-5")
    assert customer["lastModifiedDate"].isoformat().startswith("2024-03-01")
    assert len(env.customers()) == 1
    tracked = env.account(account["id"])
    assert tracked["IntegrationId__NS"] == "5"
    assert tracked["IntegrationStatus__NS"] == "Sync Complete"
    assert tracked["name"] == "Zuora Name Ltd"
    assert env.crosswalk(ZUORA_MAPPING)[account["id"]]["destination_id"] == "5"


def test_new_only_links_an_existing_zuora_account_tracking_fields_only(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1, name="Zuora Name Ltd", IntegrationId__NS="11")
    env = make_env(
        accounts=[account],
        customers=[ns_customer(11, entity_id="C-11", company="NetSuite Name Inc")],
        customer_account_master="netsuite",
        customer_sync_behavior="new_only",
    )

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["linked"] == 1
    assert env.zuora.writes == 0
    assert len(env.accounts()) == 1
    linked = env.account(account["id"])
    assert (linked["name"], linked["accountNumber"]) == ("Zuora Name Ltd", "A00000001")
    tracked = env.customer("11")
    assert tracked["custentity_zuora_id"] == account["id"]
    assert tracked["custentity_zuora_integration_status"] == "Sync Complete"
    assert tracked["companyName"] == "NetSuite Name Inc"
    assert env.crosswalk(NETSUITE_MAPPING)["11"]["destination_id"] == account["id"]


def test_new_and_modified_links_an_existing_customer_and_brings_it_up_to_date(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1, name="Zuora Name Ltd")
    existing = ns_customer(
        5, entity_id="LEGACY-5", company="Old NetSuite Name", custentity_zuora_id=account["id"]
    )
    env = make_env(
        accounts=[account], customers=[existing], customer_sync_behavior="new_and_modified"
    )

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["linked"] == 1
    assert len(env.customers()) == 1
    customer = env.customer("5")
    assert (customer["companyName"], customer["entityId"]) == ("Zuora Name Ltd", "A00000001")
    assert env.account(account["id"])["IntegrationId__NS"] == "5"


def test_new_only_links_by_integration_id_set_on_the_zuora_account(make_env: EnvFactory) -> None:
    account = zuora_account(1, IntegrationId__NS="7")
    env = make_env(
        accounts=[account],
        customers=[ns_customer(7, entity_id="LEGACY-7")],
        customer_sync_behavior="new_only",
    )

    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["linked"] == 1
    assert len(env.customers()) == 1
    assert env.account(account["id"])["IntegrationId__NS"] == "7"


# --- switching new_only -> new_and_modified ------------------------------------------------------


def test_switch_to_new_and_modified_resets_the_watermark_to_now(make_env: EnvFactory) -> None:
    before, resaved = zuora_account(1), zuora_account(2)
    env = make_env(accounts=[before, resaved], customer_sync_behavior="new_only")
    env.sync()
    env.zuora_update_account(before["id"], {"name": "Changed Before Switch Ltd"})
    env.zuora_update_account(resaved["id"], {"name": "Also Changed Before Ltd"})

    env.configure(customer_sync_behavior="new_and_modified")
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["updated"] == 0
    notes = report["mappings"][0]["notes"]
    assert any("watermark was reset to now" in note for note in notes), notes
    assert env.customer_for(before["id"])["companyName"] == "Company 1 Ltd"
    assert env.customer_for(resaved["id"])["companyName"] == "Company 2 Ltd"

    env.zuora_update_account(resaved["id"], {"name": "Re-saved After Switch Ltd"})
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["updated"] == 1
    assert env.customer_for(resaved["id"])["companyName"] == "Re-saved After Switch Ltd"
    assert env.customer_for(before["id"])["companyName"] == "Company 1 Ltd"
    assert not any("reset" in n for n in report["mappings"][0]["notes"])  # only once
