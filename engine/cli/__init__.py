"""The ``ferry`` command: a thin shell over the library.

Each command lives in its own module and registers itself with ``add_parser(subparsers)``; its
handler takes the parsed arguments and the output streams and returns an exit code. Every
command's help carries an example (a test checks it). Exit codes: 0 success, 1 the input was
judged bad (invalid spec, records rejected), 2 usage or unreadable input, 3 a failed run.
No command lets a traceback reach the user: ``FerryError`` becomes a message and an exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import TextIO

from engine.cli import (
    catalog_cmd,
    diff_cmd,
    emulate_cmd,
    init_cmd,
    render_cmd,
    schema_cmd,
    state_cmd,
    sync_cmd,
    transforms_cmd,
    validate_cmd,
)
from engine.cli.common import Command, run_command

COMMANDS: tuple[Command, ...] = (
    init_cmd.COMMAND,
    validate_cmd.COMMAND,
    catalog_cmd.COMMAND,
    schema_cmd.COMMAND,
    render_cmd.COMMAND,
    diff_cmd.COMMAND,
    transforms_cmd.COMMAND,
    sync_cmd.PLAN,
    sync_cmd.SYNC,
    state_cmd.RUNS,
    state_cmd.QUARANTINE,
    emulate_cmd.COMMAND,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="ferry",
        description="Ferry: declarative sync between business systems, from versioned YAML specs.",
        epilog="Run 'ferry COMMAND --help' for a command's options and an example.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Entry point of the console script; returns the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    try:  # argparse writes help and usage errors to sys.stdout / sys.stderr itself
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return run_command(args, out, err)


if __name__ == "__main__":
    sys.exit(main())
