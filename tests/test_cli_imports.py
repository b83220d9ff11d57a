"""A ``ferry`` run imports only the module of the command it runs: start-up is most of a short
command's time, and the emulators, the HTTP stack and the table renderer cost most of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import COMMANDS
from tests.conftest import ROOT

# Runs a command in a fresh interpreter, then prints the modules it imported that start with
# one of the given prefixes.
PROBE = """
import json, sys
from engine.cli import main
code = main(sys.argv[1:])
print(json.dumps([m for m in sorted(sys.modules) if m.startswith({prefixes!r})]))
"""
HEAVY = (
    "starlette",
    "uvicorn",
    "rich",
    "httpx",
    "engine.emulators",
    "engine.run.sync",
    "engine.cli.",
)

# What a command needs only once it runs: the table renderer, the HTTP stack, the sync runtime,
# JSON Schema (jsonschema and jsonschema-rs) and the bindings of the YAML parsers.
LATE = ("rich", "httpx", "engine.run.sync", "jsonschema", "yaml", "engine.run.drivers.http")


def imported_by(
    *argv: str, prefixes: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None
) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(prefixes=prefixes), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
    )
    last: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return last


def test_render_imports_no_emulator_http_stack_or_other_command(tmp_path: Path) -> None:
    source = tmp_path / "accounts.jsonl"
    source.write_text('{"id": "1", "status": "Active", "name": "Acme"}\n')

    modules = imported_by(
        "render", str(ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"), "-i", str(source)
    )

    assert modules == ["engine.cli.common", "engine.cli.render_cmd"]


@pytest.mark.parametrize(
    ("command", "module"), [("validate", "validate_cmd"), ("runs", "state_cmd")]
)
def test_a_command_imports_its_own_module_only(command: str, module: str) -> None:
    modules = imported_by(command, "--help")

    assert [m for m in modules if m.startswith("engine.cli.")] == [
        "engine.cli.common",
        f"engine.cli.{module}",
    ]
    assert not [m for m in modules if m.startswith(("starlette", "uvicorn", "engine.emulators"))]


def test_help_lists_every_command() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from engine.cli import main; sys.exit(main(['--help']))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0
    for name in ("validate", "render", "diff", "plan", "sync", "runs", "quarantine", "emulate"):
        assert f"    {name}" in done.stdout


@pytest.mark.parametrize("command", [ref.name for ref in COMMANDS])
def test_help_imports_nothing_that_only_a_run_needs(command: str) -> None:
    assert imported_by(command, "--help", prefixes=LATE) == []


# What a command that checks or renders specs needs only once it runs: the spec model, the
# template engine and the compiler (about 0.1 s of imports together).
SPEC_STAGES = ("engine.model", "jinja2", "engine.compile", "engine.check")


@pytest.mark.parametrize("command", ["validate", "render", "diff", "catalog"])
def test_help_of_a_spec_command_imports_no_spec_stage(command: str) -> None:
    assert imported_by(command, "--help", prefixes=SPEC_STAGES) == []


CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"

# What a command that loads mappings needs only in some cases: the entry-point machinery
# (only when a distribution declares a Ferry plugin group), the drivers and their checks (only
# for a Connections file), JSON Schema in Python (only for an invalid document), the diff.
NOT_FOR_A_VALID_MAPPING = (
    "importlib.metadata",
    "engine.run.connections",
    "engine.run.drivers",
    "engine.run.sync",
    "jsonschema.",
    "jsonschema",
    "engine.diff",
    "httpx",
)


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", str(CUSTOMER)),
        ("validate", str(CUSTOMER.parent)),
        ("diff", str(CUSTOMER), str(CUSTOMER)),
    ],
    ids=["validate-file", "validate-folder", "diff"],
)
def test_a_valid_mapping_loads_without_plugins_drivers_or_python_jsonschema(
    argv: tuple[str, ...],
) -> None:
    modules = imported_by(*argv, prefixes=NOT_FOR_A_VALID_MAPPING)

    unexpected = [m for m in modules if not m.startswith(("jsonschema_rs", "engine.diff"))]
    assert unexpected == []
    assert any(m.startswith("engine.diff") for m in modules) == (argv[0] == "diff")


def test_validating_a_sound_connections_file_imports_no_python_jsonschema(
    tmp_path: Path,
) -> None:
    """The built-in drivers' options pass the quick check (jsonschema-rs); jsonschema is for
    the errors of options that do not."""
    path = tmp_path / "connections.yaml"
    path.write_text(
        "apiVersion: ferry/v1\nkind: Connections\nmetadata: {name: t}\nendpoints:\n"
        "  zuora:\n    driver: zuora\n    options:\n"
        '      base_url: "http://127.0.0.1:8081"\n'
        '      client_id: "${env:ZUORA_CLIENT_ID}"\n'
        '      client_secret: "${env:ZUORA_CLIENT_SECRET}"\n'
    )

    modules = imported_by("validate", str(path), prefixes=("jsonschema", "engine.run.drivers"))

    assert "engine.run.drivers.zuora" in modules  # its options were checked
    assert [m for m in modules if m == "jsonschema" or m.startswith("jsonschema.")] == []


def test_the_drivers_never_import_httpx_command_line_client() -> None:
    """httpx imports its CLI (rich, click, pygments) whenever they are installed; the drivers
    keep it out."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json, engine.run.drivers.zuora, engine.run.drivers.netsuite; "
            "print(json.dumps(sorted(m for m, module in sys.modules.items() "
            "if module is not None and m.split('.')[0] in ('click', 'pygments', 'httpx'))))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = json.loads(done.stdout)

    assert "httpx" in modules
    assert [m for m in modules if m.startswith(("click", "pygments", "httpx._main"))] == []
