"""End-to-end harness for the catalog and transaction sync (issue 6): both emulators on loopback,
hand-written seeds and settings in ``tmp_path``, ``ferry sync <folder>`` run in-process.

Each test describes a small Zuora tenant with ``ZuoraSeed`` (accounts, products, rate plans,
charges, invoices, payments, credit memos, refunds, in the emulator's documented seed format:
Object Query shape, children nested) and builds its world with ``make_world(seed, ...)``:
fresh emulators, a copy of every shipped ``mappings/zuora-netsuite/*.yaml`` whose settings the
test edits, a Connections file and a state file that does not exist yet.

``World.ferry_sync()`` runs ``ferry sync <the copied folder>`` through the CLI entry point;
``World.sync()`` makes the same ``run_sync`` call with the shipped specs compiled once per
distinct settings file, because compiling twelve specs costs about a second per run.

Results are read from the emulators' stores (read only) and from the run's JSON report. Changes
made "by a user" in Zuora go through its HTTP API, never through the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine import jsonio
from engine.emulators import zuora_seed
from engine.emulators.seedfiles import write_seed
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.project import Project, load_project
from engine.run.sync.run import run_sync
from tests.emulated import (
    MAPPINGS,
    Stage,
    credentials_env,
    stage_parts,
    update_settings,
)

CUSTOMER = "zuora-netsuite/customer"
PRODUCT = "zuora-netsuite/product-item"
RATE_PLAN = "zuora-netsuite/rate-plan-item"
SERVICE = "zuora-netsuite/charge-service-item"
NON_INVENTORY = "zuora-netsuite/charge-non-inventory-item"
INVOICE = "zuora-netsuite/invoice"
INVOICE_CREDIT_MEMO = "zuora-netsuite/invoice-credit-memo"
PAYMENT = "zuora-netsuite/payment"
UNASSIGNED = "zuora-netsuite/unassigned-payment"
CREDIT_MEMO = "zuora-netsuite/credit-memo"
REFUND = "zuora-netsuite/refund"

ITEM_TYPES = ("serviceSaleItem", "nonInventorySaleItem")

Record = dict[str, Any]


def money(text: str) -> Decimal:
    return Decimal(text)


# --- the Zuora seed ------------------------------------------------------------------------------

_KINDS = {
    "account": 0x05,
    "contact": 0x04,
    "product": 0x01,
    "plan": 0x02,
    "charge": 0x03,
    "invoice": 0x06,
    "item": 0x07,
    "payment": 0x08,
    "application": 0x09,
    "refund": 0x0A,
    "memo": 0x0B,
    "memo_item": 0x0C,
}


def zid(kind: str, n: int) -> str:
    """A 32-hex Zuora id; the kind byte keeps collections apart, ``n`` keeps records apart."""
    return f"2c92c0f8{_KINDS[kind]:02x}{n:022x}"


@dataclass
class ZuoraSeed:
    """A small Zuora tenant, built record by record; ``write`` gives the emulator's seed folder.

    Amounts are given as text and stored as ``Decimal`` so nothing passes through a float.
    Records carry no timestamps: the emulator stamps them in the order they are listed.
    """

    accounts: list[Record] = field(default_factory=list)
    products: list[Record] = field(default_factory=list)
    product_rate_plans: list[Record] = field(default_factory=list)
    product_rate_plan_charges: list[Record] = field(default_factory=list)
    invoices: list[Record] = field(default_factory=list)
    payments: list[Record] = field(default_factory=list)
    credit_memos: list[Record] = field(default_factory=list)
    refunds: list[Record] = field(default_factory=list)

    # -- accounts ---------------------------------------------------------------------------------

    def account(self, n: int, **extra: Any) -> Record:
        record: Record = {
            "id": zid("account", n),
            "accountNumber": f"A{n:08d}",
            "name": f"Company {n} Ltd",
            "currency": "USD",
            "status": "Active",
            "billCycleDay": 1,
            "paymentTerm": "Net 30",
            "batch": "Batch1",
            "autoPay": False,
            "CustomerType__NS": "Company",
            "SynctoNetSuite__NS": "Yes",
            "IntegrationId__NS": None,
            "IntegrationStatus__NS": None,
            "SyncDate__NS": None,
            "billTo": {
                "id": zid("contact", n),
                "firstName": "Ada",
                "lastName": "Lovelace",
                "workEmail": f"ap{n}@example.com",
                "country": "US",
            },
        }
        record.update(extra)
        self.accounts.append(record)
        return record

    # -- catalog ----------------------------------------------------------------------------------

    def product(self, n: int, name: str, **extra: Any) -> Record:
        record: Record = {
            "id": zid("product", n),
            "name": name,
            "sku": f"SKU-{n}",
            "description": f"{name} (product {n})",
            "category": "Base Products",
            "effectiveStartDate": "2020-01-01",
            "effectiveEndDate": "2099-12-31",
        }
        record.update(extra)
        self.products.append(record)
        return record

    def plan(self, n: int, product: Record, name: str, **extra: Any) -> Record:
        record = zuora_seed.rate_plan(zid("plan", n), product, name, **extra)
        self.product_rate_plans.append(record)
        return record

    def charge(
        self,
        n: int,
        plan: Record,
        name: str,
        *,
        item_type: str | None = "Service",
        price: str = "10.00",
        **extra: Any,
    ) -> Record:
        record: Record = {
            "id": zid("charge", n),
            "productRatePlanId": plan["id"],
            "name": name,
            "chargeType": "Recurring",
            "chargeModel": "Flat Fee Pricing",
            "billingPeriod": "Month",
            "billCycleType": "DefaultFromCustomer",
            "triggerEvent": "ContractEffective",
            "accountingCode": "Sales Revenue",
            "ItemType__NS": item_type,
            "productRatePlanChargeTiers": [
                {"currency": "USD", "price": money(price), "tier": 1, "priceFormat": "Flat Fee"}
            ],
        }
        record.update(extra)
        self.product_rate_plan_charges.append(record)
        return record

    def simple_catalog(self) -> tuple[Record, Record]:
        """One product, one plan, a Service charge and a Non-Inventory charge."""
        product = self.product(1, "Ferry Cloud")
        plan = self.plan(1, product, "Cloud Standard")
        service = self.charge(1, plan, "Monthly Subscription", item_type="Service")
        goods = self.charge(2, plan, "Token Device", item_type="Non-Inventory")
        return service, goods

    # -- transactions -----------------------------------------------------------------------------

    def invoice(
        self,
        n: int,
        account: Record,
        lines: list[tuple[Record, str]] | list[tuple[Record, str, str, str]],
        *,
        date: str = "2024-03-01",
        number: str | None = None,
        status: str = "Posted",
        **extra: Any,
    ) -> Record:
        """``lines``: (charge, amount) or (charge, amount, quantity, unit price)."""
        items = []
        for index, line in enumerate(lines, start=1):
            charge, amount = line[0], line[1]
            quantity, unit = (line[2], line[3]) if len(line) == 4 else ("1", amount)
            items.append(
                {
                    "id": zid("item", n * 100 + index),
                    "productRatePlanChargeId": charge["id"],
                    "chargeName": charge["name"],
                    "chargeAmount": money(amount),
                    "taxAmount": money("0.00"),
                    "quantity": money(quantity),
                    "unitPrice": money(unit),
                    "serviceStartDate": date,
                    "serviceEndDate": "2024-12-31",
                    "chargeDate": date,
                }
            )
        record = zuora_seed.invoice(
            zid("invoice", n), number or f"INV{n:08d}", account, date, date, status, items, **extra
        )
        self.invoices.append(record)
        return record

    def payment(
        self,
        n: int,
        account: Record | None,
        applications: list[tuple[Record, str]],
        *,
        amount: str | None = None,
        date: str = "2024-04-01",
        number: str | None = None,
        **extra: Any,
    ) -> Record:
        apps = [
            zuora_seed.application(
                zid("application", n * 100 + index), invoice["id"], money(applied), date
            )
            for index, (invoice, applied) in enumerate(applications, start=1)
        ]
        total = money(amount) if amount is not None else sum(a["applyAmount"] for a in apps)
        record = zuora_seed.payment(
            zid("payment", n), number or f"P-{n:08d}", account, total, date, apps, **extra
        )
        self.payments.append(record)
        return record

    def refund(
        self,
        n: int,
        payment: Record,
        amount: str,
        *,
        date: str = "2024-05-01",
        number: str | None = None,
        **extra: Any,
    ) -> Record:
        record = zuora_seed.refund(
            zid("refund", n), number or f"R-{n:08d}", payment, money(amount), date, **extra
        )
        self.refunds.append(record)
        return record

    def credit_memo(
        self,
        n: int,
        account: Record,
        lines: list[tuple[Record, str]],
        *,
        date: str = "2024-06-15",
        number: str | None = None,
        **extra: Any,
    ) -> Record:
        items = [
            {
                "id": zid("memo_item", n * 100 + index),
                "productRatePlanChargeId": charge["id"],
                "chargeName": charge["name"],
                "amount": money(amount),
            }
            for index, (charge, amount) in enumerate(lines, start=1)
        ]
        record = zuora_seed.credit_memo(
            zid("memo", n), number or f"CM{n:08d}", account, date, items, **extra
        )
        self.credit_memos.append(record)
        return record

    def write(self, folder: Path) -> Path:
        names = [f.name for f in fields(self)]
        write_seed(folder, {name: getattr(self, name) for name in names})
        return folder


def ns_customer(internal_id: str, name: str = "Unassigned Payments") -> Record:
    """A NetSuite customer that exists before any sync (e.g. for unassigned payments)."""
    return {
        "id": internal_id,
        "entityId": name,
        "companyName": name,
        "isPerson": False,
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
    }


# --- emulators -----------------------------------------------------------------------------------


def edit_numbering(path: Path, record_type: str, **values: Any) -> None:
    """Change ``destination_numbering.<record_type>`` keys in a Settings file."""
    update_settings(path, {}, {record_type: values})


def edit_settings(path: Path, **settings: Any) -> None:
    """Set ``settings:`` keys; ``cutover_dates`` given as a dict is merged into the file's."""
    update_settings(path, settings)


