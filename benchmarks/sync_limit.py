"""Sync at the API's limit: a full customer sync against emulators as slow as the real APIs.

Run with `make bench-sync` (or `python benchmarks/sync_limit.py --accounts 200`). Both emulators
run as `ferry emulate` subprocesses with a per-request latency (150 ms, then 500 ms; Zuora as
slow as NetSuite) and NetSuite's concurrency limit of 5, past which NetSuite answers 429. The
Connections file gives the client the same limit of 5.

Against a real account the pace is set by the limit and the latency: at most ``limit / latency``
requests per second, so a sync that needs one NetSuite request per record and keeps every slot
busy reaches ``limit / latency`` records per second (5 / 0.15 s = 33.3). Printed per case:
records/s against that ceiling and the ratio (issue 14's target: at least 0.9), NetSuite
requests per record, the most requests NetSuite had in flight at once, and the 429s it refused.
The emulators count requests, peaks and refusals themselves (`/__ferry/stats`). Also printed,
from the client's own log of each request: the mean response time the client saw (the
emulators' latency is the time from a request's arrival to its answer; the client's own
sending and reading come on top, as against a real service), how long after the start the first
NetSuite write went out, how long the run went on after the last, and how busy the NetSuite
slots were in between; and the CPU seconds Ferry and each emulator process used during the sync
(they share the machine's cores). ``--slow-accounts 0`` runs the 150 ms case alone. Both cases
sync 1,000 accounts by default, the size issue 14 measured at, each three times (``--runs``):
the last lines give each case's ratio as the median of its runs, with the lowest and highest
(one run has no spread, and a run beside a busy neighbour reads a few hundredths low). A run
spends about five round trips that wait on each other (the token, the first page and its
lookups before the first write; the last confirmation and write-back after the last), so a
smaller run reads lower: at 500 ms, 300 accounts give about 0.88 where 1,000 give 0.94.
Nothing here asserts a time.

``--updates`` measures an update-heavy run instead: the first sync (untimed) creates every
customer, then every account is renamed in Zuora and the second sync, timed, updates them all.
The spec is the shipped ``customer.yaml`` with an ``on_update`` write-back of ``SyncDate__NS``
added, so each update also writes back to Zuora (what issue 14 wants off the NetSuite slots).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from figures import spread, verdict  # the benchmarks' one way to print a figure against its target

from engine.emulators import stack, zuora_seed
from engine.run.drivers.base import Driver
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.project import Project, load_project
from engine.run.sync.run import run_sync

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
TARGET = 0.9  # records/s ÷ limit/latency, at least (issue 14)
ZUORA_LIMIT = 40  # Zuora's Default concurrency limit; the client's default too
HTTP_LOGGER = "engine.run.drivers.http"
ON_UPDATE = '  on_update:\n    SyncDate__NS: {template: "{{ run.started_at }}"}\n'


WRITES = ("upsert", "create", "update")  # the first word of a write's operation


class Requests(logging.Handler):
    """Every request as the client saw it, from the HTTP layer's debug line (``http.py``:
    endpoint, operation, method, path, status, seconds from sending to the whole answer), the
    line's time its end."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, str, float, float]] = []  # endpoint, operation, start, end

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 6 and isinstance(args[5], float):
            self.seen.append((str(args[0]), str(args[1]), record.created - args[5], record.created))

    def __enter__(self) -> Requests:
        logger = logging.getLogger(HTTP_LOGGER)
        self.logger_level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        logger = logging.getLogger(HTTP_LOGGER)
        logger.removeHandler(self)
        logger.setLevel(self.logger_level)

    def timeline(self, endpoint: str, limit: int, start: float, end: float) -> dict[str, float]:
        """Where the run's time went on ``endpoint``: its mean response time, the time to its
        first write and after its last, and how busy its slots were in between."""
        mine = [r for r in self.seen if r[0] == endpoint]
        writes = [r for r in mine if r[1].split(" ")[0] in WRITES]
        if not mine or not writes:
            return {}
        first, last = min(r[2] for r in writes), max(r[3] for r in writes)
        busy = sum(max(0.0, min(e, last) - max(s, first)) for _, _, s, e in mine)
        return {
            "mean_ms": round(1000 * sum(e - s for _, _, s, e in mine) / len(mine), 1),
            "to_first_write_s": round(first - start, 2),
            "after_last_write_s": round(end - last, 2),
            "slots_busy": round(busy / (limit * (last - first)), 3) if last > first else 0.0,
        }


