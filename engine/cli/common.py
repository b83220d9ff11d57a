"""What every command shares: registration, exit codes, and turning errors into messages."""

from __future__ import annotations

import argparse
import os
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from engine.errors import ConfigError, FerryError, SpecError, SyncError, UsageError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


@dataclass(frozen=True)
class Command:
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
        return code
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
        return 130
    except Exception as exc:  # a bug in Ferry: say so plainly, keep the details on request
        if os.environ.get("FERRY_DEBUG"):
            traceback.print_exc(file=err)
        err.write(
            f"ferry: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in Ferry, not in your input; run again with FERRY_DEBUG=1 for the "
            "details and report them.\n"
        )
        return EXIT_FAILED
