"""``ferry validate``: syntax, schema and meaning checks, every problem best first.

The checks (and the model, templates and compiler behind them) are imported by the handler,
after the arguments are parsed: ``--help`` and a mistyped option answer without them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TextIO

import msgspec

from engine import jsonio
from engine.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    Command,
    add_format,
    add_paths,
    add_settings,
)


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_paths(parser, "paths", "PATH", "spec files or folders (every .yaml/.yml below them)")
    add_format(parser, ("text", "json"), "text for people (default), json for tools")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (such as fields a catalog that "
        "was never pulled cannot know) as errors",
    )
    parser.add_argument(
        "--catalogs",
        type=Path,
        metavar="DIR",
        default=None,
        help="the project's catalog folder (default: the nearest catalogs/ beside the specs, "
        "then the shipped catalogs)",
    )
    add_settings(parser, "check with this Settings file instead of the specs' own")


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.check.requirements import settings_resolver, unsatisfiable
    from engine.run.validation import validate_paths

    started = time.perf_counter()
    docs, problems = validate_paths(args.paths, catalogs=args.catalogs)
    if not problems and any(p.is_dir() for p in args.paths):  # across files: a folder given
        problems = unsatisfiable(docs, settings_resolver(args.settings))
    elapsed = time.perf_counter() - started
    if args.strict:
        problems = [msgspec.structs.replace(p, severity="error") for p in problems]
    errors = [p for p in problems if not p.is_warning]
    if args.format == "json":
        report = {
            "valid": not errors,
            "files": len(docs) + len({p.location.file for p in problems}),
            "problems": [p.as_json() for p in problems],
        }
        out.write(jsonio.dumps_str(report, pretty=True) + "\n")
    else:
        for problem in problems:
            out.write(problem.render() + "\n")
        warnings = len(problems) - len(errors)
        noted = f", {warnings} warning(s)" if warnings else ""
        if errors:
            files = len({p.location.file for p in errors})
            err.write(f"{len(errors)} problem(s) in {files} file(s){noted}\n")
        else:
            err.write(f"{len(docs)} file(s) valid ({elapsed * 1000:.0f} ms){noted}\n")
    return EXIT_INVALID if errors else EXIT_OK


COMMAND = Command(
    name="validate",
    help="Check spec files (syntax, schema, meaning); exit 0 valid, 1 invalid, 2 usage.",
    example=(
        "ferry validate mappings/\n"
        "ferry validate --format json mappings/zuora-netsuite/customer.yaml"
    ),
    arguments=_arguments,
    handler=_handle,
)
