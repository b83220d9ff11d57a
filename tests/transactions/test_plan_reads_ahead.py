"""``ferry plan`` of the connector folder starts every mapping's listing at once, before its
preflight (``engine/run/sync/run.py``): a plan writes nothing, so no mapping's reads wait for
another's writes, and the answers arrive while the CPU does other work.

Shown from outside, through the emulators' own counts: Zuora had several listings open at
once, NetSuite never more requests than the Connections file's limit, the plan still predicts
what the sync then does, and however the plan ends (the preflight refuses, a listing fails)
it ends cleanly, with no reader thread left running.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from engine.emulators.faults import STATS_PATH
from tests.conftest import CliResult
from tests.transactions.conftest import World, WorldFactory, ZuoraSeed

SLOW_LISTING = 0.3  # seconds Zuora holds each Object Query answer


def _seed() -> ZuoraSeed:
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    first, second = seed.account(1), seed.account(2)
    invoice = seed.invoice(1, first, [(service, "99.00"), (goods, "35.00")])
    seed.invoice(2, second, [(service, "49.50")])
    seed.payment(1, first, [(invoice, "134.00")], amount="134.00")
    seed.credit_memo(1, second, [(service, "20.00")])
    return seed


def _stats(base_url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(base_url + STATS_PATH).json()
    return stats


def _plan(world: World) -> tuple[CliResult, dict[str, Any]]:
    return world.plan_cli(world.root / "plan.json")


def _one_netsuite_slot(world: World) -> None:
    text = world.connections.read_text()
    assert text.count("concurrency: 4") == 1  # NetSuite's
    world.connections.write_text(text.replace("concurrency: 4", "concurrency: 1"))


def _readers() -> list[threading.Thread]:
    """Ferry's reader threads still running (``reader.ReadAhead`` names them)."""
    return [t for t in threading.enumerate() if t.name == "read" and t.is_alive()]


def test_a_plan_reads_every_listing_at_once_within_netsuites_limit_and_predicts_the_sync(
    make_world: WorldFactory,
) -> None:
    world = make_world(_seed())
    _one_netsuite_slot(world)
    # long enough that the listings overlap however slowly a loaded machine starts the readers
    # (at 0.3 s, one run on a machine running two suites and valgrind saw them one at a time)
    world.zuora.arm_faults(
        {"kind": "slow", "method": "*", "path": "/object-query/*", "delay": 3 * SLOW_LISTING}
    )
    world.reset_counts()

    result, plan = _plan(world)

    assert result.code == 0, result.out + result.err
    zuora, netsuite = _stats(world.zuora.base_url), _stats(world.netsuite.base_url)
    assert world.writes == 0
    assert not world.state.exists()
    assert zuora["peak_in_flight"] > 1  # the mappings' listings were open together
    assert netsuite["peak_in_flight"] == 1  # the lookups they prefetch kept to one slot
    assert netsuite["total"] > 0
    assert _readers() == []

    world.zuora.clear_faults()
    run = world.ferry_sync()
    assert run.code == 0, run.out
    planned = {m["name"]: m["counts"] for m in plan["mappings"]}
    assert planned == {m["name"]: m["counts"] for m in run.report["mappings"]}
    assert plan["totals"]["created"] > 0


