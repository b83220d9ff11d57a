"""``ferry sync`` and ``ferry plan``: run the mappings against live endpoints, or say what a run
would do without writing anything.

The sync runtime, the drivers (the HTTP stack, JSON Schema for the Connections file) and the
table renderer are imported by the handlers, after the arguments are parsed: ``--help`` and a
usage error need none of them, and they were most of the command's start-up."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine import jsonio
from engine.cli.common import (
    Command,
    add_format,
    add_paths,
    add_settings,
    add_state,
    console_width,
)
from engine.errors import SpecError
from engine.exitcodes import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from engine.run.sync.outcomes import RecordResult, RunReport

DEFAULT_CONNECTIONS = Path("connections.yaml")


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_paths(parser, "specs", "SPEC", "mapping spec files or folders (run in dependency order)")
    parser.add_argument(
        "--connections",
        type=Path,
        default=DEFAULT_CONNECTIONS,
        help=f"the kind: Connections file (default: {DEFAULT_CONNECTIONS})",
    )
    add_state(parser)
    add_settings(parser, "a Settings file overriding the specs' own")
    add_format(parser, ("table", "json"), "table for people (default), json for tools")


def _report_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--report-json", type=Path, metavar="PATH", help=f"also write {what} as JSON to PATH"
    )


def _sync_arguments(parser: argparse.ArgumentParser) -> None:
    _arguments(parser)
    _report_argument(parser, "the run report")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--migrate-identity",
        action="append",
        default=[],
        metavar="MAPPING",
        help="the mapping's identity.external_id changed: re-key its synced records (crosswalk "
        "and destination external ids) before syncing; `ferry plan` shows how many (repeatable)",
    )


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    _arguments(parser)
    _report_argument(parser, "the plan (the run report's shape, with every record)")


@contextmanager
def _progress(err: TextIO, enabled: bool) -> Iterator[Callable[[RecordResult], None] | None]:
    if not enabled or not getattr(err, "isatty", lambda: False)():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=err), transient=True) as progress:
        task = progress.add_task("syncing", total=None)

        def tick(result: RecordResult) -> None:
            progress.update(task, advance=1, description=f"{result.mapping}")

        yield tick


def _plain(exc: Exception) -> str:
    """The error a report carries: a spec error's located problems, one per line."""
    from engine.run.sync.failures import run_failure

    if isinstance(exc, SpecError):
        return "\n".join(problem.render() for problem in exc.problems)
    return run_failure(exc, {})


def render_summary(report: RunReport, out: TextIO) -> None:
    """The summary table, notes, warnings and the records that need attention."""
    from engine.cli import tables
    from engine.run.sync.outcomes import OUTCOMES

    title = f"ferry {report.mode}: {report.status}" + (
        f" (run {report.run_id})" if report.run_id else ""
    )
    if report.mappings:
        columns = [tables.Column("mapping")]
        columns += [tables.Column(name, "right") for name in (*OUTCOMES, "quarantined")]
        rows = [[m.name, *(str(v) for v in m.row().values())] for m in report.mappings]
        total = ["total", *(str(v) for v in report.totals().values())]
        footer = total if len(report.mappings) > 1 else None
        out.write(tables.render(title, columns, rows, console_width(out), footer=footer))
    else:
        out.write(title + "\n")
    lines = [
        f"note: {mapping.name}: {note}" for mapping in report.mappings for note in mapping.notes
    ]
    fresh = [r for r in report.attention if not r.again]
    for result in fresh[:50]:
        text = result.reason or "; ".join(result.warnings)
        lines.append(f"{result.outcome}: {result.mapping} {result.source_id}: {text}")
    if len(fresh) > 50:
        lines.append(f"... and {len(fresh) - 50} more (see the JSON report)")
    repeated = Counter((r.outcome, r.mapping) for r in report.attention if r.again)
    if repeated:
        counts = ", ".join(f"{n} {outcome} {name}" for (outcome, name), n in repeated.items())
        lines.append(
            f"again, for the same reasons as in an earlier run: {counts} "
            "(listed by `ferry quarantine` and in the JSON report)"
        )
    if report.error:
        lines.append(f"error: {report.error}")
    out.writelines(line + "\n" for line in lines)


