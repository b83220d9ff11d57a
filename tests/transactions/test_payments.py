"""Payments, unassigned payments and refunds.

Facts (connector-facts.md 1a, 2): a Zuora payment becomes one NetSuite customer payment that can
apply to several invoices; unassigned payments go to the customer named by the Unassigned
Payments setting (issue 6: held back with a clear reason while it is not set); a refund becomes
a NetSuite customer refund of the synced payment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import engine
from tests.transactions.conftest import (
    MAPPINGS,
    PAYMENT,
    REFUND,
    UNASSIGNED,
    WorldFactory,
    ZuoraSeed,
    ns_customer,
)


def test_a_payment_applied_to_two_invoices(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    account = seed.account(1)
    first = seed.invoice(1, account, [(service, "99.99")])
    second = seed.invoice(2, account, [(goods, "70.05", "3", "23.35")])
    payment = seed.payment(
        1, account, [(first, "99.99"), (second, "50.01")], amount="150.00", date="2024-04-02"
    )
    world = make_world(seed)

    run = world.sync()

    assert run.code == 0, run.report
    invoices = world.tx("invoice")
    payments = world.tx("customerPayment")
    assert list(payments) == [payment["id"]]
    synced = payments[payment["id"]]
    assert synced["customer"] == {"id": world.customers()[account["id"]]["id"]}
    assert synced["payment"] == Decimal("150.00")
    assert synced["tranDate"] == "2024-04-02"
    assert synced["custbody_zuora_reference_number"] == payment["paymentNumber"]
    assert [(line["doc"]["id"], line["amount"], line["apply"]) for line in synced["apply"]] == [
        (invoices[first["id"]]["id"], Decimal("99.99"), True),
        (invoices[second["id"]]["id"], Decimal("50.01"), True),
    ]
    # NetSuite's ledger agrees: the first invoice is paid, the second has 20.04 left
    store = world.netsuite.store
    assert store.applied_to(invoices[first["id"]]["id"]) == Decimal("99.99")
    assert store.applied_to(invoices[second["id"]]["id"]) == Decimal("50.01")
    assert world.zuora_record("payments", payment["id"])["IntegrationId__NS"] == synced["id"]


def test_an_unassigned_payment_is_held_until_the_setting_names_a_customer(
    make_world: WorldFactory,
) -> None:
    seed = ZuoraSeed()
    seed.simple_catalog()
    seed.account(1)
    unassigned = seed.payment(1, None, [], amount="150.00", date="2024-04-03")
    world = make_world(seed, ns_customers=[ns_customer("900")], unassigned_payments_customer=None)

    first = world.sync()

    assert first.code == 0  # held is not an error: it is retried on every run
    held = first.attention(unassigned["id"], UNASSIGNED)
    assert held["outcome"] == "held"
    assert "unassigned_payments_customer" in held["reason"]
    assert first.counts(PAYMENT).get("created") is None
    assert world.tx("customerPayment") == {}

    world.configure(unassigned_payments_customer="900")
    second = world.sync()

    assert second.code == 0, second.report
    assert second.counts(UNASSIGNED)["created"] == 1
    synced = world.tx("customerPayment")[unassigned["id"]]
    assert synced["customer"] == {"id": "900"}
    assert synced["payment"] == Decimal("150.00")
    assert not synced.get("apply")  # applied to nothing: all of it unapplied
    assert synced["custbody_zuora_reference_number"] == unassigned["paymentNumber"]
    assert synced["tranId"] == unassigned["paymentNumber"]
    assert world.zuora_record("payments", unassigned["id"])["IntegrationId__NS"] == synced["id"]


def test_a_refund_is_applied_to_the_synced_payment(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    account = seed.account(1)
    invoice = seed.invoice(1, account, [(service, "150.00")])
    payment = seed.payment(1, account, [(invoice, "150.00")], amount="200.00")
    refund = seed.refund(1, payment, "30.25", date="2024-05-02")
    world = make_world(seed)

    run = world.sync()

    assert run.code == 0, run.report
    assert run.counts(REFUND) == {"created": 1}
    synced_payment = world.tx("customerPayment")[payment["id"]]
    synced = world.tx("customerRefund")[refund["id"]]
    assert synced["customer"] == {"id": world.customers()[account["id"]]["id"]}
    assert synced["tranDate"] == "2024-05-02"
    assert synced["tranId"] == refund["refundNumber"]
    assert [(line["doc"]["id"], line["amount"]) for line in synced["apply"]] == [
        (synced_payment["id"], Decimal("30.25"))
    ]
    assert synced["total"] == Decimal("30.25")
    assert world.netsuite.store.applied_to(synced_payment["id"]) == Decimal("30.25")
    assert world.zuora_record("refunds", refund["id"])["transferredToAccounting"] == "Yes"


@pytest.mark.parametrize("with_account", [False, True], ids=["no-account", "account"])
def test_a_refund_of_an_unassigned_payment(make_world: WorldFactory, with_account: bool) -> None:
    seed = ZuoraSeed()
    seed.simple_catalog()
    account = seed.account(1)
    payment = seed.payment(1, account if with_account else None, [], amount="150.00")
    refund = seed.refund(1, payment, "20.00")
    world = make_world(seed, ns_customers=[ns_customer("900")], unassigned_payments_customer="900")

    run = world.sync()

    assert world.tx("customerPayment")[payment["id"]]["customer"] == {"id": "900"}
    synced = world.tx("customerRefund").get(refund["id"])
    assert synced is not None, run.report["attention"]
    assert synced["customer"] == {"id": "900"}
    assert [line["amount"] for line in synced["apply"]] == [Decimal("20.00")]
    assert run.code == 0


def test_the_hold_reason_of_an_unassigned_payment_is_plain_text() -> None:
    plan = engine.load_mapping(MAPPINGS / "unassigned-payment.yaml")
    guard = next(g for g in plan.guards if g.name == "unassigned-payments-customer")

    assert guard.reason.isprintable(), repr(guard.reason)
    assert "set unassigned_payments_customer in the settings" in guard.reason