# --- one test's world ----------------------------------------------------------------------------


@dataclass
class Run:
    """One ``ferry sync``: exit code, printed summary and the JSON report."""

    code: int
    out: str
    err: str
    report: dict[str, Any]

    def counts(self, mapping: str) -> dict[str, int]:
        for entry in self.report.get("mappings", []):
            if entry["name"] == mapping:
                return {k: v for k, v in entry["counts"].items() if v}
        raise AssertionError(f"{mapping} is not in the report: {self.report.get('mappings')}")

    def attention(self, source_id: str, mapping: str | None = None) -> dict[str, Any]:
        found = [
            a
            for a in self.report.get("attention", [])
            if a["source_id"] == source_id and (mapping is None or a["mapping"] == mapping)
        ]
        assert len(found) == 1, f"{source_id}: {found} in {self.report.get('attention')}"
        return found[0]

    @property
    def writes(self) -> int:
        totals = self.report["totals"]
        return int(totals["created"] + totals["updated"] + totals["linked"])


@dataclass
class World(Stage):
    runs: int = 0

    # -- configuration and runs -----------------------------------------------------------------

    def configure(self, **settings: Any) -> None:
        edit_settings(self.specs / "settings.yaml", **settings)

    def configure_numbering(self, record_type: str, **values: Any) -> None:
        edit_numbering(self.settings_path, record_type, **values)

    def sync(self) -> Run:
        """``ferry sync mappings/zuora-netsuite/ --settings <this world's settings>``, through
        ``run_sync`` (the call the CLI makes); the project is compiled once per distinct
        settings file (see ``_project``). ``ferry_sync`` runs the CLI itself."""
        self.runs += 1
        project = _project(self.settings_path)
        endpoints = open_endpoints(self.connections)
        try:
            report = run_sync(project, endpoints, self.state)
        finally:
            close_endpoints(endpoints)
        body = json.loads(jsonio.dumps_str(report.as_json()))
        (self.root / f"run-{self.runs}.json").write_text(json.dumps(body, indent=1))
        return Run(report.exit_code(), "", "", body)

    def ferry_sync(self) -> Run:
        """``ferry sync <the copied connector folder>`` through the CLI entry point."""
        self.runs += 1
        result, report = self.sync_cli(self.root / f"run-{self.runs}.json")
        return Run(result.code, result.out, result.err, report)

    # -- NetSuite, read only --------------------------------------------------------------------

    def ns(self, record_type: str) -> list[Record]:
        store = self.netsuite.store
        with store.lock:
            return [_copy(r) for r in store.records[record_type].values()]

    def ns_snapshot(self) -> dict[str, list[Record]]:
        """Every NetSuite record of every type (deep copies), to compare before and after."""
        store = self.netsuite.store
        with store.lock:
            return {
                name: [_copy(r) for r in table.values()] for name, table in store.records.items()
            }

    def items(self) -> dict[str, tuple[str, Record]]:
        """NetSuite items by ``custitem_zuora_id``: (record type, record)."""
        out: dict[str, tuple[str, Record]] = {}
        for rtype in ITEM_TYPES:
            for record in self.ns(rtype):
                key = record.get("custitem_zuora_id")
                assert key not in out, f"two NetSuite items for Zuora record {key}"
                out[str(key)] = (rtype, record)
        return out

    def tx(self, record_type: str) -> dict[str, Record]:
        """NetSuite transactions of one type by ``custbody_zuora_id`` (one each, checked)."""
        out: dict[str, Record] = {}
        for record in self.ns(record_type):
            key = str(record.get("custbody_zuora_id"))
            assert key not in out, f"two NetSuite {record_type} records for Zuora {key}"
            out[key] = record
        return out

    def customers(self) -> dict[str, Record]:
        return {
            str(r["custentity_zuora_id"]): r
            for r in self.ns("customer")
            if r.get("custentity_zuora_id")
        }

    # -- Zuora ----------------------------------------------------------------------------------

    def zuora_record(self, collection: str, record_id: str) -> Record:
        store = self.zuora.store
        with store.lock:
            return _copy(store.table(collection)[record_id])

    def zuora_crud_update(self, object_type: str, record_id: str, body: Record) -> None:
        """``PUT /v1/object/{type}/{id}``, as a Zuora user's integration would."""
        answer = self.zuora_api().put(f"/v1/object/{object_type}/{record_id}", json=body)
        assert answer.status_code == 200 and answer.json().get("Success"), answer.text


