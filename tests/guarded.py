"""Run ``ferry`` in a child process under a time and memory ceiling, for hostile inputs.

Why a child process: the inputs these tests feed (``{{ 9 ** (9 ** 9) }}``, a JMESPath that
doubles a list 24 times) hang or take gigabytes when a budget regresses. In-process, that would
hang or swap the whole suite; here the child is stopped (``TimeoutExpired``) or runs out of its
address space (a ``MemoryError``, reported as an internal error), and the test fails. The ceilings
are generous hang and blow-up guards, not performance assertions.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from tests.conftest import CliResult

FERRY = Path(sys.executable).with_name("ferry")
TIMEOUT_SECONDS = 120
MEMORY_BYTES = 1536 * 1024 * 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_guarded(*argv: str | Path) -> CliResult:
    """``ferry *argv`` in a child process that may not outlive ``TIMEOUT_SECONDS`` or use more
    than ``MEMORY_BYTES`` of address space."""
    done = subprocess.run(
        [str(FERRY), *(str(a) for a in argv)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        preexec_fn=_limit_memory,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)
