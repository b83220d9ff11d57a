"""The product catalog: Zuora products, rate plans and charges become NetSuite items.

Facts (connector-facts.md 1a, 2): Item ID = "Zuora Charge" + id ("Zuora Product" / "Zuora Rate
Plan" + id) or the name, which must then be unique across products, rate plans and charges;
charges become service or non-inventory items by their Item Type, which is fixed once synced;
Product Catalog Sync Behavior New+Modified vs New Only also decides whether the Item ID is
rewritten on later updates.
"""

from __future__ import annotations

import pytest

import engine
from tests.conftest import run_ferry
from tests.transactions.conftest import (
    MAPPINGS,
    NON_INVENTORY,
    PRODUCT,
    RATE_PLAN,
    SERVICE,
    Record,
    World,
    WorldFactory,
    ZuoraSeed,
)


def _catalog(seed: ZuoraSeed) -> dict[str, dict]:
    product = seed.product(1, "Ferry Cloud")
    plan = seed.plan(1, product, "Cloud Standard")
    expired = seed.plan(2, product, "Cloud Legacy", status="Expired")
    return {
        "product": product,
        "plan": plan,
        "expired": expired,
        "service": seed.charge(1, plan, "Monthly Subscription", item_type="Service"),
        "goods": seed.charge(2, plan, "Token Device", item_type="Non-Inventory"),
        "multi": seed.charge(3, plan, "Usage Matrix", chargeModel="MultiAttributePricing"),
    }


