"""``ferry render`` and the ``ferry_render`` fixture warn about a path that was in none of the
records while the records carry a near name (a typo that would silently drop a field)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.pytest_plugin import FerryPathWarning, RenderFunction

SPEC = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: t/customer, version: 1}
source: {endpoint: crm, object: person}
destination: {endpoint: erp, object: customer}
identity: {external_id: {from: id}}
when: ["record.stauts != 'Closed'"]
fields:
  - to: email
    from: billTo.workEmial
  - to: name
    from: name
"""
RECORDS = [
    {"id": "1", "name": "Ada", "status": "Open", "billTo": {"workEmail": "ada@example.com"}},
    {"id": "2", "name": "Alan", "status": "Open", "billTo": {"workEmail": "alan@example.com"}},
]


def test_render_warns_with_the_place_and_the_near_name(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(SPEC)
    records = tmp_path / "records.json"
    records.write_text(json.dumps(RECORDS))

    result = ferry("render", str(spec), "--input", str(records))

    assert result.code == 0
    assert (
        f"{spec}:10:18: warning: 'billTo.workEmial' was in none of the 2 records rendered "
        "(did you mean 'workEmail'?)" in result.err
    )
    assert f"{spec}:7:16: warning: 'stauts' was in none of the 2 records" in result.err
    assert "'name'" not in result.err  # found in the records: nothing to say


def test_no_warning_when_one_record_has_the_path(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(SPEC.replace("workEmial", "workEmail").replace("stauts", "status"))
    records = tmp_path / "records.json"
    records.write_text(json.dumps([{"id": "3", "name": "Grace"}, *RECORDS]))

    result = ferry("render", str(spec), "--input", str(records))

    assert result.code == 0 and "warning" not in result.err


def test_a_near_name_carried_only_by_a_later_record_is_still_suggested(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    """Top-level names share one key set: keys first seen in the last record still count,
    and a name one record resolves is not warned about even when others lack it."""
    spec = tmp_path / "customer.yaml"
    spec.write_text(
        SPEC.replace("workEmial", "workEmail")
        + "  - to: phone\n    from: mobilPhone\n  - to: fax\n    from: fax\n"
    )
    plain = [{"id": str(n), "name": "N", "status": "Open"} for n in range(50)]
    last = {"id": "50", "name": "L", "status": "Open", "mobilePhone": "1", "fax": "2"}
    records = tmp_path / "records.json"
    records.write_text(json.dumps([*plain, last]))

    result = ferry("render", str(spec), "--input", str(records))

    assert result.code == 0
    assert (
        "'mobilPhone' was in none of the 51 records rendered (did you mean 'mobilePhone'?)"
        in result.err
    )
    assert "'fax'" not in result.err and "'stauts'" in result.err


def test_the_fixture_warns_too(ferry_render: RenderFunction, tmp_path: Path) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(SPEC)

    with pytest.warns(FerryPathWarning) as caught:
        results = ferry_render(spec, RECORDS)

    assert len(results) == 2
    messages = [str(w.message) for w in caught]
    assert any("10:18" in m and "did you mean 'workEmail'?" in m for m in messages), messages
    assert any("7:16" in m and "did you mean 'status'?" in m for m in messages), messages


def test_the_fixture_is_quiet_on_good_paths(ferry_render: RenderFunction, tmp_path: Path) -> None:
    spec = tmp_path / "customer.yaml"
    spec.write_text(SPEC.replace("workEmial", "workEmail").replace("stauts", "status"))

    with warnings.catch_warnings():
        warnings.simplefilter("error", FerryPathWarning)
        assert len(ferry_render(spec, RECORDS)) == 2
