"""Both emulators' latency and concurrency limit, over real sockets: a slow request holds its
slot, the request past the limit is refused with 429 in each API's own shape, and
``/__ferry/stats`` reports the peaks and the refusals."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.cli import main
from engine.emulators import stack
from engine.emulators.faults import STATS_PATH
from engine.emulators.latency import Latency
from engine.emulators.launch import build
from engine.emulators.server import running

from .conftest import eventually

# A path each emulator serves (unauthenticated: answered 401, after the latency, by the app).
PATHS = {"netsuite": "/services/rest/record/v1/customer/1", "zuora": "/v1/accounts/A1"}


@pytest.mark.parametrize("system", ["netsuite", "zuora"])
def test_the_request_past_the_limit_is_refused_while_slow_ones_hold_their_slots(
    system: str,
) -> None:
    limit = 2
    app = build(system, concurrency_limit=limit, latency_ms=3000)
    gate = app.gate if system == "netsuite" else app.state.gate
    with running(app) as srv:
        url = srv.base_url + PATHS[system]
        answers: list[int] = []
        slow = [
            threading.Thread(target=lambda: answers.append(httpx.get(url, timeout=30).status_code))
            for _ in range(limit)
        ]
        for thread in slow:
            thread.start()
        # the latency keeps both in flight: the next one is the excess
        assert eventually(lambda: gate.in_flight == limit, within=10)
        refused = httpx.get(url, timeout=30)
        for thread in slow:
            thread.join()
        stats = httpx.get(srv.base_url + STATS_PATH).json()
        reset = httpx.delete(srv.base_url + STATS_PATH).json()
        after = httpx.get(srv.base_url + STATS_PATH).json()

    assert refused.status_code == 429
    assert sorted(answers) == [401, 401]  # the admitted ones reached the app
    assert (stats["refused_429"], stats["peak_admitted"], stats["peak_in_flight"]) == (1, 2, 3)
    assert stats["concurrency_limit"] == limit and stats["total"] == limit + 1
    assert reset == stats
    assert (after["refused_429"], after["peak_admitted"], after["peak_in_flight"]) == (0, 0, 0)
    _assert_refusal_shape(system, refused, limit)


def _assert_refusal_shape(system: str, refused: httpx.Response, limit: int) -> None:
    body: Any = refused.json()
    if system == "netsuite":  # an nsError, and no Retry-After: the client backs off on its own
        assert body["status"] == 429 and "Retry-After" not in refused.headers
        assert body["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    else:  # Zuora's envelope with the 70 (concurrency limit) category and its headers
        assert body["success"] is False and str(body["reasons"][0]["code"]).endswith("70")
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Concurrency-Limit-Limit"] == str(limit)
        assert refused.headers["Concurrency-Limit-Remaining"] == "0"
        assert refused.headers["Concurrency-Limit-Type"] == "Default"


def test_stats_of_an_emulator_without_a_limit() -> None:
    app = build("zuora")
    with running(app) as srv:
        first = httpx.get(srv.base_url + PATHS["zuora"])
        stats = httpx.get(srv.base_url + STATS_PATH).json()
    assert first.status_code == 401
    assert stats["concurrency_limit"] is None and stats["refused_429"] == 0
    assert stats["peak_in_flight"] == 1


def test_latency_jitter_stays_within_its_bounds_and_varies() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        """Never called: only the delays are drawn."""

    drawn = Latency(app, 150, 50, seed=7)
    delays = [drawn.delay() for _ in range(200)]
    assert all(0.1 <= d <= 0.2 for d in delays)
    assert len(set(delays)) > 100
    assert Latency(app, 10, 50, seed=1).delay() >= 0  # never negative
    assert {Latency(app, 150).delay() for _ in range(5)} == {0.15}
    with pytest.raises(ValueError, match="must not be negative"):
        Latency(app, -1)


def test_latency_counts_from_arrival_and_the_answer_never_comes_sooner() -> None:
    """The app handles the request as it arrives (before a marker set at half the latency),
    and the answer is held until the latency has passed since arrival, however long the
    handling took: the handling is part of the latency, not added to it."""

    async def one(path: str) -> tuple[float, list[str]]:
        loop = asyncio.get_running_loop()
        order: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            order.append("handled")
            await asyncio.sleep(0.03)  # the emulator's own work
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        async def send(message: Any) -> None:
            order.append(message["type"])
            answered.append(loop.time())

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def halfway() -> None:
            await asyncio.sleep(0.04)
            order.append("halfway")

        answered: list[float] = []
        arrived = loop.time()
        marker = asyncio.create_task(halfway())
        await Latency(app, 80)({"type": "http", "path": path}, receive, send)
        await marker
        return answered[0] - arrived, order

    took, order = asyncio.run(one("/v1/accounts"))
    assert took >= 0.08
    assert order == ["handled", "halfway", "http.response.start", "http.response.body"]
    _, control = asyncio.run(one("/__ferry/stats"))  # control paths are never delayed
    assert control == ["handled", "http.response.start", "http.response.body", "halfway"]


def test_a_request_through_the_emulator_takes_at_least_its_latency() -> None:
    with running(build("netsuite", latency_ms=120)) as srv:
        started = time.perf_counter()
        answer = httpx.get(srv.base_url + PATHS["netsuite"], timeout=30)
        took = time.perf_counter() - started
    assert answer.status_code == 401
    assert took >= 0.12


def test_ferry_emulate_takes_latency_and_limit_flags(tmp_path: Path) -> None:
    """The stack's processes are ``ferry emulate`` with the flags; their stats show the limits."""
    with stack.running(
        tmp_path,
        processes=True,
        concurrency=3,
        netsuite_latency=stack.Delay(20, jitter_ms=5),
        zuora_latency=stack.Delay(10),
        zuora_concurrency=7,
    ) as emulators:
        httpx.get(emulators.zuora.base_url + PATHS["zuora"])
        stats = emulators.stats()
    assert stats["netsuite"]["concurrency_limit"] == 3
    assert stats["zuora"]["concurrency_limit"] == 7
    assert stats["zuora"]["total"] == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--latency-ms", "-5"], "--latency-ms must not be negative"),
        (["--jitter-ms", "-1"], "--jitter-ms must not be negative"),
        (["--concurrency-limit", "0"], "--concurrency-limit must be at least 1"),
    ],
)
def test_ferry_emulate_refuses_bad_settings(flags: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["emulate", "netsuite", *flags], stdout=out, stderr=err)
    assert code != 0
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()
