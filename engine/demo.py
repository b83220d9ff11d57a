"""``make demo``: the main job on the embedded default — both emulators on loopback, a
realistic seeded data set, a SQLite state file, and the shipped Zuora–NetSuite mappings.

It syncs once (everything is created), then again (nothing is written: the second run finds
every record unchanged), and prints both summaries. Each invocation starts from fresh
emulators and a fresh state file under ``.demo/``, because the emulators keep data in memory.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from engine.cli import main as ferry
from engine.emulators.credentials import require_extra
from engine.errors import UsageError
from engine.exitcodes import EXIT_USAGE

ROOT = Path(__file__).resolve().parent.parent
MAPPINGS = ROOT / "mappings" / "zuora-netsuite"
WORK = Path(".demo")
ACCOUNTS = 300


def run_demo(work: Path = WORK, accounts: int = ACCOUNTS) -> int:
    """Seed, serve, sync twice; return the second run's exit code."""
    # The emulators are an install extra: imported once it is known to be there.
    from engine.emulators import netsuite_seed, stack, zuora_seed

    shutil.rmtree(work, ignore_errors=True)
    (work / "zuora").mkdir(parents=True)
    (work / "netsuite").mkdir(parents=True)
    zuora_seed.write(work / "zuora", n_accounts=accounts)
    netsuite_seed.write(work / "netsuite", n_customers=accounts // 5)
    with stack.running(work, zuora_data=work / "zuora", netsuite_data=work / "netsuite") as emu:
        print(f"Zuora emulator    {emu.zuora.base_url}  ({accounts} accounts seeded)")
        print(f"NetSuite emulator {emu.netsuite.base_url}")
        print(f"state             {work / 'state.sqlite'}\n")
        args = [
            str(MAPPINGS),
            "--connections",
            str(emu.connections),
            "--state",
            str(work / "state.sqlite"),
            "--report-json",
        ]
        code = 0
        for attempt, title in enumerate(("First sync", "Second sync (nothing changed)"), 1):
            print(f"== {title} ==")
            started = time.perf_counter()
            code = ferry(["sync", *args, str(work / f"run-{attempt}.json"), "--no-progress"])
            print(f"({time.perf_counter() - started:.1f} s, exit code {code})\n")
        print(
            f"Reports: {work}/run-1.json, {work}/run-2.json. "
            f"Try: ferry runs --state {work / 'state.sqlite'}"
        )
        return code


def main() -> int:
    """``python -m engine.demo``: without the emulators extra, say which to install (exit 2)."""
    try:
        require_extra("the demo")
    except UsageError as exc:
        print(f"ferry: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_demo()


if __name__ == "__main__":
    sys.exit(main())
