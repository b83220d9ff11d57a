"""A ``ferry`` run imports only the module of the command it runs: start-up is most of a short
command's time, and the emulators, the HTTP stack and the table renderer cost most of it."""

from __future__ import annotations

import json
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


def imported_by(*argv: str, prefixes: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(prefixes=prefixes), *argv],
        capture_output=True,
        text=True,
        timeout=120,
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


@pytest.mark.parametrize("command", ["validate", "render"])
def test_help_of_a_spec_command_imports_no_spec_stage(command: str) -> None:
    assert imported_by(command, "--help", prefixes=SPEC_STAGES) == []
