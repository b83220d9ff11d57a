"""End-to-end harness for the customer sync: both emulators on loopback, seeds and settings
written into ``tmp_path``, the ``ferry`` CLI run in-process.

Each test builds its own world with ``make_env(...)``: fresh emulators seeded from the records the
test gives (in the emulators' documented seed formats), a copy of the shipped Zuora–NetSuite
mappings whose ``settings.yaml`` the test edits, a Connections file pointing at the emulators,
and a state file that does not exist yet. Results are inspected through the emulators' stores
(read only), their HTTP APIs, and ``ferry runs`` / ``ferry quarantine`` / the JSON report.

Edits made "by a user" in either system go through the emulators' HTTP APIs, never the stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.emulators.seedfiles import write_seed
from tests.conftest import CliResult, run_ferry
from tests.emulated import (
    Stage,
    credentials_env,
    stage_parts,
    update_settings,
)

ZUORA_MAPPING = "zuora-netsuite/customer"
NETSUITE_MAPPING = "netsuite-zuora/customer"

CHARGE_ID = "2c92c0f8000000000000000000c0ffee"


# --- seeds ---------------------------------------------------------------------------------------


def zuora_account(
    n: int,
    *,
    name: str | None = None,
    number: str | None = None,
    person: bool = False,
    first: str = "Ada",
    last: str = "Lovelace",
    currency: str = "USD",
    status: str = "Active",
    sync_to_netsuite: str | None = "Yes",
    updated: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A Zuora account in the seed (Object Query) shape, with its bill-to contact nested."""
    stamp = updated or f"2024-03-01T10:{n // 60:02d}:{n % 60:02d}.000Z"
    account = {
        "id": f"2c92c0f8{n:024x}",
        "accountNumber": number or f"A{n:08d}",
        "name": name or (f"{first} {last}" if person else f"Company {n} Ltd"),
        "currency": currency,
        "status": status,
        "billCycleDay": 1,
        "paymentTerm": "Net 30",
        "batch": "Batch1",
        "autoPay": False,
        "CustomerType__NS": "Individual" if person else "Company",
        "SynctoNetSuite__NS": sync_to_netsuite,
        "IntegrationId__NS": None,
        "IntegrationStatus__NS": None,
        "SyncDate__NS": None,
        "billTo": {
            "id": f"2c92c0f9{n:024x}",
            "firstName": first,
            "lastName": last,
            "workEmail": f"{first}.{last}.{n}@example.com".lower(),
            "workPhone": f"+1 555 0100 {n:03d}",
            "country": "US",
            "createdDate": stamp,
            "updatedDate": stamp,
        },
        "createdDate": stamp,
        "updatedDate": stamp,
    }
    account.update(extra)
    return account


