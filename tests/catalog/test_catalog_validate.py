"""``ferry validate`` against the object catalogs: the shipped specs are clean, warnings are
warnings until ``--strict``, and a project's own (pulled) catalog wins over the shipped one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.check.catalog import SHIPPED_DIR, read_catalog
from tests.conftest import ROOT, ZUORA_CUSTOMER_HEADER

CUSTOM_FIELD_SPEC = ZUORA_CUSTOMER_HEADER + "  - to: comments\n    from: Region__c\n"


def test_every_shipped_spec_is_clean_against_the_shipped_catalogs(
    ferry: Callable[..., Any],
) -> None:
    result = ferry("validate", "--strict", "--format", "json", str(ROOT / "mappings"))

    report = json.loads(result.out)
    assert report["problems"] == []
    assert result.code == 0 and report["valid"] is True


def test_a_tenant_field_is_a_warning_until_strict(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(CUSTOM_FIELD_SPEC)

    relaxed = ferry("validate", str(spec))
    strict = ferry("validate", "--strict", str(spec))

    assert relaxed.code == 0
    assert f"{spec}:9:11: warning: no field 'Region__c' on Zuora account" in relaxed.out
    assert "ferry catalog pull" in relaxed.out
    assert "1 warning(s)" in relaxed.err
    assert strict.code == 1
    assert "warning:" not in strict.out


def test_a_project_catalog_that_knows_the_field_wins(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    (tmp_path / "mappings").mkdir()
    spec = tmp_path / "mappings" / "customer.yaml"
    spec.write_text(CUSTOM_FIELD_SPEC)
    own = tmp_path / "catalogs" / "zuora"
    own.mkdir(parents=True)
    data = json.loads((SHIPPED_DIR / "zuora" / "account.json").read_text())
    data["origin"] = "pulled"
    data["fields"]["Region__c"] = {"type": "string", "custom": True, "maxLength": 255}
    (own / "account.json").write_text(json.dumps(data))

    found = ferry("validate", "--strict", str(spec))
    data["fields"].pop("Region__c")
    (own / "account.json").write_text(json.dumps(data))
    pulled_without = ferry("validate", str(spec))

    assert found.code == 0, found.out
    # a pulled catalog has asked the tenant: a field it lacks is an error, not a warning
    assert pulled_without.code == 1
    assert "no field 'Region__c' on Zuora account" in pulled_without.out


def test_a_broken_catalog_file_is_a_located_error(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(CUSTOM_FIELD_SPEC)
    (tmp_path / "catalogs" / "zuora").mkdir(parents=True)
    (tmp_path / "catalogs" / "zuora" / "account.json").write_text("{not json")

    result = ferry("validate", str(spec))

    assert result.code == 1
    assert "Traceback" not in result.err + result.out
    assert "account.json: not valid JSON" in result.out


def test_every_shipped_catalog_reads_back_as_written(tmp_path: Path) -> None:
    for path in sorted(SHIPPED_DIR.glob("*/*.json")):
        catalog = read_catalog(path)
        assert (catalog.endpoint, catalog.object) == (path.parent.name, path.stem)
        assert json.loads(path.read_text()) == catalog.as_json(), path
    # the folder is package data: it is found through engine/_schemas
    assert SHIPPED_DIR.is_dir() and SHIPPED_DIR.parent.name == "_schemas"