def cpu_seconds(emu: stack.EmulatorStack) -> dict[str, float]:
    """CPU seconds used so far by each emulator process and by this process (Ferry): on a
    shared machine the emulators' own work competes with the client's for the cores."""
    used = {"ferry": time.process_time()}
    for name, server in (("zuora", emu.zuora), ("netsuite", emu.netsuite)):
        if isinstance(server, stack.EmulatorProcess):
            used[name] = server.cpu_seconds()
    return used


def updating_spec(work: Path) -> Path:
    """A copy of the shipped ``customer.yaml`` whose updates write ``SyncDate__NS`` back."""
    folder = work / "specs"
    folder.mkdir()
    shutil.copy(CUSTOMER.parent / "settings.yaml", folder / "settings.yaml")
    text = CUSTOMER.read_text()
    if text.count("  on_link:\n") != 1:
        raise SystemExit(f"{CUSTOMER}: expected one 'on_link:' tracking block to add on_update to")
    spec = folder / "customer.yaml"
    spec.write_text(text.replace("  on_link:\n", ON_UPDATE + "  on_link:\n"))
    return spec


def rename_all(zuora: Driver, ids: list[str]) -> None:
    """Rename every account through the Zuora API (so its ``updatedDate`` moves on)."""
    with ThreadPoolExecutor(ZUORA_LIMIT) as pool:
        list(pool.map(lambda i: zuora.update("account", i, {"name": f"Renamed {i} Ltd"}), ids))


def first_sync(project: Project, connections: Path, state: Path, ids: list[str]) -> None:
    """The untimed sync that creates every customer, then every account renamed."""
    endpoints = open_endpoints(connections)
    try:
        report = run_sync(project, endpoints, state)
        if report.status != "succeeded":
            raise SystemExit(f"the first sync did not succeed: {report.error}")
        rename_all(endpoints["zuora"], ids)
    finally:
        close_endpoints(endpoints)


