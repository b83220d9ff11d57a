"""The adaptive concurrency limit: halved on 429, raised again after successes, within 1 and the
configured limit; and over real HTTP, a client configured above NetSuite's limit converges
without losing a write."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from engine.emulators import stack, zuora_seed
from engine.run.drivers.limiter import AdaptiveLimiter
from engine.run.drivers.netsuite import NetSuiteDriver
from engine.run.drivers.zuora import ZuoraDriver
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.mapping_sync import writers
from engine.run.sync.project import load_project
from engine.run.sync.run import run_sync
from tests.conftest import ROOT

CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"


def _refuse(limiter: AdaptiveLimiter) -> None:
    with limiter.slot() as slot:
        slot.refused = True


def _succeed(limiter: AdaptiveLimiter, times: int = 1) -> None:
    for _ in range(times):
        with limiter.slot():
            pass


def test_a_refusal_halves_the_allowance_and_successes_raise_it_back() -> None:
    limiter = AdaptiveLimiter(8, increase_after=3)
    _refuse(limiter)
    assert limiter.allowance == 4
    _succeed(limiter, 2)
    assert limiter.allowance == 4  # not yet a run
    _succeed(limiter)
    assert limiter.allowance == 5
    _succeed(limiter, 3 * 10)
    assert limiter.allowance == 8  # never above the configured limit
    assert limiter.refusals == 1


def test_the_allowance_never_drops_below_one() -> None:
    limiter = AdaptiveLimiter(3)
    for _ in range(5):
        _refuse(limiter)
    assert limiter.allowance == 1
    assert limiter.refusals == 5


def test_refusals_of_requests_sent_together_count_once() -> None:
    limiter = AdaptiveLimiter(8)
    with ExitStack() as held:
        slots = [held.enter_context(limiter.slot()) for _ in range(6)]
        for slot in slots:
            slot.refused = True
    assert limiter.allowance == 4  # one halving for one burst, not 8 -> 1
    assert limiter.refusals == 6
    _refuse(limiter)  # a request sent after the decrease is a new signal
    assert limiter.allowance == 2


def test_a_failure_without_an_answer_neither_lowers_nor_raises() -> None:
    limiter = AdaptiveLimiter(4, increase_after=1)
    _refuse(limiter)
    assert limiter.allowance == 2
    with pytest.raises(ConnectionError), limiter.slot():
        raise ConnectionError("reset by peer")
    assert (limiter.allowance, limiter.in_flight, limiter.refusals) == (2, 0, 1)
    _succeed(limiter)
    assert limiter.allowance == 3


def test_never_more_in_flight_than_the_allowance() -> None:
    limiter = AdaptiveLimiter(6, increase_after=1000)
    _refuse(limiter)  # allowance 3, and no run of successes long enough to raise it
    seen: list[int] = []

    def work() -> None:
        with limiter.slot():
            seen.append(limiter.in_flight)
            time.sleep(0.002)

    threads = [threading.Thread(target=work) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 24
    assert 1 <= limiter.peak <= 3
    assert max(seen) <= 3


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AdaptiveLimiter(0)
    with pytest.raises(ValueError, match="increase_after"):
        AdaptiveLimiter(2, increase_after=0)


def test_a_client_above_netsuites_limit_converges_and_loses_nothing(tmp_path: Path) -> None:
    """Connections say 6, the account allows 2: the client meets 429s, backs off, and every
    upsert lands; the emulator never sees more in flight than the client's configured 6."""
    records = 60
    with stack.running(
        tmp_path,
        concurrency=2,
        client_concurrency=6,
        netsuite_latency=stack.Delay(20, jitter_ms=10),
    ) as emulators:
        endpoints = open_endpoints(emulators.connections)
        try:
            netsuite = endpoints["netsuite"]
            assert isinstance(netsuite, NetSuiteDriver)
            emulators.stats(reset=True)

            def upsert(n: int) -> str:
                payload = {
                    "entityId": f"LIM-{n}",
                    "companyName": f"Limit {n}",
                    "subsidiary": {"id": "1"},
                }
                return netsuite.upsert("customer", f"LIM-{n}", payload).id

            with ThreadPoolExecutor(12) as pool:
                ids = list(pool.map(upsert, range(records)))
            stats = emulators.stats()["netsuite"]
            limiter = netsuite.api.limiter
            refusals, allowance = limiter.refusals, limiter.allowance
            stored = [r for page in netsuite.read_changed("customer", None) for r in page.records]
        finally:
            close_endpoints(endpoints)

    assert len(set(ids)) == records  # nothing lost, nothing written twice
    assert {r.data.get("externalId") for r in stored} >= {f"LIM-{n}" for n in range(records)}
    assert limiter.limit == 6
    assert stats["peak_in_flight"] <= 6  # never past the client's own limit
    assert stats["peak_admitted"] <= 2
    assert refusals == stats["refused_429"]  # the client saw every refusal
    # two requests per upsert (PUT, read-back GET); a small share of refusals on top
    assert 1 <= stats["refused_429"] <= stats["total"] // 5
    assert allowance <= 4  # it came down towards the account's limit


def test_each_endpoint_takes_its_limit_from_the_connections_file(tmp_path: Path) -> None:
    """NetSuite's as written there; Zuora's unset, so its documented Default limit of 40."""
    with stack.running(tmp_path, concurrency=3) as emulators:
        endpoints = open_endpoints(emulators.connections)
        try:
            netsuite, zuora = endpoints["netsuite"], endpoints["zuora"]
            assert isinstance(netsuite, NetSuiteDriver) and isinstance(zuora, ZuoraDriver)
            limits = (netsuite.api.limiter.limit, zuora.http.limiter.limit)
        finally:
            close_endpoints(endpoints)
    assert "concurrency: 3" in emulators.connections.read_text()
    assert limits == (3, 40)


def test_a_sync_with_spare_writers_stays_within_the_limit(tmp_path: Path) -> None:
    """A full customer sync runs half as many writer threads again as NetSuite's limit of 2
    (they prepare records while the slots are busy): NetSuite still never has more than 2 of
    the sync's requests in flight, refuses none, and every account gets its customer."""
    zuora = tmp_path / "zuora"
    zuora.mkdir()
    seed = zuora_seed.generate(n_accounts=40)["accounts"]
    (zuora / "accounts.json").write_text(json.dumps(seed))
    with stack.running(
        tmp_path, zuora_data=zuora, concurrency=2, netsuite_latency=stack.Delay(15, jitter_ms=10)
    ) as emulators:
        emulators.stats(reset=True)
        endpoints = open_endpoints(emulators.connections)
        try:
            report = run_sync(load_project([CUSTOMER]), endpoints, tmp_path / "state.sqlite")
        finally:
            close_endpoints(endpoints)
        stats = emulators.stats()["netsuite"]

    assert writers(2) > 2
    assert report.status == "succeeded", report.error
    assert report.totals()["created"] > 0
    assert stats["peak_in_flight"] <= 2
    assert stats["refused_429"] == 0