def test_charge_id_mode_item_ids_and_item_types(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    c = _catalog(seed)
    world = make_world(seed, item_id_mapping="charge_id")

    run = world.sync()

    assert run.code == 0, run.report
    items = world.items()
    expected = {
        c["product"]["id"]: ("serviceSaleItem", f"Zuora Product {c['product']['id']}", "Product"),
        c["plan"]["id"]: ("serviceSaleItem", f"Zuora Rate Plan {c['plan']['id']}", "RatePlan"),
        c["service"]["id"]: ("serviceSaleItem", f"Zuora Charge {c['service']['id']}", "Charge"),
        c["goods"]["id"]: ("nonInventorySaleItem", f"Zuora Charge {c['goods']['id']}", "Charge"),
    }
    assert {k: (t, r["itemId"], r["custitem_zuora_type"]) for k, (t, r) in items.items()} == (
        expected
    )
    # expired rate plans and multi-attribute charges are not synced, as the connector does
    assert c["expired"]["id"] not in items
    assert c["multi"]["id"] not in items
    assert run.counts(RATE_PLAN) == {"created": 1, "skipped": 1}

    service = items[c["service"]["id"]][1]
    assert service["displayName"] == "Monthly Subscription"
    assert service["incomeAccount"] == {"id": "54"}  # accounting code "Sales Revenue", exact name
    assert service["subsidiary"] == [{"id": "1"}]  # default_subsidiary, on create
    assert service["externalId"] == f"zuora-product_rate_plan_charge-{c['service']['id']}"
    product = items[c["product"]["id"]][1]
    assert "incomeAccount" not in product  # the product item has no GL account

    # the Integration ID goes back onto each Zuora record
    charge = world.zuora_record("product_rate_plan_charges", c["goods"]["id"])
    assert charge["IntegrationId__NS"] == items[c["goods"]["id"]][1]["id"]
    assert charge["IntegrationStatus__NS"] == "Sync Complete"
    synced_product = world.zuora_record("products", c["product"]["id"])
    assert synced_product["IntegrationId__NS"] == product["id"]


def test_charge_name_mode_uses_the_names_as_they_are(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    product = seed.product(1, "Ferry Analytics")
    plan = seed.plan(1, product, "Analytics Add-on (EU)")
    service = seed.charge(1, plan, "API Calls – per 1,000", item_type="Service")
    goods = seed.charge(2, plan, "Hardware Token", item_type="Non-Inventory")
    world = make_world(seed, item_id_mapping="charge_name")

    run = world.sync()

    assert run.code == 0, run.report
    assert {k: (t, r["itemId"]) for k, (t, r) in world.items().items()} == {
        product["id"]: ("serviceSaleItem", "Ferry Analytics"),
        plan["id"]: ("serviceSaleItem", "Analytics Add-on (EU)"),
        service["id"]: ("serviceSaleItem", "API Calls – per 1,000"),
        goods["id"]: ("nonInventorySaleItem", "Hardware Token"),
    }


def _clashing_catalog(seed: ZuoraSeed) -> dict[str, dict]:
    product = seed.product(1, "Analytics")
    plan = seed.plan(1, product, "Analytics")  # clashes with its product
    return {
        "product": product,
        "plan": plan,
        # a service and a non-inventory charge: two NetSuite record types, one Item ID space
        "setup_a": seed.charge(1, plan, "Setup Fee", item_type="Service"),
        "setup_b": seed.charge(2, plan, "Setup Fee", item_type="Non-Inventory"),
        "seats": seed.charge(3, plan, "Seats", item_type="Service"),
    }


def test_charge_name_clash_refuses_only_the_clashing_records(make_world: WorldFactory) -> None:
    """One duplicate Item ID refuses the records that clash (invalid, quarantined, naming the
    value and the other records); the rest of the catalog, the customer and the invoice sync."""
    seed = ZuoraSeed()
    c = _clashing_catalog(seed)
    account = seed.account(1)
    invoice = seed.invoice(1, account, [(c["seats"], "12.50")])
    world = make_world(seed, item_id_mapping="charge_name")

    run = world.ferry_sync()

    assert run.code == 1, run.out  # some records failed; the run itself did not
    assert run.report["status"] == "completed-with-errors"
    clashing = {
        "Analytics": (c["product"], c["plan"]),
        "Setup Fee": (c["setup_a"], c["setup_b"]),
    }
    for value, (one, other) in clashing.items():
        for record, partner in ((one, other), (other, one)):
            entry = run.attention(record["id"])
            assert entry["outcome"] == "invalid"
            assert f"itemId {value!r}" in entry["reason"]
            assert partner["id"] in entry["reason"]  # names the other record
    items = world.items()
    assert {k: r["itemId"] for k, (_t, r) in items.items()} == {c["seats"]["id"]: "Seats"}
    assert account["id"] in world.customers()
    assert invoice["id"] in world.tx("invoice")
    quarantine = run_ferry("quarantine", "--state", world.state, "--format", "json").json()
    assert {q["source_id"] for q in quarantine} == {
        r["id"] for pair in clashing.values() for r in pair
    }

    # names made unique in Zuora: the refused records sync on the next run
    world.zuora_crud_update("product-rate-plan-charge", c["setup_b"]["id"], {"Name": "Setup B"})
    world.zuora_crud_update("product-rate-plan", c["plan"]["id"], {"Name": "Analytics Plan"})
    again = world.ferry_sync()

    assert again.code == 0, again.report
    assert {r["itemId"] for _t, r in world.items().values()} == {
        "Analytics",
        "Analytics Plan",
        "Setup Fee",
        "Setup B",
        "Seats",
    }


def _renaming_world(make_world: WorldFactory) -> tuple[World, Record, Record]:
    """A service and a goods charge whose names are their Item IDs, renames carried over."""
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    world = make_world(
        seed, item_id_mapping="charge_name", catalog_sync_behavior="new_and_modified"
    )
    return world, service, goods


def test_a_rename_onto_a_synced_item_id_refuses_only_the_newcomer(
    make_world: WorldFactory,
) -> None:
    world, service, goods = _renaming_world(make_world)
    assert world.ferry_sync().code == 0
    holder = world.items()[service["id"]][1]

    world.zuora_crud_update("product-rate-plan-charge", goods["id"], {"Name": holder["itemId"]})
    run = world.ferry_sync()

    assert run.code == 1
    entry = run.attention(goods["id"])
    assert entry["outcome"] == "invalid"
    assert "already used at the destination by" in entry["reason"]
    assert service["id"] in entry["reason"]
    assert run.counts(SERVICE).get("invalid") is None  # the holder keeps its Item ID
    assert world.items()[goods["id"]][1]["itemId"] == "Token Device"


def test_the_same_names_are_fine_with_charge_ids(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    c = _clashing_catalog(seed)
    world = make_world(seed, item_id_mapping="charge_id")

    run = world.sync()

    assert run.code == 0, run.report
    assert len(world.items()) == len(c)


def test_new_and_modified_renames_update_the_item_and_its_item_id(
    make_world: WorldFactory,
) -> None:
    world, service, goods = _renaming_world(make_world)
    assert world.sync().code == 0
    first = world.items()

    world.zuora_crud_update("product-rate-plan-charge", service["id"], {"Name": "Platform Fee"})
    world.zuora_crud_update("product-rate-plan-charge", goods["id"], {"Name": "Token Device v2"})
    run = world.sync()

    assert run.code == 0, run.report
    assert run.counts(SERVICE).get("updated") == 1
    assert run.counts(NON_INVENTORY).get("updated") == 1
    items = world.items()
    for charge, name in ((service, "Platform Fee"), (goods, "Token Device v2")):
        rtype, item = items[charge["id"]]
        assert item["itemId"] == name
        assert item["displayName"] == name
        assert item["id"] == first[charge["id"]][1]["id"]  # the same item, updated in place
        assert rtype == first[charge["id"]][0]
    assert len(items) == len(first)

    world.reset_counts()
    again = world.sync()
    assert again.writes == 0
    assert world.netsuite.writes == 0


def test_new_only_creates_items_once_and_never_updates_them(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    world = make_world(seed, item_id_mapping="charge_name", catalog_sync_behavior="new_only")
    assert world.sync().code == 0
    first = world.items()
    assert first[service["id"]][1]["itemId"] == "Monthly Subscription"

    world.zuora_crud_update("product-rate-plan-charge", service["id"], {"Name": "Platform Fee"})
    world.zuora_crud_update("product", seed.products[0]["id"], {"Name": "Ferry One"})
    world.reset_counts()
    run = world.sync()

    assert run.code == 0, run.report
    assert world.netsuite.writes == 0
    assert world.items() == first
    assert run.counts(SERVICE).get("updated") is None
    assert run.counts(PRODUCT).get("updated") is None


def test_a_charge_whose_item_type_changes_stays_with_its_first_item(
    make_world: WorldFactory,
) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    world = make_world(seed)
    assert world.sync().code == 0
    first = world.items()

    world.zuora_crud_update(
        "product-rate-plan-charge", service["id"], {"ItemType__NS": "Non-Inventory"}
    )
    run = world.sync()

    assert world.items() == first  # no second item for the charge
    assert run.report["attention"] == []
    assert run.code == 0


CATALOG_SPECS = (
    "product-item.yaml",
    "rate-plan-item.yaml",
    "charge-service-item.yaml",
    "charge-non-inventory-item.yaml",
)


@pytest.mark.parametrize("spec", CATALOG_SPECS)
def test_items_take_any_default_subsidiary(spec: str) -> None:
    shipped = engine.load_settings(MAPPINGS / "settings.yaml")
    plan = engine.load_mapping(MAPPINGS / spec, shipped.replace(default_subsidiary="7"))
    record = {
        "id": "2c92c0f8030000000000000000000001",
        "name": "Monthly Subscription",
        "status": "Active",
        "ItemType__NS": "Non-Inventory" if "non-inventory" in spec else "Service",
        "chargeModel": "Flat Fee Pricing",
        "accountingCode": "Sales Revenue",
    }

    payload = plan.render(record)

    assert payload is not None
    assert payload["subsidiary"] == {"items": [{"id": "7"}]}


def _charge(**extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "2c92c0f8030000000000000000000009",
        "name": "Premium Support",
        "chargeModel": "Flat Fee Pricing",
        "accountingCode": "Sales Revenue",
        "ItemType__NS": "Service",
    }
    record.update(extra)
    return record


def test_the_income_account_is_the_recognized_revenue_account_first() -> None:
    plan = engine.load_mapping(MAPPINGS / "charge-service-item.yaml")

    payload = plan.render(_charge(recognizedRevenueAccount="Services Revenue"))

    assert payload is not None
    assert payload["incomeAccount"] == {"id": "55"}  # "Services Revenue", not "Sales Revenue"


@pytest.mark.parametrize(
    "model",
    # Zuora's ChargeModel values (as "MultiAttributePricing", which the mappings leave out)
    [
        "HighWatermarkVolumePricing",
        "HighWatermarkTieredPricing",
        "PreratedPerUnit",
        "PreratedPricing",
    ],
)
def test_high_water_mark_and_pre_rated_charges_are_not_synced(model: str) -> None:
    plan = engine.load_mapping(MAPPINGS / "charge-service-item.yaml")

    assert plan.render(_charge(chargeModel=model)) is None
