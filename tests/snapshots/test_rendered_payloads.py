"""What the shipped customer mappings send, for every setting value that changes it.

Why snapshots: a payload is the contract with NetSuite or Zuora. A change to a mapping, a
transform or the compiler that alters one shows up here as a JSON diff in review, per setting
value, instead of surfacing as a rejected write. Each case renders every fixture record
(companies, individuals, `"` and `,` in names, a cancelled account, Sync to NetSuite = No, no
bill-to contact, an unknown currency and payment term, linked and invoiced accounts) through
the public API — the spec compiled (``compile_mapping``, as ``load_mapping`` does) with one
setting changed on the shipped settings file (``Settings.replace``) — into the per-record
results ``ferry render`` prints (``engine.compile.preview``).

Update-mode cases pair each NetSuite customer with its current Zuora account (matched by the
mapping's ``identity.match``, ``IntegrationId__NS``), because the account-number rule reads
``destination.lastInvoiceDate``.

``snapshot_json`` is the fixture Ferry's pytest plugin gives consultants (syrupy's JSON
extension: one reviewable file per case under ``__snapshots__/``). Nothing here needs
scrubbing: offline rendering pins ``run.*`` and shows parents as placeholders, and specs are
loaded by paths relative to the repository root, so error messages name
``mappings/...:line:col`` wherever the checkout lives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

import engine
from engine.check.specfile import load_document
from engine.compile.plan import Mode
from engine.compile.preview import render_records
from engine.load.records import read_records
from tests.conftest import ROOT
from tests.snapshots.matrix import Case, assert_each_renders_differently, by_setting, group_ids

SPECS = Path("mappings/zuora-netsuite")
FIXTURES = Path("tests/fixtures/zuora-netsuite")
TO_NETSUITE = "customer.yaml"
TO_ZUORA = "customer-from-netsuite.yaml"
RECORDS = {TO_NETSUITE: "zuora-accounts.yaml", TO_ZUORA: "netsuite-customers.yaml"}
DESTINATIONS = {TO_NETSUITE: "netsuite-customers.yaml", TO_ZUORA: "zuora-accounts.yaml"}
MASTER = {TO_NETSUITE: "zuora", TO_ZUORA: "netsuite"}


def _cases() -> Iterator[Case]:
    both: tuple[Mode, ...] = ("create", "update")
    for spec in (TO_NETSUITE, TO_ZUORA):
        for value in ("source_number", "source_name", "destination_auto_number"):
            yield Case(spec, "account_number_mapping", value)
        for value in ("allow", "deny"):
            yield Case(spec, "account_number_update", value, both)
        for value in ("new_and_modified", "new_only"):
            yield Case(spec, "customer_sync_behavior", value)
    for value in ("enabled", "disabled"):
        yield Case(TO_ZUORA, "de_concatenate_account_number", value, both)
    for subsidiary in ("1", "7", None):
        yield Case(TO_NETSUITE, "default_subsidiary", subsidiary, both)


CASES = tuple(_cases())


@functools.cache
def _records(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(read_records(ROOT / FIXTURES / name))


@functools.cache
def _document(spec: str) -> engine.Document:
    # Loaded once (YAML parsing is the slow part), compiled once per case with its settings.
    # The path is relative to the repository root (the working directory, see `_at_root`), so
    # error messages read as `ferry render` prints them there, on any machine.
    return load_document(SPECS / spec, kind="Mapping")


@functools.cache
def _shipped() -> engine.Settings:
    return engine.load_settings(SPECS / "settings.yaml")


def _plan(spec: str, **changes: Any) -> engine.Plan:
    return engine.compile_mapping(_document(spec), _shipped().replace(**changes))


def _render(plan: engine.Plan, spec: str, mode: Mode) -> list[dict[str, Any]]:
    return render_records(
        plan, _records(RECORDS[spec]), mode, destinations=_records(DESTINATIONS[spec])
    )


@functools.cache
def _rendered(case: Case) -> dict[str, Any]:
    plan = _plan(case.spec, customer_account_master=MASTER[case.spec], **{case.setting: case.value})
    out: dict[str, Any] = {
        "mapping": plan.name,
        "setting": {case.setting: case.value},
        "enabled": plan.enabled,
        "behavior": plan.behavior,
    }
    for mode in case.modes:
        out[mode] = _render(plan, case.spec, mode)
    return out


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_payloads_per_setting(case: Case, snapshot_json: SnapshotAssertion) -> None:
    assert _rendered(case) == snapshot_json


@pytest.mark.parametrize(
    "master", ["zuora", "netsuite"], ids=lambda v: f"customer_account_master={v}"
)
def test_customer_account_master_enables_one_direction(
    master: str, snapshot_json: SnapshotAssertion
) -> None:
    plans = {spec: _plan(spec, customer_account_master=master) for spec in (TO_NETSUITE, TO_ZUORA)}
    enabled = [spec for spec, plan in plans.items() if plan.enabled]

    assert len(enabled) == 1, "exactly one customer direction runs"
    assert {
        "enabled": {plan.name: plan.enabled for plan in plans.values()},
        "create": _render(plans[enabled[0]], enabled[0], "create"),
    } == snapshot_json


GROUPS = by_setting(CASES)


@pytest.mark.parametrize("group", list(GROUPS.values()), ids=group_ids(GROUPS))
def test_every_setting_value_changes_what_is_snapshotted(group: list[Case]) -> None:
    # Guards the matrix itself: a value that renders the same as another would be a snapshot
    # that cannot catch the setting being ignored.
    outputs = [{k: v for k, v in _rendered(c).items() if k != "setting"} for c in group]
    assert_each_renders_differently(group, outputs)


def test_fixtures_cover_every_outcome() -> None:
    for spec in (TO_NETSUITE, TO_ZUORA):
        actions = {
            r["action"]
            for r in _rendered(Case(spec, "account_number_mapping", "source_number"))["create"]
        }
        assert actions == {"render", "skip", "error"}, spec
