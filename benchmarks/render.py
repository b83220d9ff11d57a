"""Render benchmark: a compiled spec against hand-written functions producing the same output.

Run with `make bench`. Prints records/s for the compiled plan and three hand-written functions
(idiomatic: the target's baseline; hand-tuned; null-safe), the median of paired ratios over
finely interleaved chunks (these machines drift 10-20 % within seconds, so every chunk is
rendered by every side in turn and each ratio compares neighbouring measurements), peak traced
memory, the JSON codec's share of an end-to-end run, and the peak RSS of streaming 1,000,000
records through `ferry render`. Nothing here asserts a time: it measures, and
docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson

import engine

HERE = Path(__file__).resolve().parent
SPEC = HERE / "account-bench.yaml"
CURRENCIES = {"USD": {"id": "1"}, "GBP": {"id": "2"}, "CAD": {"id": "3"}, "EUR": {"id": "4"}}
TERMS = {"Due Upon Receipt": "4", "Net 30": "2", "Net 60": "3", "Net 90": "5"}


def synthetic_accounts(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Zuora-like ExpandedAccount records: nested contact, custom fields, some nulls."""
    rng = random.Random(seed)
    firsts = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
    lasts = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
    out = []
    for i in range(n):
        person = rng.random() < 0.4
        first, last = rng.choice(firsts), rng.choice(lasts)
        out.append(
            {
                "id": f"8a8082c4{i:024x}",
                "accountNumber": f"A{i:08d}" + (" legacy" if i % 17 == 0 else ""),
                "name": f"  {first} {last}  " if person else f"{last} Holdings {i}",
                "status": "Active" if rng.random() < 0.95 else "Cancelled",
                "currency": rng.choice(list(CURRENCIES)),
                "paymentTerm": rng.choice(list(TERMS)),
                "createdDate": (
                    f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                ),
                "updatedDate": "2025-06-01T10:00:00.000Z",
                "balance": round(rng.random() * 1000, 2),
                "CustomerType__NS": "Individual" if person else "Company",
                "Region__c": rng.choice(["EMEA", "AMER", "APAC", None]),
                "billTo": {
                    "firstName": first,
                    "lastName": last,
                    "workEmail": f"{first}.{last}{i}@Example.com",
                    "workPhone": None if i % 5 == 0 else f"+1 555 {i % 10000:04d}",
                    "address1": f"{i} Main St",
                    "city": rng.choice(["London", "Paris", "Toronto", "Austin"]),
                    "country": rng.choice(["GB", "FR", "CA", "US"]),
                },
            }
        )
    return out


