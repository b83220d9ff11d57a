"""``ferry init``: a client project whose files agree with each other and with Ferry.

The project is checked the way its owner would use it: its specs validate, its Connections file
holds references only, its editor settings are the README's (which tests/editor drives through
yaml-language-server), and its pre-commit hooks are the ones Ferry publishes. The full day-one
run (wheel, fresh venv, `ferry validate`, `pytest`) is in tests/spec/test_installed.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.load.source import load_path
from engine.scaffold import SHIPPED_CATALOGS, ferry_version
from tests.conftest import ROOT
from tests.editor.test_yaml_language_server import readme_editor_settings

SHIPPED = ROOT / "mappings" / "zuora-netsuite"


@pytest.fixture
def client(tmp_path: Path, ferry: Callable[..., Any]) -> Path:
    target = tmp_path / "Acme Client"
    result = ferry("init", target, "--from", "zuora-netsuite", "--no-snapshots")
    assert result.code == 0, result.err
    assert f"{target}: " in result.out and "file(s) written" in result.out
    return target


def test_the_connector_specs_are_copied_and_validate(
    client: Path, ferry: Callable[..., Any]
) -> None:
    copied = client / "mappings" / "zuora-netsuite"

    result = ferry("validate", copied.parent, client / "connections.yaml")

    assert result.code == 0, result.out + result.err
    assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in SHIPPED.iterdir())
    assert all((copied / p.name).read_bytes() == p.read_bytes() for p in SHIPPED.iterdir())


def test_every_spec_finds_its_schema_inside_the_project(client: Path) -> None:
    specs = [*client.rglob("*.yaml")]
    for spec in specs:
        first = spec.read_text().splitlines()[0]
        if first.startswith("# yaml-language-server: $schema="):
            target = (spec.parent / first.split("=", 1)[1]).resolve()
            assert target.is_relative_to(client.resolve()) and target.is_file(), spec
    assert (client / "schemas" / "transforms.v1.json").is_file()


def test_connections_hold_environment_references_only(client: Path) -> None:
    loaded = load_path(client / "connections.yaml")
    endpoints = loaded.data["endpoints"]

    values = [v for e in endpoints.values() for v in e["options"].values()]
    assert loaded.data["metadata"]["name"] == "acme-client"
    assert set(endpoints) == {"zuora", "netsuite"}
    assert values and all(v.startswith("${env:") and v.endswith("}") for v in values)


def test_editor_settings_are_the_readmes(client: Path) -> None:
    written = json.loads((client / ".vscode" / "settings.json").read_text())

    assert written == readme_editor_settings()


def test_pre_commit_uses_the_hooks_ferry_publishes(client: Path) -> None:
    published = {hook["id"] for hook in load_path(ROOT / ".pre-commit-hooks.yaml").data}
    config = load_path(client / ".pre-commit-config.yaml").data

    [repo] = config["repos"]
    assert repo["rev"] == f"v{ferry_version()}"
    assert {hook["id"] for hook in repo["hooks"]} == published


def test_catalogs_are_copied_when_ferry_ships_them(client: Path) -> None:
    shipped = sorted(SHIPPED_CATALOGS.rglob("*.json")) if SHIPPED_CATALOGS.is_dir() else []
    copied = client / "catalogs"

    assert (copied / "README.md").is_file()
    for catalog in shipped:
        relative = catalog.relative_to(SHIPPED_CATALOGS)
        assert (copied / relative).read_bytes() == catalog.read_bytes(), relative


def test_without_a_connector_the_project_starts_from_one_example(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    target = tmp_path / "starter"

    made = ferry("init", target, "--no-snapshots")
    valid = ferry("validate", target / "mappings")

    assert made.code == 0 and valid.code == 0, made.err + valid.out + valid.err
    assert sorted(p.name for p in (target / "mappings").rglob("*.yaml")) == [
        "customer.yaml",
        "settings.yaml",
    ]
    assert (target / "fixtures" / "example" / "customer.yaml").is_file()


def test_an_existing_folder_with_files_is_left_alone(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    result = ferry("init", tmp_path, "--from", "zuora-netsuite")

    assert result.code == 2
    assert "already exists and is not an empty folder" in result.err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_unknown_connector_is_a_usage_error(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    result = ferry("init", tmp_path / "x", "--from", "zuora-netsuit")

    assert result.code == 2
    assert "zuora-netsuite" in result.err
    assert not (tmp_path / "x").exists()