def ns_customer(
    n: int,
    *,
    entity_id: str | None = None,
    company: str | None = None,
    person: bool = False,
    first: str = "Grace",
    last: str = "Hopper",
    currency: str = "1",
    modified: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A NetSuite customer in the seed (REST write) shape."""
    stamp = modified or f"2024-03-01T11:{n // 60:02d}:{n % 60:02d}Z"
    record: dict[str, Any] = {
        "id": str(n),
        "entityId": entity_id or f"C{n:04d} Customer {n}",
        "isPerson": person,
        "subsidiary": {"id": "1"},
        "currency": {"id": currency},
        "terms": {"id": "2"},
        "email": f"billing{n}@example.com",
        "phone": f"+1 650 555 {n:04d}",
        "dateCreated": stamp,
        "lastModifiedDate": stamp,
    }
    if person:
        record.update(firstName=first, lastName=last)
    else:
        record["companyName"] = company or f"Customer {n} Inc"
    record.update(extra)
    return record


def _catalog() -> dict[str, list[dict[str, Any]]]:
    """One product, plan and charge, so invoices can be posted on accounts."""
    return {
        "products": [
            {
                "id": "2c92c0f8000000000000000000000a01",
                "name": "Ferry Cloud",
                "sku": "SKU-CLOUD",
                "effectiveStartDate": "2020-01-01",
                "effectiveEndDate": "2099-12-31",
            }
        ],
        "product_rate_plans": [
            {
                "id": "2c92c0f8000000000000000000000b01",
                "productId": "2c92c0f8000000000000000000000a01",
                "name": "Cloud Standard",
                "status": "Active",
            }
        ],
        "product_rate_plan_charges": [
            {
                "id": CHARGE_ID,
                "productRatePlanId": "2c92c0f8000000000000000000000b01",
                "name": "Monthly Subscription",
                "chargeType": "Recurring",
                "chargeModel": "Flat Fee Pricing",
                "billingPeriod": "Month",
                "billCycleType": "DefaultFromCustomer",
                "triggerEvent": "ContractEffective",
                "productRatePlanChargeTiers": [{"currency": "USD", "price": 99, "tier": 1}],
            }
        ],
    }


def write_zuora_seed(folder: Path, accounts: list[dict[str, Any]]) -> Path:
    write_seed(folder, {**_catalog(), "accounts": accounts})
    return folder


def write_netsuite_seed(
    folder: Path,
    customers: list[dict[str, Any]],
    autonumber: dict[str, Any] | None,
    lists: dict[str, dict[str, str]] | None = None,
) -> Path:
    files: dict[str, Any] = {"lists": lists} if lists else {}
    files["customer"] = customers
    files["autonumber"] = {"customer": autonumber or {"enabled": False}}
    write_seed(folder, files)
    return folder


# --- emulators -----------------------------------------------------------------------------------


# the shipped customer mappings and the settings: what each test copies and edits
SPECS = ("settings.yaml", "customer.yaml", "customer-from-netsuite.yaml")


def edit_settings(path: Path, numbering: dict[str, Any] | None = None, **settings: Any) -> None:
    """Change settings (and ``destination_numbering.customer`` keys) in a Settings file."""
    update_settings(path, settings, {"customer": numbering} if numbering is not None else None)


# --- the test world ------------------------------------------------------------------------------


@dataclass
class SyncEnv(Stage):
    """One test's world for the customer sync (the shared ``Stage``, and what these tests do
    with it)."""

    # -- configuration --------------------------------------------------------------------------

    def configure(self, numbering: dict[str, Any] | None = None, **settings: Any) -> None:
        edit_settings(self.settings_path, numbering, **settings)

    # -- running ferry --------------------------------------------------------------------------

    def ferry(self, *argv: str | Path) -> CliResult:
        return run_ferry(*argv)

    def sync(self, *extra: str | Path) -> tuple[CliResult, dict[str, Any]]:
        """``ferry sync`` on the spec folder; returns the CLI result and the JSON report."""
        return self.sync_cli(self.root / "report.json", *extra)

    def plan(self, *extra: str | Path) -> CliResult:
        return self.ferry(
            "plan", self.specs, "--connections", self.connections, "--state", self.state, *extra
        )

    # -- looking at the emulators (read only) ---------------------------------------------------

    def customers(self) -> list[dict[str, Any]]:
        store = self.netsuite.state.store
        with store.lock:
            return [dict(r) for r in store.records["customer"].values()]

    def customer(self, internal_id: str) -> dict[str, Any]:
        store = self.netsuite.state.store
        with store.lock:
            return dict(store.records["customer"][internal_id])

    def customers_by_zuora_id(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for record in self.customers():
            key = record.get("custentity_zuora_id")
            if key:
                out.setdefault(str(key), []).append(record)
        return out

    def customer_for(self, zuora_id: str) -> dict[str, Any]:
        found = self.customers_by_zuora_id().get(zuora_id, [])
        assert len(found) == 1, f"{len(found)} NetSuite customers for Zuora account {zuora_id}"
        return found[0]

    def accounts(self) -> list[dict[str, Any]]:
        store = self.zuora.state.store
        with store.lock:
            return [dict(r) for r in store.table("accounts").values()]

    def account(self, account_id: str) -> dict[str, Any]:
        store = self.zuora.state.store
        with store.lock:
            return dict(store.table("accounts")[account_id])

    def accounts_by_integration_id(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for record in self.accounts():
            key = record.get("IntegrationId__NS")
            if key:
                out.setdefault(str(key), []).append(record)
        return out

    def account_for(self, netsuite_id: str) -> dict[str, Any]:
        found = self.accounts_by_integration_id().get(netsuite_id, [])
        assert len(found) == 1, f"{len(found)} Zuora accounts for NetSuite customer {netsuite_id}"
        return found[0]

    def contact(self, contact_id: str) -> dict[str, Any]:
        store = self.zuora.state.store
        with store.lock:
            return dict(store.table("contacts")[contact_id])

    def crosswalk(self, mapping: str) -> dict[str, dict[str, Any]]:
        """The state file's crosswalk rows of a mapping, read with plain SQLite."""
        conn = sqlite3.connect(f"file:{self.state}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute("SELECT * FROM crosswalk WHERE mapping = ?", (mapping,))
            return {r["source_id"]: dict(r) for r in rows}
        finally:
            conn.close()

    def pending_intents(self) -> list[dict[str, Any]]:
        """Intents recorded but never settled (writes whose outcome the state does not know)."""
        conn = sqlite3.connect(f"file:{self.state}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute("SELECT * FROM intents WHERE status = 'pending' ORDER BY id")
            return [dict(r) for r in rows]
        finally:
            conn.close()

    # -- editing the systems as their users would (over HTTP) -----------------------------------

    def zuora_post_invoice(self, account_id: str, amount: int = 99) -> None:
        body = {
            "accountId": account_id,
            "invoiceDate": "2024-05-01",
            "status": "Posted",
            "invoiceItems": [
                {
                    "amount": amount,
                    "productRatePlanChargeId": CHARGE_ID,
                    "serviceStartDate": "2024-05-01",
                }
            ],
        }
        answer = self.zuora_api().post("/v1/invoices", json=body)
        assert answer.status_code == 200 and answer.json().get("success"), answer.text

    def netsuite_update_customer(self, internal_id: str, body: dict[str, Any]) -> None:
        answer = self.netsuite_api().patch(f"/record/v1/customer/{internal_id}", json=body)
        assert answer.status_code == 204, answer.text

    def netsuite_create_customer(self, body: dict[str, Any]) -> str:
        answer = self.netsuite_api().post("/record/v1/customer", json=body)
        assert answer.status_code == 204, answer.text
        return answer.headers["Location"].rsplit("/", 1)[-1]


EnvFactory = Callable[..., SyncEnv]


@pytest.fixture
def make_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EnvFactory]:
    """Build a fresh world per call: ``make_env(accounts=[...], customers=[...],
    ns_autonumber={...}, ns_lists={...}, numbering={...}, **settings)``; ``numbering`` edits
    ``destination_numbering.customer`` in the settings, the other keywords ``settings:``."""
    for name, value in credentials_env().items():
        monkeypatch.setenv(name, value)
    made: list[SyncEnv] = []

    def factory(
        *,
        accounts: list[dict[str, Any]] | None = None,
        customers: list[dict[str, Any]] | None = None,
        ns_autonumber: dict[str, Any] | None = None,
        ns_lists: dict[str, dict[str, str]] | None = None,
        numbering: dict[str, Any] | None = None,
        **settings: Any,
    ) -> SyncEnv:
        root = tmp_path / f"env{len(made)}"
        zuora_data = write_zuora_seed(root / "seed-zuora", accounts or [])
        ns_data = write_netsuite_seed(
            root / "seed-netsuite", customers or [], ns_autonumber, ns_lists
        )
        env = SyncEnv(**stage_parts(root, zuora_data, ns_data, SPECS))
        made.append(env)
        env.configure(numbering, **settings)
        return env

    yield factory
    for env in made:
        env.stop()


def attention(report: dict[str, Any], source_id: str) -> dict[str, Any]:
    """The report's attention entry for one source record."""
    found = [a for a in report["attention"] if a["source_id"] == source_id]
    assert found, f"{source_id} is not in the report's attention list: {report['attention']}"
    return found[0]
