"""Loopback servers for the infrastructure tests: tiny Starlette apps behind the fault layer.

The app counts what reached it (``Recorder``), so tests observe retries and concurrency on the
server side rather than by timing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.emulators.faults import FaultMiddleware, with_faults
from engine.emulators.server import RunningServer, start_in_thread


@dataclass
class Recorder:
    """What the app saw: hits per path, bodies applied, and the most requests in flight."""

    hits: Counter[str] = field(default_factory=Counter)
    applied: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.applied.clear()
            self.headers.clear()
            self.in_flight = self.peak = 0


def build_app(rec: Recorder) -> Starlette:
    """Routes: ``/ok``, ``/items`` (a write), ``/status/{code}``, ``/count``, ``/hold``."""

    async def ok(request: Request) -> Response:
        rec.hits["ok"] += 1
        rec.headers.append(dict(request.headers))
        return Response(b'{"amount": 10.10, "id": "A1"}', media_type="application/json")

    async def items(request: Request) -> Response:
        body = await request.body()
        with rec.lock:
            rec.hits["items"] += 1
            rec.applied.append(body)
        return Response(body, status_code=201, media_type="application/json")

    async def status(request: Request) -> Response:
        rec.hits["status"] += 1
        rec.headers.append(dict(request.headers))
        headers = {}
        if "retry_after" in request.query_params:
            headers["Retry-After"] = request.query_params["retry_after"]
        body = request.query_params.get("body", '{"error": "refused"}')
        code = int(request.path_params["code"])
        return Response(body, status_code=code, headers=headers, media_type="application/json")

    async def count(request: Request) -> Response:
        with rec.lock:
            rec.in_flight += 1
            rec.peak = max(rec.peak, rec.in_flight)
        await asyncio.sleep(0.02)
        with rec.lock:
            rec.in_flight -= 1
        return JSONResponse({"ok": True})

    async def hold(request: Request) -> Response:
        while not rec.release.is_set():
            await asyncio.sleep(0.005)
        return JSONResponse({"held": True})

    return Starlette(
        routes=[
            Route("/ok", ok),
            Route("/items", items, methods=["POST", "PUT"]),
            Route("/status/{code:int}", status, methods=["GET", "POST"]),
            Route("/count", count),
            Route("/hold", hold),
        ]
    )


def eventually(check: Callable[[], bool], within: float = 5.0) -> bool:
    """Poll ``check`` until it holds: the server may still be applying when the client gave up."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@dataclass
class Served:
    """A running test server: its URL, the fault layer, and what the app recorded."""

    base_url: str
    app: FaultMiddleware
    rec: Recorder


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start ``build_app`` behind ``with_faults(**options)``; every server stops at teardown."""
    running: list[tuple[RunningServer, Recorder]] = []

    def start(**options: Any) -> Served:
        rec = Recorder()
        app = with_faults(build_app(rec), **options)
        server = start_in_thread(app)
        running.append((server, rec))
        return Served(server.base_url, app, rec)

    yield start
    for server, rec in running:
        rec.release.set()
        server.stop()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[Served]:
    """One plain server per module: starting and stopping uvicorn costs ~0.2 s each time."""
    rec = Recorder()
    app = with_faults(build_app(rec))
    server = start_in_thread(app)
    yield Served(server.base_url, app, rec)
    rec.release.set()
    server.stop()


@pytest.fixture
def served(shared_server: Served) -> Served:
    """The shared server with no faults armed and nothing recorded."""
    shared_server.app.plan.clear()
    shared_server.rec.reset()
    return shared_server
