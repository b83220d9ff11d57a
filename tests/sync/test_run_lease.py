"""One run per state file, however the file is named: two real ``ferry sync`` processes on one
real SQLite file, through a symlink, with every file beside the state deleted; a dead holder's
lease is taken over; commits are fsynced (``synchronous=FULL``)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from engine.errors import StateLockedError
from engine.run.state import StateStore
from tests.conftest import FERRY
from tests.sync.conftest import EnvFactory, SyncEnv, zuora_account

STATE_FILES = ("", "-wal", "-shm")


def _slow_netsuite_writes(env: SyncEnv, delay: float) -> None:
    rule = {
        "kind": "slow",
        "method": "PUT",
        "path": "/services/rest/record/*",
        "delay": delay,
        "times": None,
    }
    answer = httpx.post(env.netsuite.base_url + "/__ferry/faults", json=rule)
    assert answer.status_code in (200, 201), answer.text


def _sync_process(env: SyncEnv, state: Path) -> subprocess.Popen[str]:
    argv = [
        *FERRY,
        "sync",
        str(env.specs),
        "--connections",
        str(env.connections),
        "--state",
        str(state),
        "--no-progress",
        "--format",
        "json",
    ]
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=env.root
    )


def _wait_for_writes(env: SyncEnv, proc: subprocess.Popen[str]) -> None:
    """Until the first run has sent a write (it holds the state file from then on)."""
    deadline = time.monotonic() + 60
    while env.netsuite.writes == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first sync never started writing"
        time.sleep(0.05)


def _delete_everything_beside(state: Path) -> list[str]:
    """What an operator clearing 'stale locks' would delete: every file next to the state file
    that is not the database or its WAL companions."""
    keep = {state.name + suffix for suffix in STATE_FILES}
    deleted = []
    for path in state.parent.iterdir():
        companion = path.name.startswith(state.name) or path.suffix == ".lock"
        if path.is_file() and companion and path.name not in keep:
            path.unlink()
            deleted.append(path.name)
    return deleted


def test_a_second_process_through_a_symlink_is_refused_and_the_first_finishes(
    make_env: EnvFactory,
) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 5)])
    # every NetSuite write answers after 12 s: the first run holds the state file while the
    # second process starts (imports, specs, endpoints) and tries it
    _slow_netsuite_writes(env, 12.0)
    link = env.root / "elsewhere" / "state-link.sqlite"
    link.parent.mkdir()
    link.symlink_to(env.state)

    first = _sync_process(env, env.state)
    try:
        _wait_for_writes(env, first)
        assert _delete_everything_beside(env.state) == []  # there is no lock file to delete
        second = _sync_process(env, link)
        out, err = second.communicate(timeout=120)
        assert first.poll() is None, "the first run ended before the second tried the file"
    finally:
        _, first_err = first.communicate(timeout=180)

    assert second.returncode == 3, (out, err)
    assert "another run is using this state file" in err
    assert f"pid {first.pid} on host {socket.gethostname()}" in err
    assert "started 20" in err
    assert "Traceback" not in err
    assert first.returncode == 0, first_err
    runs = env.ferry("runs", "--state", env.state, "--format", "json").json()
    assert [r["status"] for r in runs] == ["succeeded"]  # the refused run left no trace
    assert env.netsuite.writes == 4  # one upsert per account: nothing written twice
    assert len(env.customers()) == 4


def test_the_lease_of_a_killed_run_is_taken_over_by_the_next(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 5)])
    _slow_netsuite_writes(env, 5.0)
    first = _sync_process(env, env.state)
    _wait_for_writes(env, first)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)  # reaped: its pid is gone
    httpx.delete(env.netsuite.base_url + "/__ferry/faults").raise_for_status()

    link = env.root / "link.sqlite"
    link.symlink_to(env.state)
    result, report = env.sync()

    assert result.code == 0, result.err
    notes = report["mappings"][0]["notes"]
    assert any(f"pid {first.pid}" in n and "no longer running" in n for n in notes), notes
    assert any("run 1 had crashed" in n for n in notes), notes
    runs = env.ferry("runs", "--state", link, "--format", "json").json()
    assert [r["status"] for r in runs] == ["succeeded", "crashed"]
    assert len(env.customers()) == 4


def test_state_commits_are_fsynced_on_every_connection(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore.open(path) as state:
        assert state.durability() == {"journal_mode": "wal", "synchronous": "full"}
        state.set_watermark("m", "2024-01-01T00:00:00Z", "new_and_modified")
    with StateStore.open(path, readonly=True) as state:
        assert state.durability()["synchronous"] == "full"
        assert state.watermark("m") is not None


# --- the lease row: who may take it over ----------------------------------------------------------


def _plant_lease(path: Path, **values: object) -> None:
    """Write the lease row as another Ferry process (here, or on another host) would have."""
    row = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": "2024-03-01T10:00:00.000Z",
        "heartbeat_at": "2024-03-01T10:00:00.000Z",
        "expires_at": "2999-01-01T00:00:00.000Z",
        "process_start": None,
        "token": "planted",
        **values,
    }
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO run_lease (id, pid, host, started_at, heartbeat_at, "
            "expires_at, process_start, token) VALUES (1, :pid, :host, :started_at, "
            ":heartbeat_at, :expires_at, :process_start, :token)",
            row,
        )
    conn.close()


def _new_state(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite"
    StateStore.open(path).close()
    return path


def test_a_live_lease_on_another_host_is_refused_naming_it(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    _plant_lease(path, host="batch-7.internal", pid=4242)

    with pytest.raises(StateLockedError) as refused:
        StateStore.open(path)

    assert "pid 4242 on host batch-7.internal, started 2024-03-01T10:00:00.000Z" in str(
        refused.value
    )


def test_an_expired_lease_on_another_host_is_taken_over(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    _plant_lease(path, host="batch-7.internal", pid=4242, expires_at="2024-03-01T10:02:00.000Z")

    with StateStore.open(path) as state:
        assert state.took_over is not None
        assert state.took_over.host == "batch-7.internal"


def test_a_reused_pid_does_not_keep_a_dead_runs_lease(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    # this very pid, but a process started at another moment: the holder is gone
    _plant_lease(path, process_start="1")

    with StateStore.open(path) as state:
        assert state.took_over is not None and state.took_over.token == "planted"


def test_a_run_whose_lease_was_taken_over_stops_writing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore.open(path) as state:
        _plant_lease(path, host="batch-7.internal", pid=4242)

        with pytest.raises(StateLockedError, match="no longer holds the state file"):
            state.set_watermark("m", "2024-01-01T00:00:00Z", "new_and_modified")

        assert state.watermark("m") is None
