"""Invoices: NetSuite invoices when the amount is zero or more, credit memos when negative.

Facts (connector-facts.md 2, Invoice row): posted invoices only; Transferred to Accounting in
{No, Error, Processing}; dated on or after the cutover; one line per invoice item; the account
and the charges must already be synced. Issue 6: a held invoice is retried on later runs;
amounts are decimals end to end; currencies match by exact name with a clear error otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from tests.transactions.conftest import (
    CUSTOMER,
    INVOICE,
    INVOICE_CREDIT_MEMO,
    WorldFactory,
    ZuoraSeed,
)


def test_invoice_or_credit_memo_by_sign_one_line_per_item_exact_amounts(
    make_world: WorldFactory,
) -> None:
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    account = seed.account(1)
    positive = seed.invoice(
        1,
        account,
        [(service, "99.99"), (goods, "70.05", "3", "23.35"), (service, "0.01")],
        date="2024-03-05",
        dueDate="2024-04-04",
    )
    zero = seed.invoice(2, account, [(service, "0.00")])
    negative = seed.invoice(3, account, [(service, "-12.34"), (goods, "-0.66", "2", "-0.33")])
    draft = seed.invoice(4, account, [(service, "50.00")], status="Draft")
    transferred = seed.invoice(5, account, [(service, "60.00")], transferredToAccounting="Yes")
    world = make_world(seed)

    run = world.sync()

    assert run.code == 0, run.report
    customer = world.customers()[account["id"]]
    items = {k: r["id"] for k, (_t, r) in world.items().items()}
    invoices = world.tx("invoice")
    memos = world.tx("creditMemo")
    assert set(invoices) == {positive["id"], zero["id"]}
    assert set(memos) == {negative["id"]}

    invoice = invoices[positive["id"]]
    assert invoice["entity"] == {"id": customer["id"]}
    assert invoice["tranDate"] == "2024-03-05"
    assert invoice["dueDate"] == "2024-04-04"
    assert invoice["currency"] == {"id": "1"}
    assert invoice["externalId"] == f"zuora-invoice-{positive['id']}"
    lines = [
        (
            line["item"]["id"],
            line["quantity"],
            line["rate"],
            line["amount"],
            line["description"],
            line["custcol_zuora_id"],
        )
        for line in invoice["item"]
    ]
    zitems = positive["invoiceItems"]
    assert lines == [
        (items[service["id"]], Decimal("1"), Decimal("99.99"), Decimal("99.99"),
         "Monthly Subscription", zitems[0]["id"]),
        (items[goods["id"]], Decimal("3"), Decimal("23.35"), Decimal("70.05"),
         "Token Device", zitems[1]["id"]),
        (items[service["id"]], Decimal("1"), Decimal("0.01"), Decimal("0.01"),
         "Monthly Subscription", zitems[2]["id"]),
    ]  # fmt: skip
    assert all(type(v) is Decimal for line in lines for v in line[1:4])
    assert invoice["total"] == Decimal("170.05")
    assert invoices[zero["id"]]["total"] == Decimal("0.00")

    memo = memos[negative["id"]]
    assert memo["entity"] == {"id": customer["id"]}
    assert [(line["item"]["id"], line["amount"]) for line in memo["item"]] == [
        (items[service["id"]], Decimal("12.34")),
        (items[goods["id"]], Decimal("0.66")),
    ]
    assert memo["total"] == Decimal("13.00")
    assert memo["custbody_zuora_reference_number"] == negative["invoiceNumber"]

    # the sign routes each invoice to exactly one of the two mappings
    assert run.counts(INVOICE)["created"] == 2
    assert run.counts(INVOICE_CREDIT_MEMO)["created"] == 1
    # drafts and invoices already transferred to accounting are never sent
    for skipped in (draft, transferred):
        assert skipped["id"] not in invoices and skipped["id"] not in memos
    # Zuora records the transfer: Transferred To Accounting = Yes, the NetSuite id
    synced = world.zuora_record("invoices", negative["id"])
    assert synced["transferredToAccounting"] == "Yes"
    assert synced["IntegrationId__NS"] == memo["id"]
    assert world.zuora_record("invoices", draft["id"])["transferredToAccounting"] == "No"

    world.reset_counts()
    again = world.sync()
    assert again.code == 0
    assert world.writes == 0


def test_an_invoice_waits_for_its_account_and_syncs_once_the_account_does(
    make_world: WorldFactory,
) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    good = seed.account(1)
    seed.invoice(1, good, [(service, "10.00")])
    broken = seed.account(2, paymentTerm="Net 45")  # no NetSuite term of that exact name
    waiting = seed.invoice(2, broken, [(service, "25.50")])
    world = make_world(seed)

    first = world.ferry_sync()

    assert first.code == 1  # the account is invalid; the rest of the run went on
    assert "'Net 45'" in first.attention(broken["id"], CUSTOMER)["reason"]
    held = first.attention(waiting["id"], INVOICE)
    assert held["outcome"] == "held"
    assert CUSTOMER in held["reason"] and broken["id"] in held["reason"]
    assert f"held: {INVOICE} {waiting['id']}: waiting for parent" in first.out
    assert waiting["id"] not in world.tx("invoice")
    assert len(world.tx("invoice")) == 1

    world.zuora_update_account(broken["id"], {"paymentTerm": "Net 30"})
    third = world.sync()

    assert third.code == 0, third.report
    assert third.report["attention"] == []
    customer = world.customers()[broken["id"]]
    invoice = world.tx("invoice")[waiting["id"]]
    assert invoice["entity"] == {"id": customer["id"]}
    assert invoice["total"] == Decimal("25.50")
    assert third.counts(INVOICE)["created"] == 1


def test_a_record_still_held_is_reported_once_per_run(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    good = seed.account(1)
    seed.invoice(1, good, [(service, "10.00")])
    broken = seed.account(2, paymentTerm="Net 45")
    waiting = seed.invoice(2, broken, [(service, "25.50")])
    world = make_world(seed)
    first = world.ferry_sync()
    assert first.counts(INVOICE) == {"created": 1, "held": 1, "quarantined": 1}
    assert not any(a.get("again") for a in first.report["attention"])

    second = world.ferry_sync()  # nothing fixed: held again

    assert second.counts(INVOICE).get("held") == 1
    assert second.counts(CUSTOMER).get("invalid") == 1
    attention = second.report["attention"]
    assert [a["source_id"] for a in attention] == [broken["id"], waiting["id"]]
    assert all(a["again"] for a in attention)  # same outcome and reason as the first run
    # the summary does not list them again one by one: it counts them
    assert waiting["id"] not in second.out and broken["id"] not in second.out
    assert (
        f"again, for the same reasons as in an earlier run: 1 invalid {CUSTOMER}, 1 held {INVOICE}"
        in second.out
    )

    world.zuora_update_account(broken["id"], {"paymentTerm": "Net 60"})  # a different problem?
    third = world.ferry_sync()

    assert third.counts(CUSTOMER).get("created") == 1, third.out  # Net 60 exists: fixed
    assert third.report["attention"] == []


def test_a_currency_without_an_exact_match_is_a_clear_error(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    account = seed.account(1)
    odd = seed.invoice(1, account, [(service, "10.00")], currency="usd")
    world = make_world(seed)

    run = world.sync()

    assert run.code == 1
    problem = run.attention(odd["id"], INVOICE)
    assert problem["outcome"] == "invalid"
    assert "'usd'" in problem["reason"]
    assert "currency" in problem["reason"]
    assert world.tx("invoice") == {}


def test_records_dated_before_their_cutover_are_never_selected(make_world: WorldFactory) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    account = seed.account(1)
    old_invoice = seed.invoice(1, account, [(service, "40.00")], date="2024-02-29")
    invoice = seed.invoice(2, account, [(service, "300.00")], date="2024-03-01")
    old_payment = seed.payment(1, account, [(invoice, "100.00")], date="2024-03-31")
    payment = seed.payment(2, account, [(invoice, "100.00")], amount="150.00", date="2024-04-01")
    old_refund = seed.refund(1, payment, "10.00", date="2024-04-30")
    refund = seed.refund(2, payment, "20.00", date="2024-05-01")
    old_memo = seed.credit_memo(1, account, [(service, "5.00")], date="2024-05-31")
    memo = seed.credit_memo(2, account, [(service, "6.00")], date="2024-06-01")
    world = make_world(
        seed,
        cutover_dates={
            "invoice": "2024-03-01",
            "payment": "2024-04-01",
            "refund": "2024-05-01",
            "credit_memo": "2024-06-01",
        },
    )

    first = world.sync()

    assert first.code == 0, first.report
    assert set(world.tx("invoice")) == {invoice["id"]}
    assert set(world.tx("customerPayment")) == {payment["id"]}
    assert set(world.tx("customerRefund")) == {refund["id"]}
    assert set(world.tx("creditMemo")) == {memo["id"]}
    old = {r["id"] for r in (old_invoice, old_payment, old_refund, old_memo)}
    assert not old & {a["source_id"] for a in first.report["attention"]}
    assert first.counts(INVOICE) == {"created": 1}  # not even counted as skipped
    for record, collection in (
        (old_invoice, "invoices"),
        (old_payment, "payments"),
        (old_refund, "refunds"),
        (old_memo, "credit_memos"),
    ):
        assert world.zuora_record(collection, record["id"])["transferredToAccounting"] == "No"

    # changed later, an old record is still not selected
    world.zuora_crud_update("invoice", old_invoice["id"], {"TransferredToAccounting": "Error"})
    world.reset_counts()
    second = world.sync()
    assert second.code == 0
    assert set(world.tx("invoice")) == {invoice["id"]}
    assert world.netsuite.writes == 0


def test_a_held_invoice_dated_before_a_later_cutover_is_not_sent(
    make_world: WorldFactory,
) -> None:
    seed = ZuoraSeed()
    service, _goods = seed.simple_catalog()
    broken = seed.account(1, paymentTerm="Net 45")
    waiting = seed.invoice(1, broken, [(service, "25.50")], date="2024-03-01")
    world = make_world(seed)
    assert world.sync().counts(INVOICE) == {"held": 1, "quarantined": 1}

    world.configure(cutover_dates={"invoice": "2024-06-01"})
    world.zuora_update_account(broken["id"], {"paymentTerm": "Net 30"})
    run = world.sync()

    assert broken["id"] in world.customers()  # the account itself syncs
    assert waiting["id"] not in world.tx("invoice")
    assert run.counts(INVOICE).get("created") is None
