"""The ``ferry`` executable's process (``engine.cli.process``): its exit keeps every promise an
interpreter's exit makes that can be observed (threads finished, exit hooks run, output
delivered, the status), and only the executable tunes the collector, never ``main``."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from tests.conftest import FERRY, ROOT, run_ferry

CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_exit_waits_for_threads_runs_exit_hooks_and_delivers_buffered_output() -> None:
    done = _python(
        "import atexit, sys, threading, time\n"
        "from engine.cli.process import exit_now\n"
        "atexit.register(lambda: print('exit hook ran'))\n"
        "def work():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished')\n"
        "threading.Thread(target=work).start()\n"
        "sys.stdout.write('written before the exit, not yet flushed; ')\n"
        "exit_now(3)\n"
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == (
        "written before the exit, not yet flushed; thread finished\nexit hook ran\n"
    )


def test_an_idle_thread_pool_does_not_hold_the_exit() -> None:
    done = _python(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from engine.cli.process import exit_now\n"
        "pool = ThreadPoolExecutor(2)\n"
        "print(pool.submit(sum, [1, 2]).result())\n"
        "exit_now(0)\n"
    )
    assert (done.returncode, done.stdout) == (0, "3\n"), done.stderr


def test_output_that_cannot_be_delivered_fails_a_successful_exit_as_the_interpreter_does() -> None:
    code = "import sys\nsys.stdout = open('/dev/full', 'w')\nprint('lost')\n"
    plain = _python(code)
    ours = _python(code + "from engine.cli.process import exit_now\nexit_now(0)\n")
    assert plain.returncode == ours.returncode == 120
    failing = _python(code + "from engine.cli.process import exit_now\nexit_now(3)\n")
    assert failing.returncode == 3


def test_the_executable_tunes_the_collector_and_its_command_still_runs() -> None:
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('young generation', gc.get_threshold()[0]))\n"
        f"sys.argv = ['ferry', 'validate', {str(CUSTOMER)!r}]\n" + FERRY[-1]
    )
    done = _python(probe)
    assert done.returncode == 0, done.stderr
    assert "young generation 100000" in done.stdout
    assert "1 file(s) valid" in done.stderr


def test_main_called_in_this_process_leaves_the_collector_alone() -> None:
    before = gc.get_threshold()
    result = run_ferry("validate", str(CUSTOMER))
    assert result.code == 0, result.err
    assert gc.get_threshold() == before


def test_under_a_profiler_the_exit_is_the_interpreters_and_the_profile_is_written(
    tmp_path: Path,
) -> None:
    script = tmp_path / "ferry_script.py"
    script.write_text(
        f"import sys\nsys.argv = ['ferry', 'validate', {str(CUSTOMER)!r}]\n{FERRY[-1]}\n"
    )
    profile = tmp_path / "ferry.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "1 file(s) valid" in done.stderr
    assert profile.stat().st_size > 0
