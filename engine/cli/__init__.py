"""The ``ferry`` command: a thin shell over the library.

Each command lives in its own module and registers itself with ``add_parser(subparsers)``; its
handler takes the parsed arguments and the output streams and returns an exit code. Every
command's help carries an example (a test checks it). Exit codes: 0 success, 1 the input was
judged bad (invalid spec, records rejected), 2 usage or unreadable input, 3 a failed run.
No command lets a traceback reach the user: ``FerryError`` becomes a message and an exit code.

Registration is lazy: ``COMMANDS`` names each command's module, and a run imports only the
module of the command it runs (the emulators, the HTTP stack and the table renderer cost most of
a second to import, and ``ferry render`` needs none of them). Only ``ferry --help``, no command
or an unknown one build the whole parser.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple, NoReturn, TextIO

from engine.cli.common import Command, run_command


class CommandRef(NamedTuple):
    """Where a command is defined: ``engine.cli.<module>.<attribute>``, imported on use."""

    name: str
    module: str
    attribute: str = "COMMAND"

    def load(self) -> Command:
        command: Command = getattr(
            importlib.import_module(f"engine.cli.{self.module}"), self.attribute
        )
        return command


# In the order `ferry --help` lists them.
COMMANDS: tuple[CommandRef, ...] = (
    CommandRef("init", "init_cmd"),
    CommandRef("validate", "validate_cmd"),
    CommandRef("catalog", "catalog_cmd"),
    CommandRef("schema", "schema_cmd"),
    CommandRef("render", "render_cmd"),
    CommandRef("diff", "diff_cmd"),
    CommandRef("transforms", "transforms_cmd"),
    CommandRef("plan", "sync_cmd", "PLAN"),
    CommandRef("sync", "sync_cmd", "SYNC"),
    CommandRef("runs", "state_cmd", "RUNS"),
    CommandRef("quarantine", "state_cmd", "QUARANTINE"),
    CommandRef("emulate", "emulate_cmd"),
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered, or only the command ``only``."""
    parser = argparse.ArgumentParser(
        prog="ferry",
        description="Ferry: declarative sync between business systems, from versioned YAML specs.",
        epilog="Run 'ferry COMMAND --help' for a command's options and an example.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for ref in COMMANDS:
        if only is None or ref.name == only:
            ref.load().register(sub)
    return parser


def _named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, when its first word names one (the parser takes no option
    before the command but ``--help``)."""
    names = {ref.name for ref in COMMANDS}
    return argv[0] if argv and argv[0] in names else None


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Entry point of the console script; returns the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_named(words))
    try:  # argparse writes help and usage errors to sys.stdout / sys.stderr itself
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(words)
    except SystemExit as exc:
        return int(exc.code or 0)
    return run_command(args, out, err)


def console() -> NoReturn:
    """The ``ferry`` executable: ``main`` in a process tuned for one command
    (``engine.cli.process``: the collector set for start-up, an exit without teardown)."""
    from engine.cli import process

    process.tune_collector()
    process.exit_now(main())
