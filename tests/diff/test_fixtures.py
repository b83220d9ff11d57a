"""``--fixtures DIR``: fixture records rendered under both versions, compared per record.

Records are found by name (``zuora-accounts.json`` for a mapping reading Zuora ``account``),
destinations likewise (``netsuite-customers.json``), and rendered for creates and updates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_ferry

SPEC = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: t/customer, version: 1}
settings: settings.yaml
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity:
  external_id: {from: id}
  match:
    - {to: custentity_zuora_id, from: id}
when:
  - name: not-cancelled
    expr: "record.status != 'Cancelled'"
    reason: cancelled accounts are not synced
fields:
  - to: companyName
    from: name
    transforms: [trim]
  - to: email
    from: email
    transforms: [lower]
  - to: terms
    from: terms
    write: create
  - to: subsidiary.id
    template: "{{ settings.default_subsidiary }}"
    write: create
"""

SETTINGS = """\
apiVersion: ferry/v1
kind: Settings
metadata: {name: t, version: 1}
settings:
  default_subsidiary: "1"
"""

ACCOUNTS = [
    {
        "id": "A1",
        "name": " Acme ",
        "status": "Active",
        "email": "AP@Acme.example",
        "terms": "Net 30",
    },
    {"id": "A2", "name": "Globex", "status": "Suspended", "email": "ar@globex.example"},
    {"id": "A3", "name": "Initech", "status": "Cancelled", "email": "x@initech.example"},
    {"id": "A4", "name": "Umbrella", "status": "Active", "email": 42},
]
CUSTOMERS = [{"id": "900", "custentity_zuora_id": "A1", "terms": {"id": "2"}}]


def _write(folder: Path, spec: str = SPEC, settings: str = SETTINGS) -> None:
    folder.mkdir()
    (folder / "customer.yaml").write_text(spec)
    (folder / "settings.yaml").write_text(settings)


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    folder = tmp_path / "fixtures"
    folder.mkdir()
    (folder / "zuora-accounts.json").write_text(json.dumps(ACCOUNTS))
    (folder / "netsuite-customers.json").write_text(json.dumps(CUSTOMERS))
    return folder


def _impacts(tmp_path: Path, fixtures: Path) -> dict[str, list[dict[str, Any]]]:
    """``ferry diff old new --fixtures F --format json``: each fixture record's changes."""
    result = run_ferry(
        "diff", tmp_path / "old", tmp_path / "new", "--fixtures", fixtures, "--format", "json"
    )
    assert result.code == 0, result.err
    (mapping,) = json.loads(result.out)["fixtures"]["mappings"]
    out: dict[str, list[dict[str, Any]]] = {}
    for change in mapping["changes"]:
        out.setdefault(change["key"], []).append(change)
    return out


def test_changed_payload_fields_per_record_and_mode(tmp_path: Path, fixtures: Path) -> None:
    _write(tmp_path / "old")
    new = SPEC.replace("transforms: [lower]", "transforms: [trim]").replace(
        "    from: terms\n    write: create", "    from: terms\n    write: always"
    )
    _write(tmp_path / "new", new)

    impacts = _impacts(tmp_path, fixtures)
    (a1,) = impacts["A1"]
    assert a1["change"] == "payload"
    assert a1["fields"] == [
        {
            "path": "email",
            "before": "ap@acme.example",
            "after": "AP@Acme.example",
            "modes": ["create", "update"],
        },
        {"path": "terms", "after": "Net 30", "modes": ["update"]},
    ]
    assert "A3" not in impacts  # skipped by the same guard in both versions


def test_records_that_start_or_stop_being_skipped_or_failing(
    tmp_path: Path, fixtures: Path
) -> None:
    _write(tmp_path / "old")
    new = SPEC.replace(
        "    expr: \"record.status != 'Cancelled'\"", "    expr: \"record.status == 'Active'\""
    ).replace("    transforms: [lower]\n", "")
    _write(tmp_path / "new", new)

    impacts = _impacts(tmp_path, fixtures)
    assert [(c["change"], c["modes"]) for c in impacts["A2"]] == [
        ("now-skipped", ["create", "update"])
    ]
    assert impacts["A2"][0]["after"] == (
        "skipped by guard not-cancelled: cancelled accounts are not synced"
    )
    assert impacts["A4"][0]["change"] == "no-longer-fails"
    assert "field 'email'" in impacts["A4"][0]["before"]
    assert "A3" not in impacts


def test_a_guard_that_now_holds_records(
    tmp_path: Path, fixtures: Path, ferry: Callable[..., Any]
) -> None:
    _write(tmp_path / "old")
    _write(
        tmp_path / "new",
        SPEC.replace(
            "    reason: cancelled accounts are not synced\n",
            "    reason: cancelled accounts are not synced\n    on_fail: hold\n",
        ),
    )

    result = ferry(
        "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--fixtures", str(fixtures)
    )

    assert result.code == 0, result.err
    assert "A3  [create+update]  result changes" in result.out
    assert "now: held by guard not-cancelled" in result.out


def test_a_settings_change_shows_in_the_payloads_of_unchanged_mappings(
    tmp_path: Path, fixtures: Path
) -> None:
    _write(tmp_path / "old")
    _write(tmp_path / "new", settings=SETTINGS.replace('"1"', '"7"'))

    impacts = _impacts(tmp_path, fixtures)
    assert impacts["A1"][0]["fields"] == [
        {"path": "subsidiary.id", "before": "1", "after": "7", "modes": ["create"]}
    ]


def test_unchanged_mappings_are_not_rendered_and_missing_records_are_said(
    tmp_path: Path, fixtures: Path, ferry: Callable[..., Any]
) -> None:
    _write(tmp_path / "old")
    _write(tmp_path / "new", SPEC.replace("object: account", "object: contact"))
    (tmp_path / "same").mkdir()
    (tmp_path / "same" / "customer.yaml").write_text(SPEC)

    unchanged = ferry(
        "diff",
        str(tmp_path / "old" / "customer.yaml"),
        str(tmp_path / "same" / "customer.yaml"),
        "--fixtures",
        str(fixtures),
    )
    missing = ferry(
        "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--fixtures", str(fixtures)
    )

    assert "no mapping or setting changed: nothing to render" in unchanged.out
    assert "zuora-contacts.yaml" in missing.out


def test_a_missing_fixtures_folder_is_a_usage_error(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    _write(tmp_path / "old")
    _write(tmp_path / "new")

    result = ferry(
        "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--fixtures", str(tmp_path / "nope")
    )

    assert result.code == 2
    assert "no such fixtures folder" in result.err
