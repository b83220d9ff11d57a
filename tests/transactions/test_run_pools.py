"""A sync of the connector folder runs its mappings on the run's thread pools
(``engine/run/sync/pools.py``): one writer pool per destination, one write-back pool per source,
one confirmer, reused by every mapping and shut down at the run's end, whether it succeeds or a
mapping fails. The mappings still run in order: a child is written after its parent, with the
parent's NetSuite id."""

from __future__ import annotations

import threading

from engine.run.state import StateStore
from tests.transactions.conftest import CUSTOMER, INVOICE, WorldFactory, ZuoraSeed

RUN_THREADS = ("sync:", "back:", "confirm", "read")  # the names of a run's own threads


def _seed() -> ZuoraSeed:
    seed = ZuoraSeed()
    service, goods = seed.simple_catalog()
    first, second = seed.account(1), seed.account(2)
    seed.invoice(1, first, [(service, "99.00"), (goods, "35.00")])
    seed.invoice(2, second, [(service, "49.50")])
    return seed


def _run_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(RUN_THREADS)]


def test_a_sync_of_the_folder_writes_parents_first_and_leaves_no_thread_running(
    make_world: WorldFactory,
) -> None:
    world = make_world(_seed())

    run = world.sync()

    assert run.code == 0, run.report
    assert run.counts(CUSTOMER) == {"created": 2}
    assert run.counts(INVOICE) == {"created": 2}
    customers = {c["id"] for c in world.customers().values()}
    invoices = world.tx("invoice")
    assert len(invoices) == 2
    assert {i["entity"]["id"] for i in invoices.values()} <= customers  # real parents' ids
    assert _run_threads() == []


def test_a_sync_whose_mapping_fails_waits_for_its_work_and_stops_every_thread(
    make_world: WorldFactory,
) -> None:
    """The invoices' listing refused: the run fails and is recorded so, after the customers
    and items it wrote are settled (nothing left pending), with no thread of its own left."""
    world = make_world(_seed())
    refused = {"reasons": [{"code": "INVALID_VALUE", "message": "listing refused"}]}
    world.zuora.arm_faults(
        {
            "kind": "answer",
            "status": 400,
            "method": "*",
            "path": "/object-query/invoices*",
            "body": refused,
        }
    )

    run = world.sync()

    assert run.report["status"] == "failed"
    assert "listing refused" in run.report["error"]
    assert run.counts(CUSTOMER) == {"created": 2}
    assert len(world.customers()) == 2
    assert world.tx("invoice") == {}
    assert _run_threads() == []
    with StateStore.open(world.state, readonly=True) as state:
        assert state.pending_intents() == []  # every write sent was settled
        assert [r.status for r in state.runs()] == ["failed"]