def hand_written(record: dict[str, Any]) -> dict[str, Any] | None:
    """The same mapping as account-bench.yaml, written idiomatically by hand: it assumes complete
    records (``record["id"]``, no null checks: a missing field raises) and formats the date the
    standard way, parsing it and formatting it again. This is the issue's baseline."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo") or {}
    out: dict[str, Any] = {"externalId": record["id"], "entityId": record["accountNumber"]}
    out["companyName"] = record["name"].strip()
    if record.get("CustomerType__NS") == "Individual":
        out["firstName"] = bill.get("firstName")
        out["lastName"] = bill.get("lastName")
    out["email"] = bill["workEmail"].lower()
    if bill.get("workPhone") is not None:
        out["phone"] = bill["workPhone"]
    out["currency"] = dict(CURRENCIES[record["currency"]])
    out["terms"] = TERMS[record["paymentTerm"]]
    out["custentity_zuora_id"] = record["id"]
    out["custentity_short_number"] = record["accountNumber"].strip().split(" ", 1)[0]
    created = date.fromisoformat(record["createdDate"])
    out["custentity_zuora_created"] = created.strftime("%m/%d/%Y")
    out["defaultAddress"] = {
        "addr1": bill["address1"],
        "city": bill["city"],
        "country": bill["country"],
    }
    out["custentity_region"] = record.get("Region__c") or "unknown"
    return out


def hand_tuned(record: dict[str, Any]) -> dict[str, Any] | None:
    """The idiomatic function with the date specialised by hand: reordered by slicing, without
    checking that it is a real day (which the compiled plan does check). The hardest baseline."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo") or {}
    out: dict[str, Any] = {"externalId": record["id"], "entityId": record["accountNumber"]}
    out["companyName"] = record["name"].strip()
    if record.get("CustomerType__NS") == "Individual":
        out["firstName"] = bill.get("firstName")
        out["lastName"] = bill.get("lastName")
    out["email"] = bill["workEmail"].lower()
    if bill.get("workPhone") is not None:
        out["phone"] = bill["workPhone"]
    out["currency"] = dict(CURRENCIES[record["currency"]])
    out["terms"] = TERMS[record["paymentTerm"]]
    out["custentity_zuora_id"] = record["id"]
    out["custentity_short_number"] = record["accountNumber"].strip().split(" ", 1)[0]
    created = record["createdDate"]
    out["custentity_zuora_created"] = f"{created[5:7]}/{created[8:10]}/{created[0:4]}"
    out["defaultAddress"] = {
        "addr1": bill["address1"],
        "city": bill["city"],
        "country": bill["country"],
    }
    out["custentity_region"] = record.get("Region__c") or "unknown"
    return out


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def hand_written_null_safe(record: dict[str, Any]) -> dict[str, Any] | None:
    """The same mapping written by hand with the spec's guarantees: a missing or null value is
    left out instead of raising or being sent (the idiomatic function above assumes complete
    records). Its output is asserted equal too."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo")
    bill = bill if isinstance(bill, dict) else {}
    out: dict[str, Any] = {}
    _put(out, "externalId", record.get("id"))
    _put(out, "entityId", record.get("accountNumber"))
    name = record.get("name")
    _put(out, "companyName", name.strip() if isinstance(name, str) else None)
    if record.get("CustomerType__NS") == "Individual":
        _put(out, "firstName", bill.get("firstName"))
        _put(out, "lastName", bill.get("lastName"))
    email = bill.get("workEmail")
    _put(out, "email", email.lower() if isinstance(email, str) else None)
    _put(out, "phone", bill.get("workPhone"))
    currency = CURRENCIES.get(record.get("currency"))  # type: ignore[arg-type]
    _put(out, "currency", dict(currency) if currency is not None else None)
    _put(out, "terms", TERMS.get(record.get("paymentTerm")))  # type: ignore[arg-type]
    _put(out, "custentity_zuora_id", record.get("id"))
    number = record.get("accountNumber")
    short = number.strip().split(" ", 1)[0] if isinstance(number, str) else None
    _put(out, "custentity_short_number", short)
    created = record.get("createdDate")
    if isinstance(created, str):
        out["custentity_zuora_created"] = f"{created[5:7]}/{created[8:10]}/{created[0:4]}"
    address = {
        key: bill.get(src)
        for key, src in (("addr1", "address1"), ("city", "city"), ("country", "country"))
    }
    address = {k: v for k, v in address.items() if v is not None}
    if address:
        out["defaultAddress"] = address
    out["custentity_region"] = record.get("Region__c") or "unknown"
    return out


def timed(fn: Callable[[list[dict[str, Any]]], Any], records: list[dict[str, Any]]) -> float:
    """CPU seconds of this process (not wall time): other processes on a shared machine then
    disturb the measurement much less; every side is single-threaded and CPU-bound."""
    start = time.process_time()
    for _payload in fn(records):
        pass
    return time.process_time() - start


SIDES: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "hand": hand_written,
    "tuned": hand_tuned,
    "null_safe": hand_written_null_safe,
}


def paired_rounds(
    plan: engine.Plan, records: list[dict[str, Any]], rounds: int, chunk: int = 5_000
) -> dict[str, Any]:
    """Each round passes over the records in chunks; every chunk is rendered by every side in
    turn (the order rotates), and each ratio compares the same chunk's neighbouring measurements.
    Fine interleaving matters here: the machine's speed drifts within seconds, and whole-run
    pairs disagreed by up to 0.3 between processes where chunk pairs agree within 0.05."""
    sides: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
        "compiled": plan.render_many,
        **{name: functools.partial(map, fn) for name, fn in SIDES.items()},
    }
    times: dict[str, float] = dict.fromkeys(sides, 0.0)
    ratios: dict[str, list[float]] = {name: [] for name in SIDES}
    chunks = [records[i : i + chunk] for i in range(0, len(records), chunk)]
    turn = 0
    for _round in range(rounds):
        for part in chunks:
            order = list(sides.items())
            turn += 1
            order = order[turn % len(order) :] + order[: turn % len(order)]
            took = {name: timed(fn, part) for name, fn in order}
            for name, seconds in took.items():
                times[name] += seconds
            for name in ratios:
                ratios[name].append(took[name] / took["compiled"])
    n = len(records) * rounds
    result: dict[str, Any] = {f"{name}_rps": n / seconds for name, seconds in times.items()}
    result["pairs"] = len(ratios["hand"])
    for name, values in ratios.items():
        result[f"{name}_ratio_median"] = statistics.median(values)
        quartiles = statistics.quantiles(values, n=4)
        result[f"{name}_ratio_iqr"] = (quartiles[0], quartiles[2])
    return result


def peak_traced(plan: engine.Plan, records: list[dict[str, Any]]) -> float:
    tracemalloc.start()
    for _ in plan.render_many(records):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def json_share(plan: engine.Plan, records: list[dict[str, Any]]) -> dict[str, float]:
    """End-to-end cost split: parse + render + serialise, with orjson and with stdlib json."""
    lines = [orjson.dumps(r) for r in records]
    out: dict[str, float] = {}
    for name, loads, dumps in (
        ("orjson", orjson.loads, orjson.dumps),
        ("json", json.loads, lambda o: json.dumps(o).encode()),
    ):
        start = time.perf_counter()
        parsed = [loads(line) for line in lines]
        parse = time.perf_counter() - start
        start = time.perf_counter()
        payloads = [plan.render(r) for r in parsed]
        render = time.perf_counter() - start
        start = time.perf_counter()
        for payload in payloads:
            dumps(payload)
        write = time.perf_counter() - start
        out[f"{name}_codec_over_render"] = (parse + write) / render
    return out


def streaming_rss(n: int) -> float:
    """Peak RSS (MB) of `ferry render` streaming n JSON Lines records from a file."""
    records = synthetic_accounts(1000)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "accounts.jsonl"
        with source.open("wb") as handle:
            for i in range(n):
                handle.write(orjson.dumps(records[i % 1000]) + b"\n")
        ferry = Path(sys.executable).parent / "ferry"
        # Measured by a small wrapper process: a child forked from this (large) process would
        # report this process's memory as its own peak before it execs.
        probe = (
            "import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        command = [
            sys.executable,
            "-c",
            probe,
            str(ferry),
            "render",
            str(SPEC),
            "--input",
            str(source),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the records")
    parser.add_argument(
        "--stream",
        type=int,
        default=1_000_000,
        help="records streamed through `ferry render` (0 to skip)",
    )
    args = parser.parse_args()
    records = synthetic_accounts(args.records)
    plan = engine.load_mapping(SPEC)
    mismatches = sum(any(plan.render(r) != side(r) for side in SIDES.values()) for r in records)
    assert mismatches == 0, (
        f"{mismatches} records differ between the spec and the hand-written code"
    )
    result = paired_rounds(plan, records, args.rounds)
    result["peak_traced_mb"] = peak_traced(plan, records)
    result.update(json_share(plan, records[:20_000]))
    if args.stream:
        result["stream_records"] = args.stream
        result["stream_peak_rss_mb"] = streaming_rss(args.stream)
    print(f"records: {args.records:,}  rounds: {args.rounds}  paired chunks: {result['pairs']}")
    print(f"compiled spec        : {result['compiled_rps']:>10,.0f} records/s")
    for name, label in (
        ("hand", "hand-written       "),
        ("tuned", "hand-tuned (dates) "),
        ("null_safe", "hand, null-safe    "),
    ):
        low, high = result[f"{name}_ratio_iqr"]
        print(
            f"{label}: {result[f'{name}_rps']:>10,.0f} records/s   compiled throughput / this:"
            f" median {result[f'{name}_ratio_median']:.2f} (middle half {low:.2f}-{high:.2f})"
        )
    print(
        f"peak traced memory while streaming {args.records:,} records: "
        f"{result['peak_traced_mb']:.1f} MB"
    )
    print(
        "JSON parse+serialise cost / render cost: "
        f"orjson {result['orjson_codec_over_render']:.2f}x,"
        f" stdlib json {result['json_codec_over_render']:.2f}x"
    )
    if args.stream:
        print(
            f"`ferry render` streaming {args.stream:,} records: peak RSS "
            f"{result['stream_peak_rss_mb']:.0f} MB"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
