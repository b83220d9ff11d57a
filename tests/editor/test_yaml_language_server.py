"""Completion and hover in an editor, offline: yaml-language-server (the engine of VS Code's YAML
extension) over LSP stdio, on the shipped specs and with the README's ``.vscode/settings.json``.

The server runs with every HTTP(S) request sent to a closed loopback port: a schema it had to
fetch would fail to load, and with it the transform names, which only transforms.v1.json holds.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.editor.lsp import LanguageServer

SERVER = ROOT / ".venv" / "node" / "node_modules" / "yaml-language-server" / "bin"
SERVER_SCRIPT = SERVER / "yaml-language-server"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the editor tests need yaml-language-server (npm)"
)


def readme_editor_settings() -> dict[str, Any]:
    """The ``.vscode/settings.json`` the README tells consultants to write."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Autocomplete and hover docs in VS Code", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block, "the README's editor section has no settings block"
    settings: dict[str, Any] = json.loads(block.group(1))
    return settings


def _without_modeline(path: Path) -> str:
    return "".join(
        line
        for line in path.read_text().splitlines(keepends=True)
        if not line.startswith("# yaml-language-server:")
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A consultant's folder: the schemas, the shipped specs, and copies without the comment
    line, so the README's globs alone pick their schemas."""
    root = tmp_path_factory.mktemp("editor")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(ROOT / "mappings", root / "mappings")
    acme = root / "mappings" / "acme"
    acme.mkdir()
    shipped = ROOT / "mappings" / "zuora-netsuite"
    (acme / "settings.yaml").write_text(_without_modeline(shipped / "settings.yaml"))
    (acme / "customer.yaml").write_text(_without_modeline(shipped / "customer.yaml"))
    (root / "connections.yaml").write_text(
        "apiVersion: ferry/v1\nkind: Connections\nmetadata: {name: acme}\n"
        "endpoints:\n  zuora:\n    driver: zuora\n"
    )
    return root


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[LanguageServer]:
    if not SERVER_SCRIPT.is_file():
        pytest.fail(
            f"yaml-language-server is not installed at {SERVER_SCRIPT}: `make test` installs it "
            "(npm install into .venv/node)",
            pytrace=False,
        )
    settings = {
        "yaml": {
            "schemas": readme_editor_settings()["yaml.schemas"],
            "schemaStore": {"enable": False},
            "completion": True,
            "hover": True,
            "validate": True,
        },
        "http": {"proxy": "http://127.0.0.1:9", "proxyStrictSSL": False},
    }
    lsp = LanguageServer([str(NODE), str(SERVER_SCRIPT), "--stdio"], workspace, settings)
    yield lsp
    lsp.close()


def _open_with(server: LanguageServer, path: Path, after: str, inserted: str) -> tuple[str, int]:
    """Open ``path`` with ``inserted`` as the line after the first line equal to ``after``;
    return the document and the inserted line's number (0-based)."""
    lines = path.read_text().splitlines()
    at = lines.index(after) + 1
    text = "\n".join([*lines[:at], inserted, *lines[at:]]) + "\n"
    return server.open(path, text), at


def _line_of(path: Path, prefix: str) -> int:
    return next(
        i for i, line in enumerate(path.read_text().splitlines()) if line.startswith(prefix)
    )


# --- a shipped Mapping (schema named by its comment line) --------------------------------------


def test_completion_offers_a_fields_keys(server: LanguageServer, workspace: Path) -> None:
    spec = workspace / "mappings" / "zuora-netsuite" / "customer.yaml"
    uri, line = _open_with(server, spec, "fields:", "  - to: phone\n    ")

    labels = server.completion(uri, line + 1, 4)

    assert {"from", "template", "transforms", "missing", "write"} <= set(labels), labels


def test_completion_offers_transform_names_from_the_committed_schema(
    server: LanguageServer, workspace: Path
) -> None:
    spec = workspace / "mappings" / "zuora-netsuite" / "invoice.yaml"
    uri, line = _open_with(
        server, spec, "fields:", "  - to: memo\n    from: id\n    transforms:\n      - "
    )

    labels = server.completion(uri, line + 3, 8)

    assert {"trim", "truncate", "split_before_space", "lookup"} <= set(labels), labels


def test_hover_shows_the_schema_description(server: LanguageServer, workspace: Path) -> None:
    spec = workspace / "mappings" / "zuora-netsuite" / "customer.yaml"
    uri = server.open(spec)

    text = server.hover(uri, _line_of(spec, "source:"), 2)

    assert "Where records come from" in text


# --- Settings and Connections ------------------------------------------------------------------


def test_settings_completion_and_hover(server: LanguageServer, workspace: Path) -> None:
    settings = workspace / "mappings" / "zuora-netsuite" / "settings.yaml"
    # Completion offers the keys not written yet: leave two out, and ask on an empty line.
    kept = [
        line
        for line in settings.read_text().splitlines()
        if not line.startswith(("  item_id_mapping:", "  default_subsidiary:"))
    ]
    at = kept.index("settings:") + 1
    uri = server.open(settings, "\n".join([*kept[:at], "  ", *kept[at:]]) + "\n")

    labels = server.completion(uri, at, 2)
    text = server.hover(uri, at + 1, 4)

    assert kept[at].startswith("  customer_account_master:")
    assert {"item_id_mapping", "default_subsidiary"} <= set(labels), labels
    assert "Customer Account Master" in text


def test_connections_completion_and_hover(server: LanguageServer, workspace: Path) -> None:
    connections = workspace / "connections.yaml"
    uri, line = _open_with(server, connections, "    driver: zuora", "    ")

    labels = server.completion(uri, line, 4)
    text = server.hover(uri, _line_of(connections, "endpoints:"), 2)

    assert {"options", "description"} <= set(labels), labels
    assert "by the name mappings use for them" in text


# --- the README's globs --------------------------------------------------------------------------


def test_readme_globs_check_a_settings_file_as_settings_only(
    server: LanguageServer, workspace: Path
) -> None:
    uri = server.open(workspace / "mappings" / "acme" / "settings.yaml")

    assert server.wait_for_diagnostics(uri) == []


def test_readme_globs_check_a_mapping_as_a_mapping(server: LanguageServer, workspace: Path) -> None:
    spec = workspace / "mappings" / "acme" / "customer.yaml"
    uri = server.open(
        spec, spec.read_text().replace("  - to: companyName\n", "  - too: companyName\n")
    )

    messages = [d["message"] for d in server.wait_for_diagnostics(uri)]

    assert any("too" in m for m in messages), messages