_PROJECTS: dict[str, Project] = {}


def _project(settings: Path) -> Project:
    """The shipped specs compiled with ``settings`` (as ``ferry sync --settings`` does); cached
    by the settings file's text, because loading twelve specs costs a second and the compiled
    project holds no state of its own (that lives in the state file)."""
    text = settings.read_text()
    if text not in _PROJECTS:
        _PROJECTS[text] = load_project([MAPPINGS], settings=settings)
    return _PROJECTS[text]


def _copy(record: Record) -> Record:
    """A deep copy that keeps Decimals and datetimes as they are."""
    out: Record = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out[key] = _copy(value)
        elif isinstance(value, list):
            out[key] = [_copy(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


WorldFactory = Callable[..., World]


@pytest.fixture
def make_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorldFactory]:
    """``make_world(seed, ns_customers=[...], ns_autonumber={...}, **settings)``: fresh emulators
    seeded with ``seed`` (a ``ZuoraSeed``) and the given NetSuite customers, the shipped specs
    copied with ``settings`` changed, a Connections file and an empty state."""
    for name, value in credentials_env().items():
        monkeypatch.setenv(name, value)
    made: list[World] = []

    def factory(
        seed: ZuoraSeed,
        *,
        ns_customers: list[Record] | None = None,
        ns_autonumber: dict[str, Any] | None = None,
        **settings: Any,
    ) -> World:
        root = tmp_path / f"world{len(made)}"
        zuora_data = seed.write(root / "seed-zuora")
        ns_data = root / "seed-netsuite"
        ns_files: dict[str, Any] = {"customer": ns_customers or []}
        if ns_autonumber is not None:
            ns_files["autonumber"] = ns_autonumber
        write_seed(ns_data, ns_files)
        world = World(**stage_parts(root, zuora_data, ns_data))
        made.append(world)
        world.configure(**settings)
        return world

    yield factory
    for world in made:
        world.stop()
