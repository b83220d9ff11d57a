"""What every command shares: registration, exit codes, and turning errors into messages."""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from engine.errors import ConfigError, FerryError, SpecError, SyncError, UsageError

# The one exit-code table lives in engine.exitcodes; the commands import the names from here.
from engine.exitcodes import EXIT_BROKEN_PIPE as EXIT_BROKEN_PIPE
from engine.exitcodes import EXIT_FAILED as EXIT_FAILED
from engine.exitcodes import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from engine.exitcodes import EXIT_INVALID as EXIT_INVALID
from engine.exitcodes import EXIT_OK as EXIT_OK
from engine.exitcodes import EXIT_USAGE as EXIT_USAGE

STABLE_WIDTH = 140  # tables written to a file or a pipe: the same layout on every machine

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

DEFAULT_STATE = Path("ferry-state.sqlite")


# --- arguments several commands take, spelled and explained the same way everywhere ----------


def add_paths(parser: argparse.ArgumentParser, name: str, metavar: str, help: str) -> None:
    """One or more spec files or folders."""
    parser.add_argument(name, nargs="+", type=Path, metavar=metavar, help=help)


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...], help: str) -> None:
    """``--format``; the first choice is the default (the one for people)."""
    parser.add_argument("--format", choices=choices, default=choices[0], help=help)


def add_settings(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--settings", type=Path, metavar="FILE", help=help)


def add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        type=Path,
        default=DEFAULT_STATE,
        help=f"the SQLite state file (default: {DEFAULT_STATE})",
    )


def console_width(out: TextIO) -> int:
    """The width tables are laid out in: ``COLUMNS`` when set, else the terminal's width when
    ``out`` is one, else ``STABLE_WIDTH`` (a file or a pipe gets the same layout everywhere)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if getattr(out, "isatty", lambda: False)():
        try:
            return os.get_terminal_size(out.fileno()).columns
        except (OSError, ValueError):
            pass
    return STABLE_WIDTH


def _reader_went_away(out: TextIO) -> int:
    """``ferry ... | head``: the reader closed the pipe. Stop quietly, as Unix tools do, and
    point the stream at /dev/null so the interpreter's last flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a file descriptor (an in-memory stream): nothing will flush it later
    return EXIT_BROKEN_PIPE


class Command(NamedTuple):
    """A subcommand: its name, one-line help, example, arguments and handler."""

    name: str
    help: str
    example: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler

    def register(self, sub: Any) -> None:
        parser = sub.add_parser(
            self.name,
            help=self.help,
            description=self.help,
            epilog="example:\n" + textwrap.indent(self.example, "  "),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.arguments(parser)
        parser.set_defaults(handler=self.handler)


def run_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a parsed command; Ferry's errors become messages and exit codes, never tracebacks."""
    try:
        code: int = args.handler(args, out, err)
        out.flush()
        return code
    except BrokenPipeError:
        return _reader_went_away(out)
    except SpecError as exc:
        for problem in exc.problems:
            err.write(problem.render() + "\n")
        return EXIT_INVALID
    except UsageError as exc:
        err.write(f"ferry: {exc}\n")
        return EXIT_USAGE
    except (ConfigError, SyncError) as exc:
        err.write(f"ferry: {exc}\n")
        return EXIT_FAILED
    except FerryError as exc:
        err.write(f"ferry: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("ferry: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug in Ferry: say so plainly, keep the details on request
        if os.environ.get("FERRY_DEBUG"):
            import traceback  # only for a bug's details: a normal run does not load it

            traceback.print_exc(file=err)
        err.write(
            f"ferry: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in Ferry, not in your input; run again with FERRY_DEBUG=1 for the "
            "details and report them.\n"
        )
        return EXIT_FAILED
