"""Transactions reach NetSuite whichever system is the customer account master (issue 13, item 1).

Facts (connector-facts.md): invoices, payments, credit memos and refunds always sync Zuora ->
NetSuite; ``customer_account_master`` only decides which way customers flow. Their NetSuite
customer is whichever one is linked to the Zuora account: made by ``zuora-netsuite/customer``
under Zuora master, or linked by ``netsuite-zuora/customer`` (read the other way) under NetSuite
master. A requirement that can never be met under the settings is refused by ``ferry validate``
and by the run, instead of holding every record back with exit code 0.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_ferry
from tests.transactions.conftest import (
    CREDIT_MEMO,
    INVOICE,
    PAYMENT,
    REFUND,
    Record,
    World,
    WorldFactory,
    ZuoraSeed,
    ns_customer,
)

NS_CUSTOMER = "501"


def _seed() -> tuple[ZuoraSeed, dict[str, Record]]:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    owned, orphan = seed.account(1), seed.account(2)
    invoice = seed.invoice(1, owned, [(service, "99.00")])
    paid = seed.payment(1, owned, [(invoice, "99.00")], amount="120.00")
    return seed, {
        "owned": owned,
        "orphan": orphan,
        "invoice": invoice,
        "orphan_invoice": seed.invoice(2, orphan, [(service, "10.00")]),
        "payment": paid,
        "memo": seed.credit_memo(1, owned, [(service, "20.00")]),
        "refund": seed.refund(1, paid, "9.00"),
    }


def _transactions_of(world: World, r: dict[str, Record], customer_id: str) -> None:
    """Every transaction of the owned account reached NetSuite, under ``customer_id``."""
    assert world.tx("invoice")[r["invoice"]["id"]]["entity"]["id"] == customer_id
    assert world.tx("customerPayment")[r["payment"]["id"]]["customer"]["id"] == customer_id
    assert world.tx("creditMemo")[r["memo"]["id"]]["entity"]["id"] == customer_id
    assert r["refund"]["id"] in world.tx("customerRefund")


def test_zuora_master_transactions_name_the_customer_zuora_created(
    make_world: WorldFactory,
) -> None:
    seed, r = _seed()
    world = make_world(seed, customer_account_master="zuora")

    run = world.ferry_sync()

    assert run.code == 0, run.out
    customers = world.customers()
    _transactions_of(world, r, str(customers[r["owned"]["id"]]["id"]))
    orphan_customer = str(customers[r["orphan"]["id"]]["id"])
    assert world.tx("invoice")[r["orphan_invoice"]["id"]]["entity"]["id"] == orphan_customer
    for mapping in (INVOICE, PAYMENT, CREDIT_MEMO, REFUND):
        assert run.counts(mapping).get("held") is None, run.report


def test_netsuite_master_transactions_name_the_customer_netsuite_owns(
    make_world: WorldFactory,
) -> None:
    seed, r = _seed()
    owner = {**ns_customer(NS_CUSTOMER, "Company 1 Ltd"), "custentity_zuora_id": r["owned"]["id"]}
    world = make_world(seed, ns_customers=[owner], customer_account_master="netsuite")

    run = world.ferry_sync()

    # the owned account's transactions are created under the NetSuite customer that owns it
    assert run.code == 0, run.out
    assert run.counts("netsuite-zuora/customer") == {"linked": 1}
    _transactions_of(world, r, NS_CUSTOMER)
    assert [c["id"] for c in world.ns("customer")] == [NS_CUSTOMER]  # none made from Zuora
    # an account no NetSuite customer owns: its invoice waits for one (not for the off mapping)
    held = run.attention(r["orphan_invoice"]["id"], INVOICE)
    assert held["outcome"] == "held"
    assert "netsuite-zuora/customer" in held["reason"]

    world.reset_counts()
    again = world.ferry_sync()
    assert again.code == 0
    assert world.netsuite.writes == 0  # nothing written twice


def _old_specs(world: World) -> Path:
    """The invoice spec as it was: requiring only zuora-netsuite/customer."""
    path = world.specs / "invoice.yaml"
    text = path.read_text()
    both = "mapping: [zuora-netsuite/customer, netsuite-zuora/customer]"
    assert both in text
    path.write_text(text.replace(both, "mapping: zuora-netsuite/customer"))
    return path


def test_validate_and_sync_refuse_a_requirement_that_never_runs(
    make_world: WorldFactory,
) -> None:
    seed, _r = _seed()
    world = make_world(seed, customer_account_master="netsuite")
    invoice_spec = _old_specs(world)
    line = next(
        n
        for n, text in enumerate(invoice_spec.read_text().splitlines(), start=1)
        if "{mapping: zuora-netsuite/customer," in text
    )

    result = run_ferry("validate", world.specs)

    assert result.code == 1
    assert f"{invoice_spec}:{line}:" in result.out
    assert "customer_account_master: netsuite" in result.out
    assert "netsuite-zuora/customer" in result.out  # the hint names the owner to add

    sync = world.ferry_sync()
    assert sync.code != 0
    assert "customer_account_master: netsuite" in sync.out + sync.err
    assert world.writes == 0

    # under Zuora master the same spec is fine
    world.configure(customer_account_master="zuora")
    assert run_ferry("validate", world.specs).code == 0
    other = world.specs / "other-settings.yaml"
    other.write_text(world.settings_path.read_text().replace("master: zuora", "master: netsuite"))
    assert run_ferry("validate", world.specs, "--settings", other).code == 1
