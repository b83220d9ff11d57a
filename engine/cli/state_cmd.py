"""``ferry runs`` and ``ferry quarantine``: what past runs did, and the records held back."""

from __future__ import annotations

import argparse
from typing import TextIO

import msgspec

from engine import jsonio
from engine.cli.common import EXIT_OK, Command, add_format, add_state, console_width
from engine.errors import UsageError
from engine.run.state import StateStore


def _state_argument(parser: argparse.ArgumentParser) -> None:
    add_state(parser)
    add_format(parser, ("table", "json"), "table for people (default), json for tools")


def _runs_arguments(parser: argparse.ArgumentParser) -> None:
    _state_argument(parser)
    parser.add_argument("run", nargs="?", type=int, help="show one run's records")
    parser.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")


def _handle_runs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with StateStore.open(args.state, readonly=True) as state:
        if args.run is not None:
            records = state.run_records(args.run)
            if args.format == "json":
                out.write(jsonio.dumps_str(records, pretty=True) + "\n")
            else:
                for row in records:
                    out.write(
                        f"{row['outcome']:9} {row['mapping']} {row['source_id']}"
                        f"{' -> ' + row['destination_id'] if row['destination_id'] else ''}"
                        "\n"
                    )
            return EXIT_OK
        runs = state.runs(args.limit)
    if args.format == "json":
        out.write(jsonio.dumps_str([msgspec.structs.asdict(r) for r in runs], pretty=True) + "\n")
        return EXIT_OK
    from engine.cli import tables

    counted = ("created", "updated", "linked", "unchanged", "quarantined")
    columns = [tables.Column(name) for name in ("id", "started", "finished", "status")]
    columns += [tables.Column(name, "right") for name in counted]
    rows = [
        [
            str(run.id),
            run.started_at,
            run.finished_at or "",
            run.status,
            *(str(run.counts.get(name, "")) for name in counted),
        ]
        for run in runs
    ]
    out.write(tables.render("runs", columns, rows, console_width(out)))
    for run in runs:
        if run.error:
            out.write(f"run {run.id} {run.status}: {run.error}\n")
    return EXIT_OK


def _quarantine_arguments(parser: argparse.ArgumentParser) -> None:
    _state_argument(parser)
    parser.add_argument(
        "action",
        nargs="?",
        choices=("list", "retry", "dismiss"),
        default="list",
        help="list (default); retry or dismiss one record",
    )
    parser.add_argument("mapping", nargs="?", help="with retry/dismiss: the mapping name")
    parser.add_argument("source_id", nargs="?", help="with retry/dismiss: the source record id")
    parser.add_argument("--all", action="store_true", help="list dismissed entries too")


def _handle_quarantine(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.action == "list":
        with StateStore.open(args.state, readonly=True) as state:
            entries = state.quarantined(status=None if args.all else "open")
        if args.format == "json":
            out.write(
                jsonio.dumps_str([msgspec.structs.asdict(e) for e in entries], pretty=True) + "\n"
            )
            return EXIT_OK
        for entry in entries:
            out.write(
                f"{entry.kind:9} {entry.mapping} {entry.source_id} "
                f"(attempts {entry.attempts}, last {entry.last_at}, {entry.status})\n"
                f"          {entry.reason}\n"
            )
        err.write(f"{len(entries)} quarantined record(s)\n")
        return EXIT_OK
    if not args.mapping or not args.source_id:
        raise UsageError(f"quarantine {args.action} needs MAPPING and SOURCE_ID")
    status = "open" if args.action == "retry" else "dismissed"
    with StateStore.open(args.state) as state:
        if not state.set_quarantine_status(args.mapping, args.source_id, status):
            raise UsageError(f"{args.mapping} {args.source_id} is not in quarantine")
    what = "will be retried on the next sync" if status == "open" else "dismissed"
    out.write(f"{args.mapping} {args.source_id}: {what}\n")
    return EXIT_OK


RUNS = Command(
    name="runs",
    help="List past runs with their counts, or one run's per-record outcomes.",
    example="ferry runs --state ferry-state.sqlite\nferry runs 12 --format json",
    arguments=_runs_arguments,
    handler=_handle_runs,
)

QUARANTINE = Command(
    name="quarantine",
    help="List records held back or refused; retry one after fixing its source, or dismiss it.",
    example="ferry quarantine\nferry quarantine retry zuora-netsuite/customer 2c92c0f8...",
    arguments=_quarantine_arguments,
    handler=_handle_quarantine,
)