def _in_plan_order(results: list[RecordResult], mappings: list[str]) -> list[RecordResult]:
    """The results by mapping, in the order the mappings run, and within a mapping by source
    id: the writers finish records in any order (``flow.py``), and a plan of the same input
    must read the same every time, to be compared or reviewed."""
    rank = {name: index for index, name in enumerate(mappings)}
    return sorted(results, key=lambda r: (rank.get(r.mapping, len(rank)), r.source_id))


def render_plan(report: RunReport, results: list[RecordResult], out: TextIO) -> None:
    """Per record: the action and, for updates, each field before and after."""
    for result in results:
        if result.outcome == "unchanged":
            continue
        line = f"{result.outcome:9} {result.mapping} {result.source_id}"
        if result.destination_id:
            line += f" -> {result.destination_id}"
        if result.reason:
            line += f"  ({result.reason})"
        out.write(line + "\n")
        if result.outcome in ("updated", "linked"):
            for field, (before, after) in result.changes.items():
                out.write(f"    {field}: {jsonio.dumps_str(before)} -> {jsonio.dumps_str(after)}\n")
        for field, value in (result.payload or {}).items():
            out.write(f"    {field}: {jsonio.dumps_str(value)}\n")
    render_summary(report, out)


def _write_report(path: Path | None, report: RunReport) -> None:
    if path is not None:
        path.write_text(jsonio.dumps_str(report.as_json(), pretty=True) + "\n")


def _run(args: argparse.Namespace, err: TextIO) -> RunReport:
    from engine.run.sync.connect import close_endpoints, open_endpoints
    from engine.run.sync.identity import check_names
    from engine.run.sync.project import load_project
    from engine.run.sync.run import run_sync

    project = load_project(args.specs, settings=args.settings)
    check_names(project, args.migrate_identity)
    endpoints = open_endpoints(args.connections)
    try:
        with _progress(err, not args.no_progress) as tick:
            return run_sync(
                project,
                endpoints,
                args.state,
                on_result=tick,
                migrate_identity=args.migrate_identity,
            )
    finally:
        close_endpoints(endpoints)


def _handle_sync(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.run.state.rows import utc_now
    from engine.run.sync.outcomes import RunReport

    try:
        report = _run(args, err)
    except Exception as exc:  # no run report (specs, secrets, state file, a bug): say why
        failed = RunReport(None, "sync", status="failed", error=_plain(exc), started_at=utc_now())
        failed.finished_at = failed.started_at
        _write_report(args.report_json, failed)
        raise
    _write_report(args.report_json, report)
    if args.format == "json":
        out.write(jsonio.dumps_str(report.as_json(), pretty=True) + "\n")
    else:
        render_summary(report, out)
    return report.exit_code()


def _handle_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.run.sync.connect import close_endpoints, open_endpoints
    from engine.run.sync.project import load_project
    from engine.run.sync.run import plan_sync

    project = load_project(args.specs, settings=args.settings)
    endpoints = open_endpoints(args.connections)
    results: list[RecordResult] = []
    try:
        report = plan_sync(project, endpoints, args.state, on_result=results.append)
    finally:
        close_endpoints(endpoints)
    results = _in_plan_order(results, [plan.name for plan in project.plans])
    body = {**report.as_json(), "records": [r.as_json() for r in results]}
    if args.report_json:
        args.report_json.write_text(jsonio.dumps_str(body, pretty=True) + "\n")
    if args.format == "json":
        out.write(jsonio.dumps_str(body, pretty=True) + "\n")
    else:
        render_plan(report, results, out)
    return EXIT_FAILED if report.status == "failed" else EXIT_OK


SYNC = Command(
    name="sync",
    help="Run the mappings: records created or modified in the source reach the destination "
    "once. Exit 0 success, 1 records rejected or invalid, 3 the run failed.",
    example="ferry sync mappings/zuora-netsuite/ --connections connections.yaml "
    "--state ferry-state.sqlite\nferry sync mappings/zuora-netsuite/customer.yaml "
    "--report-json run.json",
    arguments=_sync_arguments,
    handler=_handle_sync,
)

PLAN = Command(
    name="plan",
    help="Show what a sync would do, per record (action, fields before and after, the payload "
    "of each create, skip reasons), without writing anything.",
    example="ferry plan mappings/zuora-netsuite/ --connections connections.yaml\n"
    "ferry plan mappings/zuora-netsuite/customer.yaml --format json\n"
    "ferry plan mappings/zuora-netsuite/ --report-json plan.json",
    arguments=_plan_arguments,
    handler=_handle_plan,
)
