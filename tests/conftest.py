"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine import diskcache
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


def pytest_configure(config: pytest.Config) -> None:
    """The suite's processes share one disk cache of their own (``engine.diskcache``), never
    the user's: a run starts cold, and nothing it keeps outlives it."""
    folder = tempfile.mkdtemp(prefix="ferry-test-cache-")
    os.environ["FERRY_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def cache_rows(cache: Path, kind: str) -> dict[str, tuple[bytes, float]]:
    """The disk cache's entries of one kind in the folder ``cache``, read from its SQLite file
    (``engine.diskcache``): key -> (the stored bytes, when last used)."""
    path = cache / diskcache.FILE
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT entry, value, used FROM entries WHERE kind = ?", (kind,))
        return {entry: (value, used) for entry, value, used in rows}


def change_cache_rows(cache: Path, kind: str, change: Callable[[bytes], bytes]) -> None:
    """Replace the stored bytes of every entry of ``kind`` with ``change`` of them, as damage
    on the disk would (the rows' times left as they were)."""
    with contextlib.closing(sqlite3.connect(cache / diskcache.FILE)) as db, db:
        for entry, value in list(
            db.execute("SELECT entry, value FROM entries WHERE kind = ?", (kind,))
        ):
            db.execute(
                "UPDATE entries SET value = ? WHERE kind = ? AND entry = ?",
                (change(value), kind, entry),
            )


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


@pytest.fixture
def ferry() -> Callable[..., CliResult]:
    """``run_ferry`` as a fixture, for tests that take their tools as arguments."""
    return run_ferry
