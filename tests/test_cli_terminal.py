"""The CLI as a Unix tool: tables sized to the terminal (a stable width in files and pipes), and
a reader that goes away (``ferry quarantine | head``) ends the command quietly."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from engine.run.state import StateStore
from tests.conftest import FERRY, run_ferry

LONG_REASON = "waiting for parent record(s) to sync: " + "zuora-netsuite/customer:x" * 4


def _state_with_history(path: Path, records: int) -> Path:
    """A state file with one finished run of ``records`` outcomes and as many quarantined."""
    with StateStore.open(path) as state, state.transaction():
        run = state.start_run(["zuora-netsuite/invoice"], "sync")
        for n in range(records):
            source_id = f"2c92c0f9{n:024x}"
            state.record_outcome(run, "zuora-netsuite/invoice", source_id, "held")
            state.quarantine("zuora-netsuite/invoice", source_id, "held", LONG_REASON)
        state.finish_run(run, "succeeded", {"held": records, "quarantined": records})
    return path


def _table_width(text: str) -> int:
    return max((len(line) for line in text.splitlines() if "│" in line or "┃" in line), default=0)


def _run_values(state: Path) -> list[str]:
    """What ``ferry runs`` must show of the one run, in full: its times, status and count."""
    with StateStore.open(state, readonly=True) as store:
        (run,) = store.runs(5)
    return [run.started_at, run.finished_at or "", run.status, str(run.counts["quarantined"])]


def _shown_in_full(values: list[str], text: str) -> bool:
    """Whether every value appears whole: on a line, or down one column of the box's rows."""
    rows = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    columns = ["".join(cell.strip() for cell in column) for column in zip(*rows, strict=True)]
    return all(value in text or value in columns for value in values)


@pytest.mark.parametrize("argv", [["quarantine"], ["runs", "1"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path, argv: list[str]) -> None:
    state = _state_with_history(tmp_path / "state.sqlite", 6000)  # more than a pipe holds
    proc = subprocess.Popen(
        [*FERRY, *argv, "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # what `head -1` reads, then it exits
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)

    assert first.strip()
    assert err in ("", "6000 quarantined record(s)\n")  # quarantine's own count, if it got there
    assert "internal error" not in err and "BrokenPipe" not in err and "Traceback" not in err
    assert code == 141  # as a shell shows a tool ended by SIGPIPE


def test_tables_keep_a_stable_width_in_a_pipe_and_follow_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _state_with_history(tmp_path / "state.sqlite", 2)
    monkeypatch.delenv("COLUMNS", raising=False)
    piped = run_ferry("runs", "--state", state)
    assert piped.code == 0, piped.err

    monkeypatch.setenv("COLUMNS", "60")
    narrow = run_ferry("runs", "--state", state)
    monkeypatch.setenv("COLUMNS", "110")
    wrapped = run_ferry("runs", "--state", state)

    assert narrow.code == 0 and wrapped.code == 0, narrow.err + wrapped.err
    assert 110 < _table_width(piped.out) <= 140  # boxed, at the stable width of files and pipes
    assert 0 < _table_width(wrapped.out) <= 110  # still boxed: its times wrapped in their cells
    assert _table_width(narrow.out) == 0  # too narrow for a box: one block of lines per run
    assert max(len(line) for line in narrow.out.splitlines()) <= 60
    for shown in (piped.out, wrapped.out, narrow.out):
        assert _shown_in_full(_run_values(state), shown), shown


def test_tables_fit_the_terminal_they_are_shown_in(tmp_path: Path) -> None:
    state = _state_with_history(tmp_path / "state.sqlite", 2)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 72, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.Popen(
        [*FERRY, "runs", "--state", str(state)], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    shown = b"".join(chunks).decode(errors="replace").replace("\r", "")
    assert shown.startswith("runs\n")
    assert max(len(line) for line in shown.splitlines()) <= 72
    assert _shown_in_full(_run_values(state), shown), shown
