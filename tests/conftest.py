"""Fixtures shared by the whole suite."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
# ``ferry`` in a child process, entered as the installed executable is (``engine.cli.console``:
# its collector setting and its exit), for tests that need a process of its own: one they kill
# part-way, read through a pipe, or hold a lock against.
FERRY = [sys.executable, "-c", "from engine.cli import console; console()"]

ZUORA_CUSTOMER_HEADER = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: t/customer, version: 1}
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity: {external_id: {from: id}}
fields:
"""
"""A Zuora account -> NetSuite customer spec up to its ``fields:`` list, for tests that add
their own fields (each ``  - {...}`` line)."""


@dataclass
class CliResult:
    """What a ``ferry`` invocation did: exit code and both streams."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_ferry(*argv: str | Path) -> CliResult:
    """Run the ``ferry`` command in-process, through its public entry point."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session", autouse=True)
def _code_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The code cache (``engine.compile.codecache``) in a folder of the session's, never the
    user's: the suite writes nothing to the home folder, and child processes inherit it."""
    folder = tmp_path_factory.mktemp("ferry-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FERRY_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def ferry() -> Callable[..., CliResult]:
    """``run_ferry`` as a fixture, for tests that take their tools as arguments."""
    return run_ferry