def run_case(
    accounts: int,
    latency_ms: float,
    limit: int,
    client_limit: int | None = None,
    updates: bool = False,
    zuora_latency_ms: float | None = None,
) -> dict[str, Any]:
    """One first sync of ``accounts`` Zuora accounts with both emulators ``latency_ms`` slow;
    ``client_limit`` is the Connections file's ``concurrency`` (default: ``limit``). With
    ``updates``, the sync timed is the second, updating every account renamed since the first."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "zuora").mkdir()
        seed = zuora_seed.generate(n_accounts=accounts)["accounts"]
        (work / "zuora" / "accounts.json").write_text(json.dumps(seed))
        delay = stack.Delay(latency_ms)
        zuora_delay = stack.Delay(latency_ms if zuora_latency_ms is None else zuora_latency_ms)
        with stack.running(
            work,
            zuora_data=work / "zuora",
            processes=True,
            concurrency=limit,
            client_concurrency=client_limit,
            netsuite_latency=delay,
            zuora_latency=zuora_delay,
            zuora_concurrency=ZUORA_LIMIT,
        ) as emu:
            project = load_project([updating_spec(work) if updates else CUSTOMER])
            if updates:
                ids = [str(a["id"]) for a in seed]
                first_sync(project, emu.connections, work / "state.sqlite", ids)
            emu.stats(reset=True)
            endpoints = open_endpoints(emu.connections)
            with Requests() as requests:
                cpu_before = cpu_seconds(emu)
                wall, start = time.time(), time.perf_counter()
                try:
                    report = run_sync(project, endpoints, work / "state.sqlite")
                finally:
                    took = time.perf_counter() - start
                    close_endpoints(endpoints)
                cpu = {k: round(v - cpu_before[k], 1) for k, v in cpu_seconds(emu).items()}
            stats = emu.stats()
            timeline = requests.timeline("netsuite", limit, wall, wall + took)
    created = report.totals()["updated" if updates else "created"]
    ns = stats["netsuite"]
    rate = created / took
    ceiling = limit / (latency_ms / 1000)
    per_record = ns["total"] / max(1, created)
    return {
        "latency_ms": latency_ms,
        "zuora_latency_ms": zuora_delay_ms(latency_ms, zuora_latency_ms),
        "kind": "updated" if updates else "created",
        "client_limit": client_limit or limit,
        "accounts": accounts,
        "created": created,
        "seconds": round(took, 1),
        "records_per_s": round(rate, 2),
        "ceiling_records_per_s": round(ceiling, 1),
        "ratio": round(rate / ceiling, 3),
        "ratio_to_own_request_count": round(rate / (ceiling / per_record), 3),
        "netsuite_requests_per_record": round(per_record, 2),
        "netsuite_peak_in_flight": ns["peak_in_flight"],
        "netsuite_429": ns["refused_429"],
        "netsuite_timeline": timeline,
        "zuora_mean_ms": requests.timeline("zuora", ZUORA_LIMIT, wall, wall + took).get("mean_ms"),
        "zuora_requests": stats["zuora"]["total"],
        "zuora_peak_in_flight": stats["zuora"]["peak_in_flight"],
        "zuora_429": stats["zuora"]["refused_429"],
        "cpu_seconds": cpu,
    }


def zuora_delay_ms(latency_ms: float, zuora_latency_ms: float | None) -> float:
    return latency_ms if zuora_latency_ms is None else zuora_latency_ms


def show(case: dict[str, Any], limit: int) -> None:
    print(
        f"{case['latency_ms']:g} ms per request (Zuora {case['zuora_latency_ms']:g} ms), "
        f"NetSuite limit {limit} "
        f"(client's {case['client_limit']}): "
        f"{case['created']:,} customers {case['kind']} (of {case['accounts']:,} accounts) in "
        f"{case['seconds']} s = {case['records_per_s']} records/s; ceiling "
        f"{limit}/{case['latency_ms'] / 1000:g} s = {case['ceiling_records_per_s']} records/s "
        f"-> ratio {case['ratio']:.2f} (target >= {TARGET:.2f})"
    )
    print(
        f"  NetSuite: {case['netsuite_requests_per_record']} requests per record (ratio to "
        f"the rate that count allows: {case['ratio_to_own_request_count']:.2f}), peak "
        f"{case['netsuite_peak_in_flight']} in flight, {case['netsuite_429']} refused with 429"
    )
    line = case["netsuite_timeline"]
    if line:
        print(
            f"  NetSuite as the client saw it: {line['mean_ms']} ms per request on average "
            f"(the emulator's latency: {case['latency_ms']:g} ms from a request's arrival to "
            f"its answer); first write {line['to_first_write_s']} s after the start, the run "
            f"ended {line['after_last_write_s']} s after the last; slots busy "
            f"{line['slots_busy']:.1%} between the first write and the last"
        )
    cpu = case["cpu_seconds"]
    print(
        f"  CPU seconds during the sync: Ferry {cpu['ferry']}, NetSuite emulator "
        f"{cpu.get('netsuite', '-')}, Zuora emulator {cpu.get('zuora', '-')} (2 cores shared)"
    )
    print(
        f"  Zuora: {case['zuora_requests']:,} requests ({case['zuora_mean_ms']} ms on average "
        f"as the client saw them), peak {case['zuora_peak_in_flight']} in flight, "
        f"{case['zuora_429']} refused with 429"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000, help="accounts, 150 ms case")
    parser.add_argument(
        "--slow-accounts", type=int, default=1000, help="accounts for the 500 ms case"
    )
    parser.add_argument("--limit", type=int, default=5, help="NetSuite concurrency limit")
    parser.add_argument(
        "--client-limit",
        type=int,
        help="the Connections file's NetSuite concurrency (default: --limit); above the limit, "
        "the client meets 429s and adapts",
    )
    parser.add_argument(
        "--updates",
        action="store_true",
        help="time a second sync updating every account (each update written back to Zuora)",
    )
    parser.add_argument(
        "--zuora-latency-ms",
        type=float,
        help="Zuora's latency per request (default: the case's, as NetSuite's)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of each case (its ratio's median, lowest and highest are printed last)",
    )
    args = parser.parse_args()
    cases = [(150.0, args.accounts), (500.0, args.slow_accounts)]
    results = []
    summary = []
    for latency_ms, accounts in cases:
        if accounts <= 0:
            continue
        ratios = []
        for _ in range(args.runs):
            case = run_case(
                accounts,
                latency_ms,
                args.limit,
                args.client_limit,
                args.updates,
                args.zuora_latency_ms,
            )
            show(case, args.limit)
            results.append(case)
            ratios.append(case["ratio"])
        summary.append(
            f"  {latency_ms:g} ms, {accounts:,} accounts, {len(ratios)} runs: ratio "
            f"{spread(ratios):32s} {verdict(ratios, TARGET, at_least=True)}"
        )
    print("== sync at the limit: records/s ÷ limit/latency, each case's runs")
    print("\n".join(summary))
    print(json.dumps({"limit": args.limit, "cases": results}))


if __name__ == "__main__":
    main()
