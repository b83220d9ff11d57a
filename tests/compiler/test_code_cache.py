"""The code cache (``engine.compile.codecache``): ``ferry render`` in processes of their own,
with the cache in a folder of the test's, read through its SQLite file.

A process that finds an entry uses it and leaves its row as it was; one that does not (a
missing, truncated, corrupt or foreign entry) compiles and writes the entry anew, with the
time of that write. So an entry's time tells whether a process read it or wrote it."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import diskcache
from engine.compile.codecache import KIND, MAX_ENTRIES
from tests.conftest import FERRY, ROOT, cache_rows, change_cache_rows

CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
RECORDS = [
    {"id": "A1", "status": "Active", "name": " Acme ", "billToContact": {"workEmail": "X@Y.COM"}},
    {"id": "A2", "status": "Cancelled", "name": "Gone"},
    {"id": "A3", "status": "Active", "name": 42},  # not a string: the checked body renders it
]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def run(records: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``ferry render customer.yaml`` in a new process with this environment."""
    return subprocess.run(
        [*FERRY, "render", str(CUSTOMER), "-i", str(records)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def render(records: Path, **env: str) -> str:
    """The output of ``run`` with these variables added (it must finish its job)."""
    done = run(records, {**os.environ, **env})
    assert done.returncode == 1, done.stderr  # 1: record A3 failed, reported in the output
    assert "Traceback" not in done.stderr
    return done.stdout


def entries(cache: Path) -> dict[str, tuple[bytes, float]]:
    """The cache's code entries: key -> (stored bytes, time of the last write)."""
    return cache_rows(cache, KIND)


def uncached(records: Path) -> str:
    return render(records, FERRY_CACHE_DIR="")


def test_a_second_process_reads_the_entries_the_first_wrote(tmp_path: Path, records: Path) -> None:
    cache = tmp_path / "cache"
    first = render(records, FERRY_CACHE_DIR=str(cache))
    written = entries(cache)
    assert len(written) == 3  # the fast bodies (create, update) and the checked one A3 needed
    assert render(records, FERRY_CACHE_DIR=str(cache)) == first
    assert entries(cache) == written  # read, none written again
    assert first == uncached(records)  # the same payloads as code compiled in the process
    assert cache.stat().st_mode & 0o777 == 0o700


def foreign(data: bytes) -> bytes:
    """The entry as another interpreter would have written it (another magic number)."""
    magic = importlib.util.MAGIC_NUMBER
    at = data.index(magic)
    other = bytes([(magic[0] + 1) % 256]) + magic[1:]
    return data[:at] + other + data[at + len(magic) :]


def flipped(data: bytes) -> bytes:
    """A payload key in the marshalled code changed by one letter: the same length, and code
    marshal still loads (it would write ``companyNamf``): only the entry's hash tells."""
    return data.replace(b"companyName", b"companyNamf")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(flipped, id="corrupt"),
        pytest.param(foreign, id="foreign"),
        pytest.param(lambda data: b"\x00" * len(data), id="garbage"),
    ],
)
def test_a_damaged_entry_is_ignored_and_written_again(
    tmp_path: Path, records: Path, damage: object
) -> None:
    cache = tmp_path / "cache"
    expected = render(records, FERRY_CACHE_DIR=str(cache))
    good = entries(cache)
    change_cache_rows(cache, KIND, damage)  # type: ignore[arg-type]

    assert render(records, FERRY_CACHE_DIR=str(cache)) == expected
    rewritten = entries(cache)
    assert rewritten.keys() == good.keys()
    assert all(rewritten[name][1] > good[name][1] for name in good)  # each one written again
    assert render(records, FERRY_CACHE_DIR=str(cache)) == expected
    assert entries(cache) == rewritten  # and read by the next process


def test_set_empty_the_cache_is_off_and_nothing_is_written(tmp_path: Path, records: Path) -> None:
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    xdg.mkdir()
    out = render(records, FERRY_CACHE_DIR="", HOME=str(home), XDG_CACHE_HOME=str(xdg))
    assert out == render(records, FERRY_CACHE_DIR=str(tmp_path / "cache"))
    assert not any(home.iterdir())
    assert not any(xdg.iterdir())


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG_CACHE_HOME: elsewhere only")
def test_unset_the_cache_is_in_the_platform_cache_folder(tmp_path: Path, records: Path) -> None:
    xdg = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if k != "FERRY_CACHE_DIR"}
    done = run(records, {**env, "XDG_CACHE_HOME": str(xdg), "HOME": str(tmp_path)})
    assert done.stdout == uncached(records)
    assert entries(xdg / "ferry")
    assert [p.name for p in (xdg / "ferry").iterdir()] == [diskcache.FILE]  # the log folded in


def test_an_unwritable_cache_folder_still_renders(tmp_path: Path, records: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder\n")  # no folder can be made under it, even by root
    done = run(records, {**os.environ, "FERRY_CACHE_DIR": str(blocked / "cache")})
    off = run(records, {**os.environ, "FERRY_CACHE_DIR": ""})
    assert (done.returncode, done.stdout) == (off.returncode, off.stdout)
    assert done.stderr == off.stderr  # the same warnings, nothing about the cache
    assert blocked.read_text() == "not a folder\n"


def test_past_its_bound_the_least_recently_used_entries_are_removed(
    tmp_path: Path, records: Path
) -> None:
    cache = tmp_path / "cache"
    render(records, FERRY_CACHE_DIR=str(cache))  # the file made, this mapping's entries in it
    old = time.time() - 30 * 24 * 3600
    with contextlib.closing(sqlite3.connect(cache / diskcache.FILE)) as db, db:
        db.execute("DELETE FROM entries WHERE kind = ?", (KIND,))
        db.executemany(  # a full cache of entries used long ago, one second apart
            "INSERT INTO entries VALUES (?, ?, x'00', ?)",
            [(KIND, f"{index:064x}", old + index) for index in range(MAX_ENTRIES)],
        )

    expected = render(records, FERRY_CACHE_DIR=str(cache))

    kept = entries(cache)
    assert MAX_ENTRIES // 2 < len(kept) < MAX_ENTRIES  # pruned, with room before the next time
    assert f"{0:064x}" not in kept  # the oldest went first
    assert f"{MAX_ENTRIES - 1:064x}" in kept
    assert render(records, FERRY_CACHE_DIR=str(cache)) == expected
    assert entries(cache) == kept  # this run's entries kept, and read


def test_processes_filling_one_cache_at_once_agree(tmp_path: Path, records: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "FERRY_CACHE_DIR": str(cache)}
    command = [*FERRY, "render", str(CUSTOMER), "-i", str(records)]
    running = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(4)
    ]
    outputs = {process.communicate(timeout=120)[0].decode() for process in running}
    assert outputs == {uncached(records)}
    written = entries(cache)
    assert written
    render(records, FERRY_CACHE_DIR=str(cache))
    assert entries(cache) == written  # every entry whole: the next process reads them all
