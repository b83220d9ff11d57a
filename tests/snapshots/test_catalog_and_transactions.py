"""What the shipped catalog and transaction mappings send, for every setting value that changes it.

Why snapshots: a payload is the contract with NetSuite. A change to a mapping, a transform or the
compiler that alters an item, invoice, credit memo, payment or refund shows up here as a JSON diff
in review, per setting value. Each case renders every fixture record (records that render, that a
guard skips or holds, and that cannot be rendered) through Ferry's pytest plugin fixture
``ferry_render`` — the shipped spec compiled with one setting overridden on the shipped settings
file — into the per-record results ``ferry render`` prints.

Settings covered (docs/zuora-netsuite.md): ``item_id_mapping`` (charge_id / charge_name),
``catalog_sync_behavior`` (create vs update payload: the Item ID rewritten or not),
``default_subsidiary`` (items), ``transaction_number_mapping`` (source_number /
destination_auto_number) and ``unassigned_payments_customer`` (held vs rendered).

Fixture records (``tests/transactions/fixtures/``) are read with ``jsonio.loads_exact``, as the
Zuora driver reads Object Query, so money arrives as ``Decimal`` and the snapshots show it as
``Decimal('99.99')``: a payload that would carry a float shows up as a bare number instead.
Offline rendering shows parents (the customer, the items, the invoices, the payment) as
``<mapping:source id>`` placeholders and pins ``run.*``, so nothing needs scrubbing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from engine import jsonio
from engine.compile.plan import Mode
from engine.pytest_plugin import RenderFunction
from tests.conftest import ROOT
from tests.snapshots.matrix import Case, assert_each_renders_differently, by_setting, group_ids

SPECS = Path("mappings/zuora-netsuite")
FIXTURES = ROOT / "tests" / "transactions" / "fixtures"

CATALOG = {
    "product-item.yaml": "products.json",
    "rate-plan-item.yaml": "product-rate-plans.json",
    "charge-service-item.yaml": "product-rate-plan-charges.json",
    "charge-non-inventory-item.yaml": "product-rate-plan-charges.json",
}
TRANSACTIONS = {
    "invoice.yaml": "invoices.json",
    "invoice-credit-memo.yaml": "invoices.json",
    "payment.yaml": "payments.json",
    "unassigned-payment.yaml": "payments.json",
    "credit-memo.yaml": "credit-memos.json",
    "refund.yaml": "refunds.json",
}
RECORDS = {**CATALOG, **TRANSACTIONS}


def _cases() -> Iterator[Case]:
    both: tuple[Mode, ...] = ("create", "update")
    for spec in CATALOG:
        for value in ("charge_id", "charge_name"):
            yield Case(spec, "item_id_mapping", value)
        for value in ("new_and_modified", "new_only"):
            yield Case(spec, "catalog_sync_behavior", value, both)
        for value in ("1", "3", None):
            yield Case(spec, "default_subsidiary", value, both)
    for spec in TRANSACTIONS:
        # unassigned payments render (rather than being held) only with a receiving customer
        also = (("unassigned_payments_customer", "900"),) if spec.startswith("unassigned") else ()
        for value in ("source_number", "destination_auto_number"):
            yield Case(spec, "transaction_number_mapping", value, also=also)
    for value in (None, "900"):
        yield Case("unassigned-payment.yaml", "unassigned_payments_customer", value)


CASES = tuple(_cases())


@functools.cache
def _records(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(jsonio.loads_exact((FIXTURES / name).read_bytes()))


_RENDERED: dict[Case, dict[str, Any]] = {}


def _rendered(case: Case, ferry_render: RenderFunction) -> dict[str, Any]:
    """The case's results, rendered once per test session (the guard test reuses them)."""
    if case not in _RENDERED:
        out: dict[str, Any] = {"settings": case.settings}
        for mode in case.modes:
            out[mode] = ferry_render(
                SPECS / case.spec, _records(RECORDS[case.spec]), mode=mode, **case.settings
            )
        _RENDERED[case] = out
    return _RENDERED[case]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_payloads_per_setting(
    case: Case, ferry_render: RenderFunction, snapshot_json: SnapshotAssertion
) -> None:
    assert _rendered(case, ferry_render) == snapshot_json


GROUPS = by_setting(CASES)


@pytest.mark.parametrize("group", list(GROUPS.values()), ids=group_ids(GROUPS))
def test_every_setting_value_changes_what_is_snapshotted(
    group: list[Case], ferry_render: RenderFunction
) -> None:
    # Guards the matrix itself: a value that renders the same as another would be a snapshot
    # that cannot catch the setting being ignored.
    outputs = [
        {k: v for k, v in _rendered(c, ferry_render).items() if k != "settings"} for c in group
    ]
    assert_each_renders_differently(group, outputs)


def test_fixtures_cover_every_outcome(ferry_render: RenderFunction) -> None:
    actions: set[str] = set()
    for case in CASES:
        results = _rendered(case, ferry_render)["create"]
        if case.setting != "unassigned_payments_customer" or case.value is not None:
            assert "render" in {r["action"] for r in results}, case.id
        actions |= {r["action"] for r in results}
    assert actions == {"render", "skip", "hold", "error"}


@pytest.mark.parametrize("spec", list(TRANSACTIONS))
def test_the_zuora_number_is_always_kept(spec: str, ferry_render: RenderFunction) -> None:
    cases = [c for c in CASES if c.spec == spec and c.setting == "transaction_number_mapping"]
    for case in cases:
        value = case.value
        for result in _rendered(case, ferry_render)["create"]:
            if result["action"] != "render":
                continue
            payload = result["payload"]
            assert payload["custbody_zuora_reference_number"], result
            assert ("tranId" in payload) == (value == "source_number"), result


def _invoice_lines(ferry_render: RenderFunction) -> list[dict[str, Any]]:
    case = Case("invoice.yaml", "transaction_number_mapping", "source_number")
    invoice = _rendered(case, ferry_render)["create"][0]["payload"]
    lines: list[dict[str, Any]] = invoice["item"]["items"]
    return lines


def test_money_stays_decimal(ferry_render: RenderFunction) -> None:
    lines = _invoice_lines(ferry_render)
    assert [line["amount"] for line in lines] == [Decimal("99.99"), Decimal("10.01")]
    assert all(type(v) is Decimal for line in lines for v in (line["amount"], line["rate"]))


def test_a_sub_cent_unit_price_is_sent_exactly(ferry_render: RenderFunction) -> None:
    lines = _invoice_lines(ferry_render)
    assert [(line["quantity"], line["rate"]) for line in lines] == [
        (Decimal("1"), Decimal("99.99")),
        (Decimal("4004"), Decimal("0.0025")),
    ]
