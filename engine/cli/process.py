"""How the ``ferry`` executable starts and ends: a collector tuned for a command's start-up, and
an exit that skips the interpreter's teardown.

Why: a command imports about 500 modules and compiles its specs before it reads a record. Two
costs of the interpreter's own come with that, measured on ``ferry plan`` of one mapping (1,136 M
instructions in all):

- the cyclic garbage collector examined the youngest objects 110 times while the modules were
  imported (every 700 objects made), and found 809 of the 70,000 it looked at to be garbage
  (about 40 M instructions). ``tune_collector`` lets the youngest generation grow to 100,000
  objects before a pass: start-up then has none, and a long run still has one every 100,000
  objects it keeps (records it drops are freed at once by reference counting and do not count);
- the exit freed every object one by one, after a last full pass over all of them (about 75 M
  instructions). ``exit_now`` does what the interpreter does at exit that anyone can observe,
  in its order (wait for the threads that are not daemons and run ``threading``'s exit hooks,
  run the ``atexit`` functions, flush the standard streams) and then ends the process: the
  operating system takes the memory back. Ferry's commands close their files and their state
  store themselves before they return, and a state store survives a process killed at any
  point (the crash test), so nothing that matters waits for the teardown.

Both are for the executable only: ``engine.cli.main``, which tests and embedding programs call
in their own process, changes neither the collector nor the exit.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn, TextIO

YOUNG_GENERATION = 100_000  # objects kept before a collection of the youngest generation
UNDELIVERED = 120  # the interpreter's exit status when its last flush of stdout fails


def tune_collector() -> None:
    """Let the youngest generation grow to ``YOUNG_GENERATION`` objects between passes (the
    older generations' ratios are the interpreter's own)."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, oldest)


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` after what an interpreter's exit does that can be
    observed (threads, exit hooks, ``atexit``, buffered output), without its teardown. As at
    an interpreter's exit, output that cannot be written makes a successful exit 120. Under
    a profiler, a tracer or a debugger (``python -m cProfile``, coverage, pdb), which report
    at the interpreter's exit, the exit is the interpreter's own."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    _threads_finished()
    atexit._run_exitfuncs()
    delivered = all([_flushed(sys.stdout), _flushed(sys.stderr)])
    os._exit(code if delivered or code != 0 else UNDELIVERED)


def _threads_finished() -> None:
    """What the interpreter does first at exit: run the hooks ``threading`` keeps for that (an
    idle ``concurrent.futures`` pool's workers are told to stop there) and wait for every thread
    that is not a daemon."""
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
        return
    main = threading.main_thread()  # pragma: no cover - an interpreter without the hook
    for thread in threading.enumerate():  # pragma: no cover
        if thread is not main and not thread.daemon:
            thread.join()


def _flushed(stream: TextIO | None) -> bool:
    """Whether a standard stream's buffered output was delivered (or there was none)."""
    if stream is None:
        return True
    try:
        stream.flush()
    except (OSError, ValueError):
        return False
    return True
