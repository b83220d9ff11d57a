"""``ferry init DIR [--from CONNECTOR]``: scaffold a consultant's repository (``engine.scaffold``).

After writing the files it records the first snapshots (``pytest --snapshot-update`` in the new
folder, when pytest and syrupy are installed), so ``pytest`` passes on day one and every later
change to what a mapping sends shows up as a snapshot diff.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from engine.cli.common import EXIT_FAILED, EXIT_OK, Command
from engine.scaffold import connectors, scaffold


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="the new project's folder")
    parser.add_argument(
        "--from",
        dest="connector",
        choices=connectors(),
        help="start from a copy of a shipped connector's mappings (default: one example mapping)",
    )
    parser.add_argument(
        "--no-snapshots",
        action="store_true",
        help="do not record the first snapshots (run `pytest --snapshot-update` later)",
    )


def _record_snapshots(target: Path, out: TextIO, err: TextIO) -> int:
    if not all(importlib.util.find_spec(m) for m in ("pytest", "syrupy")):
        out.write("pytest and syrupy are not installed: run `pytest --snapshot-update` later\n")
        return EXIT_OK
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--snapshot-update"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        err.write(run.stdout[-4000:] + run.stderr[-2000:])
        err.write(f"ferry: {target} was written, but recording its first snapshots failed\n")
        return EXIT_FAILED
    summary = [line for line in run.stdout.splitlines() if "snapshot" in line]
    out.write(f"first snapshots recorded: {summary[-1] if summary else 'none'}\n")
    return EXIT_OK


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target: Path = args.dir
    written = scaffold(target, args.connector)
    out.write(f"{target}: {len(written)} file(s) written\n")
    code = EXIT_OK if args.no_snapshots else _record_snapshots(target, out, err)
    if code == EXIT_OK:
        out.write(
            f"next: cd {target} && ferry validate mappings/ && pytest  (README.md says more)\n"
        )
    return code


COMMAND = Command(
    name="init",
    help="Scaffold a consultant's repository: mappings, settings, connections, catalogs, "
    "editor settings, pre-commit hooks and a snapshot test that passes.",
    example="ferry init acme-zuora-netsuite --from zuora-netsuite\nferry init sandbox",
    arguments=_arguments,
    handler=_handle,
)
