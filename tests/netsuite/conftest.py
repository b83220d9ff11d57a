"""The NetSuite emulator on loopback, a signed raw client and the driver, for tests/netsuite.

Everything goes over real HTTP: the emulator runs in a uvicorn thread (``start_in_thread``), the
raw client signs with Ferry's TBA flow, and the driver is built the way ``engine.run.connections``
builds it (options with ``Secret`` values), only with a fast retry policy.

One server serves the whole session; each test gets a fresh emulator app behind it (``_Current``
forwards to whichever app the running test built), so tests do not pay for a server start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from engine.emulators.netsuite import (
    DEFAULT_ACCOUNT,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    DEFAULT_TOKEN_ID,
    DEFAULT_TOKEN_SECRET,
    NetSuiteEmulator,
    create_app,
)
from engine.emulators.server import RunningServer, start_in_thread
from engine.run.drivers.http import RetryPolicy
from engine.run.drivers.netsuite import NetSuiteDriver
from engine.run.secrets import Secret
from tests.emulated import tba as tba  # the tests here import it from this conftest

FAST = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, retry_after_cap=1.0)
CREDS = {
    "consumer_key": DEFAULT_CONSUMER_KEY,
    "consumer_secret": DEFAULT_CONSUMER_SECRET,
    "token_id": DEFAULT_TOKEN_ID,
    "token_secret": DEFAULT_TOKEN_SECRET,
}
WRITE = {"X-NetSuite-PropertyNameValidation": "Error"}
SUITEQL = {"Prefer": "transient"}


@dataclass
class Emulator:
    """A running emulator: its app (store, fault plan, gate), URLs and a signed client."""

    app: NetSuiteEmulator
    server: RunningServer
    client: httpx.Client  # signed with the default credentials, relative to /services/rest
    http: httpx.Client  # unsigned: pass auth= or headers= per request
    pool: httpx.Client  # injected into drivers (a new client costs ~0.1 s of TLS set-up)
    drivers: list[NetSuiteDriver] = field(default_factory=list)

    @property
    def root(self) -> str:
        return self.server.base_url

    @property
    def rest(self) -> str:
        return self.server.base_url + "/services/rest"

    def driver(
        self, retry: RetryPolicy = FAST, *, own_client: bool = False, **options: Any
    ) -> NetSuiteDriver:
        """The driver as connections build it; ``own_client`` lets it make its own client."""
        opts: dict[str, Any] = {
            "account": DEFAULT_ACCOUNT,
            "base_url": self.root,
            "timeout": 5,
            **{k: Secret(v) for k, v in CREDS.items()},
        }
        opts.update(options)
        client = None if own_client else self.pool
        driver = NetSuiteDriver(name="netsuite", options=opts, client=client, retry=retry)
        self.drivers.append(driver)
        return driver

    def query(self, q: str, **params: Any) -> httpx.Response:
        return self.client.post("/query/v1/suiteql", json={"q": q}, params=params, headers=SUITEQL)


class _Current:
    """An ASGI app forwarding to the emulator of the running test."""

    def __init__(self) -> None:
        self.app: NetSuiteEmulator | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no emulator for this request"
        await self.app(scope, receive, send)


@dataclass
class _Session:
    current: _Current
    server: RunningServer
    client: httpx.Client
    http: httpx.Client
    pool: httpx.Client


@pytest.fixture(scope="session")
def _session() -> Iterator[_Session]:
    current = _Current()
    server = start_in_thread(current)
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    with (
        httpx.Client(base_url=server.base_url + "/services/rest", auth=tba(), timeout=10) as c,
        httpx.Client(timeout=10) as http,
        httpx.Client(limits=limits) as pool,
    ):
        yield _Session(current, server, c, http, pool)
    server.stop()


@pytest.fixture
def make_emulator(_session: _Session) -> Iterator[Callable[..., Emulator]]:
    """Serve an emulator built with ``create_app(**kwargs)`` (one per test, one server)."""
    running: list[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        assert not running, "one emulator per test"
        app = _session.current.app = create_app(**kwargs)
        emulator = Emulator(app, _session.server, _session.client, _session.http, _session.pool)
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        for driver in emulator.drivers:
            driver.close()
    _session.current.app = None


@pytest.fixture
def ns(make_emulator: Callable[..., Emulator]) -> Emulator:
    """An empty account with the default settings."""
    return make_emulator()


@pytest.fixture
def driver(ns: Emulator) -> NetSuiteDriver:
    return ns.driver()


def customer(name: str = "Acme Corp", **extra: Any) -> dict[str, Any]:
    """A minimal valid customer body."""
    return {"entityId": name, "companyName": name, "subsidiary": {"id": "1"}, **extra}


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a server-side condition (not a timing assertion: it only bounds the wait)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)
