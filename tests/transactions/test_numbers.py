"""Transaction Number Mapping: the Zuora number as NetSuite ``tranId``, or NetSuite's own number.

Facts (connector-facts.md 1a): "Source: Zuora number -> NetSuite tranId. Auto-Number: left
blank so NetSuite numbers it. The Zuora number always goes to 'Zuora Reference Number'."
"""

from __future__ import annotations

from tests.transactions.conftest import World, WorldFactory, ZuoraSeed

# NetSuite: Setup > Company > Auto-Generated Numbers, with prefixes no Zuora number has.
NS_NUMBERING = {
    "invoice": {"enabled": True, "allow_override": True, "prefix": "NS-INV-"},
    "creditMemo": {"enabled": True, "allow_override": True, "prefix": "NS-CM-"},
    "customerPayment": {"enabled": True, "allow_override": True, "prefix": "NS-PAY-"},
    "customerRefund": {"enabled": True, "allow_override": True, "prefix": "NS-RF-"},
}


def _world(make_world: WorldFactory, mode: str) -> tuple[World, dict[str, tuple[str, str]]]:
    """Every transaction type once; returns the world and, per Zuora id, (NetSuite type, Zuora
    number)."""
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    account = seed.account(1)
    invoice = seed.invoice(1, account, [(service, "120.00")], number="INV00000101")
    negative = seed.invoice(2, account, [(goods, "-15.00")], number="INV00000102")
    payment = seed.payment(1, account, [(invoice, "120.00")], amount="130.00", number="P-00000201")
    refund = seed.refund(1, payment, "10.00", number="R-00000301")
    memo = seed.credit_memo(1, account, [(service, "7.50")], number="CM00000401")
    world = make_world(seed, ns_autonumber=NS_NUMBERING, transaction_number_mapping=mode)
    records = {
        invoice["id"]: ("invoice", "INV00000101"),
        negative["id"]: ("creditMemo", "INV00000102"),
        payment["id"]: ("customerPayment", "P-00000201"),
        refund["id"]: ("customerRefund", "R-00000301"),
        memo["id"]: ("creditMemo", "CM00000401"),
    }
    return world, records


def _numbers(world: World, records: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Per Zuora id: (NetSuite tranId, Zuora Reference Number)."""
    out = {}
    for zuora_id, (rtype, _number) in records.items():
        synced = world.tx(rtype)[zuora_id]
        out[zuora_id] = (synced["tranId"], synced["custbody_zuora_reference_number"])
    return out


def test_source_number_sends_the_zuora_number_as_tran_id(make_world: WorldFactory) -> None:
    world, records = _world(make_world, "source_number")

    run = world.sync()

    assert run.code == 0, run.report
    assert _numbers(world, records) == {
        zuora_id: (number, number) for zuora_id, (_t, number) in records.items()
    }


def test_destination_auto_number_lets_netsuite_number_them(make_world: WorldFactory) -> None:
    world, records = _world(make_world, "destination_auto_number")

    run = world.sync()

    assert run.code == 0, run.report
    assert run.report["attention"] == []  # no "the destination replaced tranId" warnings
    ids = list(records)
    assert _numbers(world, records) == {
        ids[0]: ("NS-INV-0001", "INV00000101"),
        ids[1]: ("NS-CM-0001", "INV00000102"),  # negative invoices run before credit memos
        ids[2]: ("NS-PAY-0001", "P-00000201"),
        ids[3]: ("NS-RF-0001", "R-00000301"),
        ids[4]: ("NS-CM-0002", "CM00000401"),
    }

    world.reset_counts()
    again = world.sync()
    assert again.code == 0
    assert world.writes == 0


def test_source_numbers_without_allow_override_stop_the_run(make_world: WorldFactory) -> None:
    world, records = _world(make_world, "source_number")
    world.configure_numbering("customerPayment", allow_override=False)

    run = world.sync()

    assert run.code == 3
    assert "zuora-netsuite/payment" in run.report["error"]
    assert "Allow Override" in run.report["error"]
    assert world.writes == 0
    assert all(world.tx(rtype) == {} for rtype, _number in records.values())
