"""``ferry plan`` on a fresh state predicts what ``ferry sync`` then does (issue 13, item 19).

A child whose parent the same run creates is created, not held: the sync creates customers and
items before the invoices, payments and refunds that need them, and the plan counts those
parents the same way. ``--report-json`` writes the plan in the run report's shape, with every
record; a create carries the payload the sync would send.
"""

from __future__ import annotations

from typing import Any

from tests.transactions.conftest import (
    CUSTOMER,
    INVOICE,
    REFUND,
    World,
    WorldFactory,
    ZuoraSeed,
)


def _seed() -> tuple[ZuoraSeed, dict[str, Any]]:
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    first, second = seed.account(1), seed.account(2)
    unsynced = seed.account(3, SynctoNetSuite__NS="No")
    a = seed.invoice(1, first, [(service, "99.00"), (goods, "35.00")])
    seed.invoice(2, second, [(service, "49.50")])
    seed.invoice(3, unsynced, [(service, "10.00")])  # its account never syncs: held
    paid = seed.payment(1, first, [(a, "134.00")], amount="200.00")
    seed.credit_memo(1, second, [(service, "20.00")])
    refund = seed.refund(1, paid, "16.50")
    return seed, {"first": first, "invoice": a, "refund": refund, "payment": paid}


def _plan(world: World, *extra: str) -> Any:
    result, body = world.plan_cli(world.root / "plan.json", *extra)
    assert result.code == 0, result.out + result.err
    return result, body


def test_plan_on_a_fresh_state_counts_parents_the_same_run_creates(
    make_world: WorldFactory,
) -> None:
    seed, r = _seed()
    world = make_world(seed)

    result, plan = _plan(world)

    assert world.writes == 0
    assert not world.state.exists()
    run = world.ferry_sync()
    assert run.code == 0, run.out
    planned = {m["name"]: m["counts"] for m in plan["mappings"]}
    synced = {m["name"]: m["counts"] for m in run.report["mappings"]}
    assert planned == synced
    assert plan["totals"] == run.report["totals"]
    assert plan["totals"]["held"] == 1  # only the invoice of the account that never syncs

    # the plan report has the sync report's shape, plus every record
    assert set(run.report) <= set(plan)
    assert plan["mode"] == "plan"
    records = {(x["mapping"], x["source_id"]): x for x in plan["records"]}
    invoice = records[(INVOICE, r["invoice"]["id"])]
    assert invoice["outcome"] == "created"
    # a create shows its payload; a parent only planned is named, not invented
    assert invoice["payload"]["custbody_zuora_id"] == r["invoice"]["id"]
    assert CUSTOMER in invoice["payload"]["entity"]["id"]
    assert r["first"]["id"] in invoice["payload"]["entity"]["id"]
    refund = records[(REFUND, r["refund"]["id"])]
    assert refund["outcome"] == "created"
    assert f'    custbody_zuora_id: "{r["invoice"]["id"]}"' in result.out  # the text shows it too


def test_plan_after_a_sync_names_real_parents(make_world: WorldFactory) -> None:
    seed, r = _seed()
    world = make_world(seed)
    assert world.ferry_sync().code == 0
    customer_id = world.customers()[r["first"]["id"]]["id"]
    world.zuora_crud_update("account", r["first"]["id"], {"Name": "Renamed Ltd"})

    _result, plan = _plan(world)

    records = {(x["mapping"], x["source_id"]): x for x in plan["records"]}
    assert records[(CUSTOMER, r["first"]["id"])]["outcome"] == "updated"
    assert records[(CUSTOMER, r["first"]["id"])]["destination_id"] == customer_id
    assert plan["totals"]["created"] == 0


def test_a_plans_records_read_the_same_every_time(make_world: WorldFactory) -> None:
    """The writers finish records in any order; the plan lists them by mapping, in the order
    the mappings run, then by source id, in its JSON and in its text alike."""
    seed, _ = _seed()
    world = make_world(seed)

    result, plan = _plan(world)
    again, second = _plan(world)

    run_order = [m["name"] for m in plan["mappings"]]
    keys = [(run_order.index(x["mapping"]), x["source_id"]) for x in plan["records"]]
    assert len(set(run_order)) > 3 and len(keys) > 10
    assert keys == sorted(keys)
    assert second["records"] == plan["records"]
    listed = [line.split()[1:3] for line in result.out.splitlines() if line[:1].isalpha()]
    shown = [[x["mapping"], x["source_id"]] for x in plan["records"] if x["outcome"] != "unchanged"]
    assert [pair for pair in listed if pair in shown] == shown
    assert again.out == result.out
