"""Zuora emulator and driver fixtures: real HTTP on loopback, one server per test module.

Tests share a server per module for speed, so each test creates its own records (unique names)
and never relies on counts of the whole tenant; fault rules are cleared after every test.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine import jsonio
from engine.emulators import server, zuora_seed
from engine.emulators.zuora import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ZuoraEmulator,
    create_app,
)
from engine.run.drivers.http import RetryPolicy
from engine.run.drivers.zuora import ZuoraDriver

_names = itertools.count(1)


@dataclass
class MovableClock:
    """Wall-clock time plus an offset that tests push forward (token expiry, replay windows)."""

    offset: timedelta = field(default_factory=timedelta)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        with self.lock:
            return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        with self.lock:
            self.offset += timedelta(**delta)


@dataclass
class Zuora:
    """A running emulator: its app (``state`` for assertions), URL and clock."""

    app: ZuoraEmulator
    base_url: str
    clock: MovableClock

    @property
    def store(self) -> Any:
        return self.app.state.store

    def token(self) -> str:
        form = {
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "grant_type": "client_credentials",
        }
        response = httpx.post(self.base_url + "/oauth/token", data=form)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def client(self) -> httpx.Client:
        """A raw client with a live token, for checking wire shapes."""
        headers = {"Authorization": f"Bearer {self.token()}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def driver(self, **options: Any) -> ZuoraDriver:
        opts = {
            "base_url": self.base_url,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            **options,
        }
        driver = ZuoraDriver(name="zuora", options=opts)
        # Short backoff keeps retried tests fast; Retry-After is still honoured as sent.
        driver.http.retry = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.2)
        return driver


def start(clock: MovableClock, **kwargs: Any) -> Iterator[Zuora]:
    app = create_app(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, clock=clock, **kwargs
    )
    running = server.start_in_thread(app)
    try:
        yield Zuora(app, running.base_url, clock)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def zuora() -> Iterator[Zuora]:
    """An empty tenant with a movable clock, shared by one test module."""
    yield from start(MovableClock())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zuora]:
    """A tenant loaded from the demo seed generator (120 accounts)."""
    folder: Path = tmp_path_factory.mktemp("zuora-seed")
    zuora_seed.write(folder, n_accounts=120, seed=11)
    yield from start(MovableClock(), data_dir=folder)


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("zuora", "seeded"):
        if name in request.fixturenames:
            request.getfixturevalue(name).app.state.faults.clear()


@pytest.fixture
def api(zuora: Zuora) -> Iterator[httpx.Client]:
    with zuora.client() as client:
        yield client


@pytest.fixture
def driver(zuora: Zuora) -> Iterator[ZuoraDriver]:
    drv = zuora.driver()
    yield drv
    drv.close()


def unique(prefix: str = "Acct") -> str:
    return f"{prefix} {next(_names):05d}"


def account_body(name: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name or unique(),
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "Ada", "lastName": "Lovelace", "city": "London"},
    }
    body.update(extra)
    return body


def post_json(client: httpx.Client, path: str, body: Any, **kw: Any) -> httpx.Response:
    """POST with the project codec, so Decimals go out exactly."""
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return client.post(path, content=jsonio.dumps(body), headers=headers, **kw)


def exact(response: httpx.Response) -> Any:
    return jsonio.loads_exact(response.content)


def make_charge(client: httpx.Client, name: str = "Monthly Fee", item_type: str = "Service") -> str:
    """Create product -> plan -> charge through CRUD; return the charge id."""
    product = post_json(
        client,
        "/v1/object/product",
        {
            "Name": unique("Product"),
            "EffectiveStartDate": "2024-01-01",
            "EffectiveEndDate": "2099-12-31",
            "SKU": unique("SKU").replace(" ", "-"),
        },
    ).json()["Id"]
    plan = post_json(
        client, "/v1/object/product-rate-plan", {"Name": "Standard", "ProductId": product}
    ).json()["Id"]
    charge = post_json(
        client,
        "/v1/object/product-rate-plan-charge",
        {
            "Name": name,
            "ProductRatePlanId": plan,
            "ChargeModel": "Flat Fee Pricing",
            "ChargeType": "Recurring",
            "BillCycleType": "DefaultFromCustomer",
            "BillingPeriod": "Month",
            "TriggerEvent": "ContractEffective",
            "UseDiscountSpecificAccountingCode": False,
            "ItemType__NS": item_type,
            "ProductRatePlanChargeTierData": {
                "ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 10}]
            },
        },
    ).json()
    assert charge["Success"] is True, charge
    return str(charge["Id"])


def make_invoice(
    client: httpx.Client,
    account_id: str,
    charge_id: str,
    *amounts: Any,
    post: bool = True,
    day: str = "2024-03-01",
) -> dict[str, Any]:
    body = {
        "accountId": account_id,
        "invoiceDate": day,
        "invoiceItems": [
            {"amount": a, "productRatePlanChargeId": charge_id, "serviceStartDate": day}
            for a in amounts
        ],
    }
    invoice = exact(post_json(client, "/v1/invoices", body))
    assert invoice["success"] is True, invoice
    if post:
        invoice = exact(client.put(f"/v1/invoices/{invoice['id']}/post"))
    return dict(invoice)
