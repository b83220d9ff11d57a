"""``ferry diff``: what a change to specs means, with severities, for reviewers and CI.

The diff machinery (the spec checks, the model, the compiler, git) is imported by the handler,
after the arguments are parsed: ``ferry diff --help`` and a usage error need none of it. The
format and severity names the options offer are written out here for that reason;
``tests/diff/test_cli.py`` checks they are ``engine.diff``'s.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from engine.cli.common import EXIT_INVALID, EXIT_OK, Command, add_format, add_paths
from engine.errors import UsageError

FORMAT_NAMES = ("text", "markdown", "json")
"""``engine.diff.FORMATS``' names, in its order."""
SEVERITY_NAMES = ("info", "risky", "breaking")
"""``engine.diff.Severity``'s values, in its order."""


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_paths(
        parser, "paths", "PATH", "OLD NEW (spec files or folders); with --rev, the paths to compare"
    )
    parser.add_argument(
        "--rev",
        metavar="REV",
        help="compare PATH... in the working tree with git revision REV (a branch, tag, commit)",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        metavar="DIR",
        help="render the records in DIR under both versions and show what changes per record "
        "(files named <endpoint>-<object>s.yaml, e.g. zuora-accounts.yaml)",
    )
    add_format(parser, FORMAT_NAMES, "text (default), markdown (a pull-request comment) or json")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_NAMES,
        metavar="{breaking,risky,info}",
        help="exit 1 when a change at or above this severity exists, or a version was not bumped",
    )
    parser.add_argument(
        "--check-version",
        action="store_true",
        help="exit 1 when a spec changed in meaning without a metadata.version bump (for "
        "pre-commit); the text format then prints only that check",
    )
    parser.add_argument(
        "--label",
        metavar="NAME",
        help="show OLD and NEW files as NAME (git difftool passes temporary files)",
    )


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.diff import Severity, diff_paths, diff_revision, render
    from engine.diff.render import render_version_check

    if args.rev is not None:
        if args.label is not None:
            raise UsageError("--label names the files of OLD NEW; --rev names them itself")
        report = diff_revision(args.rev, args.paths, fixtures=args.fixtures)
    elif len(args.paths) != 2:
        raise UsageError(
            f"give two paths, OLD and NEW (got {len(args.paths)}), or --rev REV PATH..."
        )
    else:
        report = diff_paths(*args.paths, fixtures=args.fixtures, label=args.label)
    threshold = Severity(args.fail_on) if args.fail_on else None
    if args.check_version and args.format == "text":
        out.write(render_version_check(report))
        compared = len(report.specs)
        if not report.version_problems:
            err.write(f"metadata.version is consistent in {compared} spec(s)\n")
    else:
        out.write(render(report, args.format))
    failed = report.fails(threshold, check_version=args.check_version)
    return EXIT_INVALID if failed else EXIT_OK


COMMAND = Command(
    name="diff",
    help=(
        "Compare two versions of specs by meaning: each change with its severity (breaking, "
        "risky, info), the version-bump check, and optionally the payload impact on fixtures; "
        "exit 0, or 1 with --fail-on/--check-version, 2 usage."
    ),
    example=(
        "ferry diff old/customer.yaml mappings/zuora-netsuite/customer.yaml\n"
        "ferry diff --rev main mappings/ --fixtures tests/fixtures/zuora-netsuite\n"
        "ferry diff --rev origin/main mappings/ --format markdown --fail-on breaking\n"
        "ferry diff --rev HEAD --check-version mappings/zuora-netsuite/customer.yaml\n"
        "git difftool -y -x 'ferry diff' main -- mappings/"
    ),
    arguments=_arguments,
    handler=_handle,
)
