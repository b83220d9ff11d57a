"""A sync run from start to finish: lock the state, reconcile, preflight, run mappings in order.

``run_sync`` writes; ``plan_sync`` runs the same decisions with every write left out (reads
only) and reports what a sync would do. Both return a ``RunReport``.

Reading starts early (``reader.py``), so the source's and the destination's answers arrive
while the preflight and the earlier mappings use the CPU. A plan starts every mapping's
listing at once: it writes nothing, so what one mapping reads never depends on another. A
write run starts only its first mapping's: every other mapping reads its changes after the
mappings it requires have finished (``requires:``), since their writes (a parent created, a
write-back re-dating a source record) change what it must read and find.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

import msgspec

from engine.compile.plan import Plan
from engine.errors import ConfigError, FerryError
from engine.run.drivers.base import Driver
from engine.run.state.lease import takeover_note
from engine.run.state.store import StateStore, utc_now
from engine.run.sync import identity, unique
from engine.run.sync.failures import run_failure
from engine.run.sync.mapping_sync import MappingSync
from engine.run.sync.outcomes import MappingReport, RecordResult, RunReport
from engine.run.sync.parents import Crosswalk
from engine.run.sync.pools import RunPools
from engine.run.sync.preflight import preflight
from engine.run.sync.project import Project
from engine.run.sync.reader import Listing, ReadAhead, close_all, start_listing
from engine.run.sync.reconcile import reconcile
from engine.run.sync.scope import RunInfo
from engine.run.sync.sequences import preview_sequences
from engine.run.sync.shared_reads import SharedReads

ResultHook = Callable[[RecordResult], None]


def _check_endpoints(project: Project, endpoints: Mapping[str, Driver]) -> None:
    for plan in project.plans:
        for name in (plan.source_endpoint, plan.destination_endpoint):
            if name not in endpoints:
                raise ConfigError(
                    f"{plan.name} uses endpoint '{name}', which the connections "
                    f"file does not define (it has: {', '.join(endpoints)})"
                )


def _workers(driver: Driver) -> int:
    return int(getattr(driver, "concurrency", 1) or 1)


def _run_mappings(
    project: Project,
    endpoints: Mapping[str, Driver],
    state: StateStore,
    info: RunInfo,
    report: RunReport,
    on_result: ResultHook | None,
    early: Mapping[str, _Early],
    unique_reads: Mapping[str, ReadAhead] | None = None,
) -> None:
    crosswalk = Crosswalk(state)  # shared: a plan counts parents planned earlier in the run
    refused = unique.refusals(project, endpoints, state, unique_reads)

    def hook(result: RecordResult) -> None:
        if result.outcome in ("invalid", "rejected", "failed", "held") or result.warnings:
            report.attention.append(result)
        if on_result is not None:
            on_result(result)

    # one set of pools for every mapping: each mapping's work is finished when its ``run``
    # returns, and whatever an error left running is waited for before the run is recorded
    with RunPools() as pools:
        for plan in project.plans:
            started = early.get(plan.name)
            mapping_report = started.report if started else MappingReport(plan.name)
            report.mappings.append(mapping_report)
            source, destination = (
                endpoints[plan.source_endpoint],
                endpoints[plan.destination_endpoint],
            )
            MappingSync(
                plan,
                source,
                destination,
                state,
                info,
                mapping_report,
                pools=pools,
                workers=_workers(destination),
                writeback_workers=_workers(source),
                on_result=hook,
                crosswalk=crosswalk,
                refusals=refused.get(plan.name),
                listing=started.listing if started else None,
            ).run()


class _Early(msgspec.Struct):
    """A mapping's listing, started before the preflight, and the report it notes in."""

    report: MappingReport
    listing: Listing


def _start_listings(
    plans: Sequence[Plan],
    endpoints: Mapping[str, Driver],
    state: StateStore,
    started_at: str,
    *,
    dry_run: bool,
    shared: SharedReads | None = None,
) -> dict[str, _Early]:
    """Start reading the changes of ``plans``, so their first pages and lookups arrive while
    the preflight checks the credentials (``reader.py``): reading writes nothing. A listing
    that fails to start stops those started before it."""
    early: dict[str, _Early] = {}
    try:
        for plan in plans:
            report = MappingReport(plan.name)
            source = endpoints[plan.source_endpoint]
            destination = endpoints[plan.destination_endpoint]
            listing = start_listing(
                plan, source, destination, state, started_at, report, dry_run=dry_run, shared=shared
            )
            early[plan.name] = _Early(report, listing)
    except BaseException:
        _stop_listings(early)
        raise
    return early


