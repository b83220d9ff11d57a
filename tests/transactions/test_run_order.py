"""One ``ferry sync`` of the connector's folder: accounts, catalog, invoices, payments, credit
memos, refunds, in that order, so every parent is synced before its children in the same run;
a second run writes nothing.

Facts (connector-facts.md 5.9): "Account -> charge -> invoice -> payment -> refund"; issue 6:
"Dependency order within a run ... `ferry sync` with the connector's folder runs them in that
order."
"""

from __future__ import annotations

from typing import Any

from tests.transactions.conftest import (
    CREDIT_MEMO,
    CUSTOMER,
    INVOICE,
    INVOICE_CREDIT_MEMO,
    NON_INVENTORY,
    PAYMENT,
    PRODUCT,
    RATE_PLAN,
    REFUND,
    SERVICE,
    UNASSIGNED,
    WorldFactory,
    ZuoraSeed,
    ns_customer,
)

ORDER = [
    CUSTOMER,
    PRODUCT,
    RATE_PLAN,
    SERVICE,
    NON_INVENTORY,
    INVOICE,
    INVOICE_CREDIT_MEMO,
    PAYMENT,
    UNASSIGNED,
    CREDIT_MEMO,
    REFUND,
]


def _seed() -> ZuoraSeed:
    seed = ZuoraSeed()
    first, second = seed.account(1), seed.account(2)
    product = seed.product(1, "Ferry Cloud")
    plan = seed.plan(1, product, "Cloud Standard")
    service = seed.charge(1, plan, "Monthly Subscription", item_type="Service")
    goods = seed.charge(2, plan, "Token Device", item_type="Non-Inventory")
    a = seed.invoice(1, first, [(service, "99.00"), (goods, "35.00")])
    b = seed.invoice(2, first, [(service, "49.50")])
    seed.invoice(3, second, [(goods, "-9.95")])
    seed.invoice(4, second, [(service, "250.00")])
    paid = seed.payment(1, first, [(a, "134.00"), (b, "49.50")], amount="200.00")
    seed.payment(2, None, [], amount="75.00")
    seed.credit_memo(1, second, [(service, "20.00")])
    seed.refund(1, paid, "16.50")
    return seed


def _group(rtype: str, record: dict[str, Any], zuora_kind: dict[str, str]) -> int:
    if rtype == "customer":
        return 0
    if rtype in ("serviceSaleItem", "nonInventorySaleItem"):
        return 1
    kind = zuora_kind[str(record["custbody_zuora_id"])]
    return {"invoice": 2, "payment": 3, "credit_memo": 4, "refund": 5}[kind]


def test_one_sync_of_the_folder_runs_in_dependency_order_and_a_second_writes_nothing(
    make_world: WorldFactory,
) -> None:
    seed = _seed()
    world = make_world(seed, ns_customers=[ns_customer("900")], unassigned_payments_customer="900")

    run = world.ferry_sync()

    assert run.code == 0, run.out
    assert [m["name"] for m in run.report["mappings"]] == ORDER
    assert run.report["attention"] == []  # nothing held: every parent came first
    assert run.report["totals"]["held"] == 0
    created = {m["name"]: m["counts"]["created"] for m in run.report["mappings"]}
    assert created == {
        CUSTOMER: 2,
        PRODUCT: 1,
        RATE_PLAN: 1,
        SERVICE: 1,
        NON_INVENTORY: 1,
        INVOICE: 3,
        INVOICE_CREDIT_MEMO: 1,
        PAYMENT: 1,
        UNASSIGNED: 1,
        CREDIT_MEMO: 1,
        REFUND: 1,
    }

    # NetSuite stamps every write with a strictly later time: the creation order is visible
    zuora_kind = {r["id"]: "invoice" for r in seed.invoices}
    zuora_kind |= {r["id"]: "payment" for r in seed.payments}
    zuora_kind |= {r["id"]: "credit_memo" for r in seed.credit_memos}
    zuora_kind |= {r["id"]: "refund" for r in seed.refunds}
    written = [
        (record["dateCreated"], _group(rtype, record, zuora_kind))
        for rtype, records in world.ns_snapshot().items()
        for record in records
        if record.get("externalId")  # written by Ferry, not seeded
    ]
    groups = [group for _when, group in sorted(written)]
    assert len(groups) == sum(created.values())
    assert groups == sorted(groups)

    world.reset_counts()
    again = world.ferry_sync()

    assert again.code == 0, again.out
    assert world.writes == 0
    assert again.report["totals"]["created"] == 0
    assert again.report["totals"]["updated"] == 0
    assert again.report["totals"]["linked"] == 0
    assert again.report["attention"] == []
