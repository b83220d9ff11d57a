"""``ferry validate``: syntax, schema and meaning checks, every problem best first."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from engine import jsonio
from engine.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    Command,
    add_format,
    add_paths,
    add_settings,
)
from engine.requirements import settings_resolver, unsatisfiable
from engine.specfile import validate_paths


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_paths(parser, "paths", "PATH", "spec files or folders (every .yaml/.yml below them)")
    add_format(parser, ("text", "json"), "text for people (default), json for tools")
    add_settings(parser, "check with this Settings file instead of the specs' own")


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    started = time.perf_counter()
    docs, problems = validate_paths(args.paths)
    if not problems and any(p.is_dir() for p in args.paths):  # across files: a folder given
        problems = unsatisfiable(docs, settings_resolver(args.settings))
    elapsed = time.perf_counter() - started
    if args.format == "json":
        report = {
            "valid": not problems,
            "files": len(docs) + len({p.location.file for p in problems}),
            "problems": [p.as_json() for p in problems],
        }
        out.write(jsonio.dumps_str(report, pretty=True) + "\n")
    else:
        for problem in problems:
            out.write(problem.render() + "\n")
        if problems:
            files = len({p.location.file for p in problems})
            err.write(f"{len(problems)} problem(s) in {files} file(s)\n")
        else:
            err.write(f"{len(docs)} file(s) valid ({elapsed * 1000:.0f} ms)\n")
    return EXIT_INVALID if problems else EXIT_OK


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