def _stop_listings(early: Mapping[str, _Early]) -> None:
    """Stop every reader still reading (the run stopped before its mapping used it, or the
    mapping ended); what they read is discarded."""
    close_all(started.listing.ahead for started in early.values())


def run_sync(
    project: Project,
    endpoints: Mapping[str, Driver],
    state_path: Path,
    *,
    on_result: ResultHook | None = None,
    migrate_identity: Collection[str] = (),
) -> RunReport:
    """Sync every enabled mapping of the project, in order. ``migrate_identity`` names the
    mappings whose changed identity is to be migrated first (``identity.py``). However the run
    ends after it has taken the state file (preflight refused, credentials refused, an endpoint
    down, a bug), it is recorded ``failed`` with its error, never left ``running``."""
    _check_endpoints(project, endpoints)
    with StateStore.open(state_path) as state:
        crashed = state.abandon_running()
        report = RunReport(None, "sync", started_at=utc_now())
        report.run_id = run_id = state.start_run([p.name for p in project.plans], "sync")
        notes = _takeover_notes(state) + [
            f"run {r} had crashed; its unfinished writes were reconciled" for r in crashed
        ]
        early: dict[str, _Early] = {}
        try:
            # the first mapping only: the others read after the mappings they require wrote
            early = _start_listings(
                project.plans[:1], endpoints, state, report.started_at, dry_run=False
            )
            problems = preflight(project, endpoints)
            if problems:
                report.status = "failed"
                report.error = "preflight failed:\n" + "\n".join(problems)
                return report
            info = RunInfo(run_id, report.started_at)
            with project.sequences.attached(state):
                # unfinished writes are found by the external ids they were sent with: first
                notes += reconcile(state, project, endpoints)
                migrated = identity.check(project, endpoints, state, migrate_identity)
                notes += [f"{name}: {note}" for name, note in migrated.items()]
                _run_mappings(project, endpoints, state, info, report, on_result, early)
            report.status = "succeeded" if report.exit_code() == 0 else "completed-with-errors"
        except FerryError as exc:
            report.status, report.error = "failed", run_failure(exc, endpoints)
        except BaseException as exc:  # a bug or an interrupt: recorded, then raised on
            report.status, report.error = "failed", run_failure(exc, endpoints)
            raise
        finally:
            _stop_listings(early)  # read, never used (the run stopped first): stop reading
            report.finished_at = utc_now()
            if report.mappings:
                report.mappings[0].notes[:0] = notes
            state.finish_run(run_id, report.status, report.totals(), report.error)
        return report


def _takeover_notes(state: StateStore) -> list[str]:
    return [] if state.took_over is None else [takeover_note(state.took_over)]


def plan_sync(
    project: Project,
    endpoints: Mapping[str, Driver],
    state_path: Path | None,
    *,
    on_result: ResultHook | None = None,
) -> RunReport:
    """What ``run_sync`` would do, without writing anywhere (state included). Every mapping's
    listing starts before the preflight (see the module's docstring), and every reader is
    stopped however the plan ends."""
    _check_endpoints(project, endpoints)
    report = RunReport(None, "plan", started_at=utc_now())
    if state_path is not None and Path(state_path).exists():
        state = StateStore.open(Path(state_path), readonly=True)
    else:  # no run yet: a new file's answers, from memory (``StateStore.empty``)
        state = StateStore.empty()
    with state:
        state.keep_reads()  # nothing is written: a read asked again is answered as before
        early: dict[str, _Early] = {}
        unique_reads: dict[str, ReadAhead] = {}
        shared = SharedReads()  # a listing asked for twice is read once
        try:  # the unique values' listings first: they are rendered first
            unique_reads = unique.read_ahead(project, endpoints, shared)
            early = _start_listings(
                project.plans, endpoints, state, report.started_at, dry_run=True, shared=shared
            )
            problems = preflight(project, endpoints)
            if problems:
                report.status = "failed"
                report.error = "preflight failed:\n" + "\n".join(problems)
                return report
            info = RunInfo(None, report.started_at, dry_run=True)
            with project.sequences.attached(preview_sequences(state)):
                changed = identity.estimate(project, endpoints, state)
                _run_mappings(
                    project, endpoints, state, info, report, on_result, early, unique_reads
                )
            identity.show(report, changed)
            report.status = "planned"
        except FerryError as exc:
            report.status, report.error = "failed", run_failure(exc, endpoints)
        finally:
            _stop_listings(early)
            close_all(unique_reads.values())
    report.finished_at = utc_now()
    return report