def test_a_plan_the_preflight_stops_stops_every_reader_and_reports_why(
    make_world: WorldFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listings started before the preflight are still being read (Zuora answers slowly)
    when it refuses the NetSuite credentials: the plan waits for no page, closes every reader
    and reports the refusal, with no traceback."""
    world = make_world(_seed())
    world.zuora.arm_faults(
        {"kind": "slow", "method": "*", "path": "/object-query/*", "delay": SLOW_LISTING}
    )
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "not-the-token-secret")

    result, plan = _plan(world)

    assert result.code == 3
    assert plan["status"] == "failed"
    assert plan["error"].startswith("preflight failed")
    assert "refused the credentials" in plan["error"]
    assert "Traceback" not in result.out + result.err
    assert "not-the-token-secret" not in result.out + result.err + json.dumps(plan)
    assert plan["records"] == []
    assert world.writes == 0
    assert _readers() == []


@pytest.mark.parametrize(
    "listing",
    [
        pytest.param("/object-query/invoices*", id="a-mapping's-changes"),
        pytest.param("/object-query/product-rate-plan-charges*", id="a-unique-values-source"),
    ],
)
def test_a_plan_whose_listing_fails_stops_the_other_readers(
    make_world: WorldFactory, listing: str
) -> None:
    """One listing refused mid-plan (an invoice mapping's changes, or the charges whose Item
    IDs are checked for clashes first): the plan fails with that error, and every other reader
    started at the plan's start is stopped."""
    world = make_world(_seed())
    refused = {"reasons": [{"code": "INVALID_VALUE", "message": "listing refused"}]}
    world.zuora.arm_faults(  # the first rule that matches applies
        {"kind": "answer", "status": 400, "method": "*", "path": listing, "body": refused},
        {"kind": "slow", "method": "*", "path": "/object-query/*", "delay": SLOW_LISTING},
    )

    result, plan = _plan(world)

    assert result.code == 3, result.out + result.err
    assert plan["status"] == "failed"
    assert "listing refused" in plan["error"]
    assert "Traceback" not in result.out + result.err
    assert world.writes == 0
    assert _readers() == []


def test_a_plan_refuses_the_records_whose_unique_values_clash(make_world: WorldFactory) -> None:
    """The charges' Item IDs are checked against every charge, read while the preflight runs:
    the two charges named alike are refused in the plan as the sync then refuses them."""
    seed = ZuoraSeed()
    product = seed.product(1, "Ferry Cloud")
    plan_a = seed.plan(1, product, "Cloud Standard")
    plan_b = seed.plan(2, product, "Cloud Plus")
    first = seed.charge(1, plan_a, "Setup Fee")
    second = seed.charge(2, plan_b, "Setup Fee")
    seed.charge(3, plan_b, "Seats")
    world = make_world(seed, item_id_mapping="charge_name")
    world.zuora.arm_faults(
        {"kind": "slow", "method": "*", "path": "/object-query/*", "delay": SLOW_LISTING}
    )

    result, plan = _plan(world)

    assert result.code == 0, result.out + result.err
    refused = {r["source_id"]: r for r in plan["records"] if r["outcome"] == "invalid"}
    assert set(refused) == {first["id"], second["id"]}
    assert "itemId 'Setup Fee'" in refused[first["id"]]["reason"]
    assert second["id"] in refused[first["id"]]["reason"]
    assert _readers() == []
    world.zuora.clear_faults()
    run = world.ferry_sync()
    synced = {m["name"]: m["counts"] for m in run.report["mappings"]}
    assert {m["name"]: m["counts"] for m in plan["mappings"]} == synced


def _pages_of_one_record(world: World) -> None:
    """Zuora answers one record a page: every listing of the seed has several pages."""
    text = world.connections.read_text()
    secret = '      client_secret: "${env:ZUORA_CLIENT_SECRET}"\n'
    assert text.count(secret) == 1
    world.connections.write_text(text.replace(secret, secret + "      page_size: 1\n"))


def test_a_plan_reads_each_listing_once_however_many_readers_ask_for_it(
    make_world: WorldFactory,
) -> None:
    """Both charge mappings list the charges, both invoice mappings the invoices, both payment
    mappings the payments, and the unique Item IDs list every product, rate plan and charge
    (on a first run, what those mappings list too). A plan writes nothing, so one reading
    serves every reader (``shared_reads.py``): each page is asked for once, the readers reading
    at once, and the plan predicts the sync, which then reads per mapping."""
    world = make_world(_seed())
    _pages_of_one_record(world)
    world.zuora.arm_faults(
        {"kind": "slow", "method": "*", "path": "/object-query/*", "delay": SLOW_LISTING / 3}
    )
    world.reset_counts()

    result, plan = _plan(world)

    assert result.code == 0, result.out + result.err
    zuora = _stats(world.zuora.base_url)
    listed = {p: n for p, n in zuora["paths"].items() if p.startswith("GET /object-query/")}
    first_pages = [p for p in listed if "cursor=" not in p]
    for shared in ("product-rate-plan-charges", "invoices", "payments", "products"):
        assert len([p for p in first_pages if p.startswith(f"GET /object-query/{shared}?")]) == 1
    assert set(listed.values()) == {1}  # every page of every listing read once
    assert len(listed) > len(first_pages)  # the cursor's pages: several per listing
    assert zuora["peak_in_flight"] > 1
    assert _readers() == []

    world.zuora.clear_faults()
    world.reset_counts()
    run = world.ferry_sync()
    assert run.code == 0, run.out
    planned = {m["name"]: m["counts"] for m in plan["mappings"]}
    assert planned == {m["name"]: m["counts"] for m in run.report["mappings"]}
    charges = [
        n
        for p, n in _stats(world.zuora.base_url)["paths"].items()
        if p.startswith("GET /object-query/product-rate-plan-charges?") and "cursor=" not in p
    ]
    assert sum(charges) > 1  # a sync reads per mapping
