"""``ferry catalog show``: an object's fields, nested ones indented, from the project's
catalogs first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.check.catalog import SHIPPED_DIR


def test_show_lists_nested_fields_and_what_may_be_written(ferry: Callable[..., Any]) -> None:
    result = ferry("catalog", "show", "zuora:account")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Zuora account (Account; shipped with Ferry")
    currency = next(line for line in lines if line.split()[:1] == ["currency"])
    assert "string" in currency and "create only" in currency
    assert any(line.startswith("    workEmail ") for line in lines)  # under billTo, indented
    assert any("SynctoNetSuite__NS" in line and "one of Yes, No" in line for line in lines)


def test_show_reads_the_project_catalog_first(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    data = json.loads((SHIPPED_DIR / "netsuite" / "customer.json").read_text())
    data["origin"] = "pulled"
    data["fields"]["custentity_region"] = {"type": "string", "custom": True}
    (tmp_path / "netsuite").mkdir()
    (tmp_path / "netsuite" / "customer.json").write_text(json.dumps(data))

    result = ferry("catalog", "show", "customer", "--catalogs", str(tmp_path), "--format", "json")

    assert result.code == 0, result.err
    assert "custentity_region" in json.loads(result.out)["fields"]


def test_an_unknown_object_is_a_usage_error_with_a_suggestion(ferry: Callable[..., Any]) -> None:
    result = ferry("catalog", "show", "acount")

    assert result.code == 2
    assert "no catalog for 'acount' (did you mean 'zuora:account'?)" in result.err
    assert "Traceback" not in result.err


def test_the_commands_project_folder_is_the_stores() -> None:
    """Written out in the command module (so ``--help`` imports no catalog); it must stay the
    store's own."""
    from engine.check.catalog.store import PROJECT_FOLDER as STORE_FOLDER
    from engine.cli.catalog_cmd import PROJECT_FOLDER

    assert PROJECT_FOLDER == STORE_FOLDER
