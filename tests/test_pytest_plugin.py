"""Ferry's pytest plugin, as a consultant's repository uses it.

Two layers. The fixtures are exercised here in-process (the plugin is installed with Ferry, so
this session has them): they return what ``ferry render`` prints, resolve paths against the
rootdir, and turn spec mistakes into one located failure line. Then ``tests/plugin_demo`` —
laid out like a consultant's repository, with its own pytest configuration and snapshots — is
run as a separate pytest session, as its owner would run it, to show that its snapshots pass and
really guard the output: edit the spec and the session fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from engine.pytest_plugin import PlanFactory, RenderFunction
from tests.conftest import ROOT

if TYPE_CHECKING:  # public only as `pytest.fail.Exception`, which is not usable as a type
    from _pytest.outcomes import Failed

DEMO = ROOT / "tests" / "plugin_demo"
TO_NETSUITE = "mappings/zuora-netsuite/customer.yaml"
TO_ZUORA = "mappings/zuora-netsuite/customer-from-netsuite.yaml"
ACCOUNTS = "tests/fixtures/zuora-netsuite/zuora-accounts.yaml"
CUSTOMERS = "tests/fixtures/zuora-netsuite/netsuite-customers.yaml"


def _unrelated_plugins() -> list[str]:
    """``-p no:NAME`` for every installed pytest plugin but Ferry's and syrupy's: a consultant's
    session has those two; whatever else this environment holds only slows the run down."""
    names = {ep.name for ep in entry_points(group="pytest11")} - {"ferry", "syrupy"}
    return [arg for name in sorted(names) for arg in ("-p", f"no:{name}")]


def _pytest(folder: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """A separate pytest session, started the way a consultant starts one."""
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *_unrelated_plugins(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _failure(call: Callable[[], object]) -> pytest.ExceptionInfo[Failed]:
    with pytest.raises(pytest.fail.Exception) as info:
        call()
    return info


# --- the fixtures -----------------------------------------------------------------------------


def test_ferry_render_returns_what_ferry_render_prints(
    ferry_render: RenderFunction, ferry: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    printed = ferry("render", TO_NETSUITE, "--input", ACCOUNTS)
    expected = [json.loads(line) for line in printed.out.splitlines()]

    results = ferry_render(TO_NETSUITE, ACCOUNTS)

    assert results == expected
    assert {r["action"] for r in results} == {"render", "skip", "error"}


def test_paths_are_relative_to_the_rootdir_not_the_working_directory(
    ferry_render: RenderFunction, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    results = ferry_render(TO_NETSUITE, ACCOUNTS)

    errors = [r["error"] for r in results if r["action"] == "error"]
    assert errors and all(e.startswith(f"{TO_NETSUITE}:") for e in errors)
    assert Path.cwd() == tmp_path, "the working directory is restored"


def test_setting_overrides_change_the_payload(ferry_render: RenderFunction) -> None:
    by_number = ferry_render(TO_NETSUITE, ACCOUNTS)[1]["payload"]
    by_name = ferry_render(TO_NETSUITE, ACCOUNTS, account_number_mapping="source_name")[1]

    assert by_number["entityId"] == "A00000102"
    assert by_name["payload"]["entityId"] == "Smith Jones & Partners LLP"


def test_inline_records_and_a_settings_file(ferry_render: RenderFunction, tmp_path: Path) -> None:
    settings = tmp_path / "eu.yaml"
    settings.write_text(
        "apiVersion: ferry/v1\nkind: Settings\nmetadata: {name: eu, version: 1}\n"
        "settings: {default_subsidiary: '9', account_number_update: deny}\n"
    )
    record = {
        "id": "z1",
        "accountNumber": "A1",
        "name": "Kite GmbH",
        "status": "Active",
        "currency": "EUR",
        "paymentTerm": "Net 30",
    }

    created = ferry_render(TO_NETSUITE, [record], settings=settings)[0]["payload"]
    updated = ferry_render(TO_NETSUITE, [record], settings=settings, mode="update")[0]["payload"]

    assert created["subsidiary"] == {"id": "9"}
    assert "entityId" in created and "entityId" not in updated


def test_update_pairs_each_record_with_its_destination(ferry_render: RenderFunction) -> None:
    def account_numbers(**kwargs: Any) -> dict[str, Any]:
        results = ferry_render(TO_ZUORA, CUSTOMERS, mode="update", **kwargs)
        return {r["key"]: r["payload"].get("accountNumber") for r in results if "payload" in r}

    alone = account_numbers()
    paired = account_numbers(destinations=ACCOUNTS)

    # Alone, the guard sees no Last Invoiced date and sends the number. Paired with its Zuora
    # account, 1202 (invoiced: Zuora locks the number) leaves it out; 1201 (no invoices) keeps it.
    assert alone["1202"] == 'CUST-0002 Globex, "International"'
    assert paired["1202"] is None
    assert paired["1201"] == alone["1201"] == "ACME-001 Acme Corp"


def test_two_matching_destinations_are_refused(ferry_render: RenderFunction) -> None:
    customer = {"id": "1201", "entityId": "ACME-001 Acme Corp", "companyName": "Acme Corp"}
    twins = [{"id": "a1", "IntegrationId__NS": "1201"}, {"id": "a2", "IntegrationId__NS": "1201"}]

    info = _failure(lambda: ferry_render(TO_ZUORA, [customer], mode="update", destinations=twins))

    assert str(info.value).startswith("2 destination records match {'IntegrationId__NS': '1201'}")


def test_ferry_plan_compiles_with_overrides(ferry_plan: PlanFactory) -> None:
    zuora_master = ferry_plan(TO_NETSUITE)
    netsuite_master = ferry_plan(TO_NETSUITE, customer_account_master="netsuite")

    assert (zuora_master.enabled, netsuite_master.enabled) == (True, False)
    assert netsuite_master.settings["customer_account_master"] == "netsuite"


def test_a_spec_error_fails_with_its_location_only(
    ferry_render: RenderFunction, tmp_path: Path
) -> None:
    shutil.copy(ROOT / "mappings/zuora-netsuite/settings.yaml", tmp_path)
    text = (ROOT / TO_NETSUITE).read_text().replace("[trim, lower]", "[trim, lowr]")
    spec = tmp_path / "broken.yaml"
    spec.write_text(text)
    line = text.splitlines().index("    transforms: [trim, lowr]") + 1

    info = _failure(lambda: ferry_render(spec, ACCOUNTS))

    assert info.value.pytrace is False
    assert f"broken.yaml:{line}:" in str(info.value)
    assert "lowr" in str(info.value) and "did you mean 'lower'" in str(info.value)


def test_a_misspelt_setting_fails_instead_of_being_ignored(ferry_render: RenderFunction) -> None:
    info = _failure(
        lambda: ferry_render(TO_NETSUITE, ACCOUNTS, account_numbr_mapping="source_name")
    )

    assert "account_numbr_mapping" in str(info.value)
    assert "account_number_mapping" in str(info.value)


def test_a_bad_setting_value_fails(ferry_render: RenderFunction) -> None:
    info = _failure(lambda: ferry_render(TO_NETSUITE, ACCOUNTS, account_number_mapping="by_name"))

    assert "by_name" in str(info.value) and "source_name" in str(info.value)


def test_a_missing_records_file_fails_with_its_name(ferry_render: RenderFunction) -> None:
    info = _failure(lambda: ferry_render(TO_NETSUITE, "tests/fixtures/nope.yaml"))

    assert str(info.value) == "tests/fixtures/nope.yaml: no such file"
    assert info.value.pytrace is False


def test_loading_the_plugin_defers_the_engine_work() -> None:
    deferred = ("engine.compile.preview", "engine.load.records", "syrupy")
    probe = f"import sys, engine.pytest_plugin; print([m for m in {deferred} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


# --- a consultant's repository ----------------------------------------------------------------


def test_the_demo_repository_passes_its_snapshots() -> None:
    run = _pytest(DEMO)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout and "3 snapshots passed" in run.stdout


def test_editing_the_spec_fails_the_demo_snapshots(tmp_path: Path) -> None:
    repo = tmp_path / "acme"
    shutil.copytree(DEMO, repo, ignore=shutil.ignore_patterns("__pycache__"))
    spec = repo / "mappings" / "customer.yaml"
    spec.write_text(
        spec.read_text().replace("transforms: [trim, lower]", "transforms: [trim, upper]")
    )

    run = _pytest(repo, cwd=repo)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "3 failed" in run.stdout and "snapshots failed" in run.stdout
    assert "BUCHHALTUNG@MUELLER-SOEHNE.EXAMPLE" in run.stdout


def test_snapshot_json_needs_syrupy(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_x.py").write_text("def test_x(snapshot_json):\n    pass\n")

    run = _pytest(tmp_path, "-p", "no:syrupy", cwd=tmp_path)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "fixture 'snapshot_json' not found" in run.stdout


# --- safe snapshots ---------------------------------------------------------------------------


def _demo_copy(tmp_path: Path) -> Path:
    repo = tmp_path / "acme"
    shutil.copytree(DEMO, repo, ignore=shutil.ignore_patterns("__pycache__"))
    return repo


def _snapshot_files(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / "tests").rglob("*.json"))}


@pytest.mark.parametrize("update", [False, True], ids=["check", "snapshot-update"])
def test_a_spec_that_fails_to_load_fails_its_tests_and_keeps_its_snapshots(
    tmp_path: Path, update: bool
) -> None:
    repo = _demo_copy(tmp_path)
    spec = repo / "mappings" / "customer.yaml"
    text = spec.read_text().replace("transforms: [trim, lower]", "transforms: [trim, lowr]")
    spec.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "[trim, lowr]" in t)
    before = _snapshot_files(repo)

    run = _pytest(repo, *(["--snapshot-update"] if update else []), cwd=repo)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "3 failed" in run.stdout
    assert f"mappings/customer.yaml:{line}:" in run.stdout
    assert "did you mean 'lower'" in run.stdout
    assert "unused" not in run.stdout and "deleted" not in run.stdout
    assert len(before) == 3 and _snapshot_files(repo) == before


def test_a_comment_line_above_the_fields_keeps_the_snapshots_passing(tmp_path: Path) -> None:
    repo = _demo_copy(tmp_path)
    spec = repo / "mappings" / "customer.yaml"
    spec.write_text(spec.read_text().replace("\nfields:\n", "\n# reviewed with Acme\nfields:\n"))
    snapshots = b"".join(_snapshot_files(repo).values())

    run = _pytest(repo, cwd=repo)

    assert b"field 'currency': transform lookup" in snapshots  # an error result is snapshotted
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 snapshots passed" in run.stdout


def test_error_results_keep_their_location_outside_snapshots(ferry_render: RenderFunction) -> None:
    errors = [r["error"] for r in ferry_render(TO_NETSUITE, ACCOUNTS) if r["action"] == "error"]

    assert errors and all(re.match(rf"{TO_NETSUITE}:\d+:\d+, record ", e) for e in errors)
