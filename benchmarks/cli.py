"""Command benchmark: start-up, `ferry render` end to end, and validate + compile.

Run with `make bench` (after `benchmarks/render.py`). Every figure is printed against its target
(issue 14), with the spread of its repeats; nothing here asserts a time.

- start-up: CPU time of `ferry COMMAND --help` for every command (interpreter, imports, argument
  parsing), and of every command that loads specs, run as a user runs it: `ferry validate` on
  the shipped customer mapping and on the shipped folder, `ferry render` on one record, `ferry
  diff` of two versions of the customer mapping (a field changed, the version bumped) and of two
  versions of the folder, and `ferry plan` of the customer mapping and of the folder against
  both emulators (in threads of this process, so their work is not counted) holding a few
  generated Zuora accounts. Ferry's disk cache (``engine/diskcache.py``: the specs' parses and
  check verdicts, the generated code compiled) is a folder of this run's (never the user's),
  made in the platform's cache folder where a user's is (``main``). Every command that
  loads specs is measured with a cold cache first (a new, empty folder for every run, the
  warm-up run included: as on the first run after Ferry was installed or upgraded, when no spec
  has an entry yet), then warm (as from a user's second run of unchanged specs on); the folder's
  plan a third way, after one mapping changed (a copy of the folder whose customer mapping gets
  an edit before every run, the others' entries warm: a consultant's loop of editing a spec and
  planning again, ``one_mapping_changed``). The host's pace (CPU seconds of a pure-Python loop
  of 5,000,000 additions) is printed first, to compare runs. The bare interpreter's start-up is
  measured alongside as the machine's baseline (CPU, not wall time: on a shared machine wall
  time measures the neighbours), and so is the floor under the folder's warm plan: the modules
  it imports (from ``-X importtime``), imported and nothing run, the libraries' alone and with
  Ferry's, by turns with the plan (``plan_floor``); with ``--instructions``, each command's
  instruction count under valgrind's callgrind instead, which a busy or throttled host does not
  move;
- end to end: CPU time of `ferry render` over JSON Lines records against a hand-written script
  (orjson read, the hand-written mapping of `hand.py`, orjson write) whose output is checked
  byte for byte equal to Ferry's first (that first run fills the run's disk cache: the pairs
  run with it warm); the two alternate, and the ratio of each pair is kept;
- validate + compile: CPU time of `engine.load_mapping` on a generated 200-field spec and on the
  shipped customer mapping, warm (the same process again) and first in a fresh process (after the
  facade's imports: a command's start-up is measured above; the libraries the load needs on
  demand, YAML's and, for a new template text only Jinja reads, Jinja, are imported inside the
  timed load, and once more with Jinja imported first, as the facade did until 2026-12-04, the
  figure comparable with earlier runs; since then neither spec's templates need Jinja at all,
  being text around chains of names: ``engine.language.chain_templates``). Warm is measured twice:
  as new text (the caches kept per text, of parsed YAML and of parsed and compiled templates,
  emptied before each load: the real work, and the figure the target is for) and as the same text
  again (those caches hit: an unchanged settings file or spec loaded again). The disk cache is off
  for all of these (``FERRY_CACHE_DIR=``: parsed, checked and compiled every time, the work a new
  or changed spec costs), but for one more figure with no target: first in a fresh process whose
  disk cache holds the spec's entries (an unchanged spec loaded again).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jmespath.parser
import orjson

import engine
from engine import diskcache
from engine.cli import COMMANDS
from engine.emulators import stack, zuora_seed
from engine.language import expressions, template_jinja, templates
from engine.load import source

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
FERRY = Path(sys.executable).parent / "ferry"
sys.path.insert(0, str(HERE))

from figures import spread, verdict  # noqa: E402
from render import synthetic_accounts  # noqa: E402

# The hand-written script of the end-to-end comparison: what one writes to do `ferry render`'s
# job for one mapping, with the same output line per record.
HAND_SCRIPT = """
import sys
import orjson
sys.path.insert(0, {here!r})
from hand import {function} as mapping

REASON = {reason!r}
with open(sys.argv[1], "rb") as source, open(sys.stdout.fileno(), "wb", closefd=False) as out:
    batch = []
    for line in source:
        record = orjson.loads(line)
        key = record.get("id")
        key = None if key is None else str(key)
        payload = mapping(record)
        if payload is None:
            result = {{"key": key, "action": "skip", "reason": REASON, "guard": "active"}}
        else:
            result = {{"key": key, "action": "render", "payload": payload}}
        batch.append(orjson.dumps(result))
        if len(batch) == 1000:
            out.write(b"\\n".join(batch) + b"\\n")
            batch.clear()
    if batch:
        out.write(b"\\n".join(batch) + b"\\n")
"""

END_TO_END = (
    ("account-bench.yaml (date sliced)", HERE / "account-bench.yaml", "bench_sliced", None),
    ("shipped customer.yaml", CUSTOMER, "customer", "only Active accounts are synced"),
)


STARTUP_TARGET = 0.3  # seconds of CPU, any command
PLAN_ACCOUNTS = 5  # Zuora accounts the emulator holds for `ferry plan`


# The host's pace: module-level code (globals, as ``python -c`` runs it), the measure
# performance.md has quoted since 2026-12-04.
PACE_LOOP = compile(
    "total = 0\nfor number in range(5_000_000):\n    total += number\n", "pace", "exec"
)


def host_pace(repeats: int = 3) -> list[float]:
    """CPU seconds of a pure-Python loop of 5,000,000 additions, ``repeats`` times: the host's
    pace when the run was taken (this machine's host changes speed by a factor of two within
    the hour), printed so that two runs' seconds can be compared."""
    paces = []
    for _ in range(repeats):
        started = time.process_time()
        exec(PACE_LOOP, {})
        paces.append(time.process_time() - started)
    return paces


Env = Callable[[], "dict[str, str]"]  # a child's environment, asked for each run


def cpu(command: list[str], repeats: int, env: Env | None = None) -> list[float]:
    """CPU seconds of each run (wall time on a shared machine measures the neighbours); the
    first run must succeed (exit 0), or the figure would time an error message."""
    with Path("/dev/null").open("wb") as null:
        # once first: bytecode written (and the disk cache, unless cold), files in page cache
        if child_cpu(command, null, env, check=True) < 0:
            raise SystemExit(f"{' '.join(command)} failed")
        return [child_cpu(command, null, env) for _ in range(repeats)]


# Children run as an installed tool does: with its bytecode cached (an environment that sets
# PYTHONDONTWRITEBYTECODE compiles every module from source on every start), and a disk cache
# of this run's, never the user's (``main`` points FERRY_CACHE_DIR at a folder of its own).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def warm_cache(extra: dict[str, str] | None = None) -> Env:
    """The children's environment, its disk cache the run's one folder (warm after a run)."""
    return lambda: {**ENV, **(extra or {})}


def cold_cache(extra: dict[str, str] | None = None) -> Env:
    """The children's environment with a new, empty disk cache folder for every run (beside
    the run's warm one)."""

    def env() -> dict[str, str]:
        folder = tempfile.mkdtemp(prefix="cold-cache-", dir=Path(ENV["FERRY_CACHE_DIR"]).parent)
        return {**ENV, **(extra or {}), "FERRY_CACHE_DIR": folder}

    return env


def one_mapping_changed(spec: Path, env: Env) -> Env:
    """``env``, after giving ``spec`` (a copy of the customer mapping) an edit no earlier run
    made: its companyName truncated at another length. The loop a consultant runs (edit one
    spec, plan again): that spec is parsed, checked and compiled again, its generated code too
    (its text changed), every other spec comes from the disk cache."""
    shipped = spec.read_text()
    if "truncate: {length: 83}" not in shipped:
        raise SystemExit("customer.yaml changed shape: update one_mapping_changed()")
    edits = iter(range(84, 10_000))

    def edited() -> dict[str, str]:
        spec.write_text(shipped.replace("{length: 83}", f"{{length: {next(edits)}}}", 1))
        return env()

    return edited


def child_cpu(
    command: list[str], stdout: Any, env: Env | None = None, *, check: bool = False
) -> float:
    """CPU seconds (user + system) of one child process; -1 when ``check`` and it failed."""
    environment = env() if env is not None else ENV
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, stdout=stdout, stderr=subprocess.PIPE, check=False, env=environment
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
        return -1.0
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def changed_versions(tmp: Path) -> tuple[Path, Path]:
    """A second version of the customer mapping (the email written in upper case, not lower;
    the version bumped) and a copy of the shipped folder holding it: each `ferry diff`'s NEW."""
    text = CUSTOMER.read_text()
    changed = text.replace("  version: 1\n", "  version: 2\n", 1).replace(
        "transforms: [trim, lower]", "transforms: [trim, upper]", 1
    )
    if "  version: 2\n" not in changed or "[trim, upper]" not in changed:
        raise SystemExit("customer.yaml changed shape: update changed_versions()")
    folder = tmp / "mappings-v2"
    shutil.copytree(CUSTOMER.parent, folder)
    (folder / CUSTOMER.name).write_text(changed)
    return folder / CUSTOMER.name, folder


Measure = Callable[[list[str], int, "Env | None"], list[float]]


def instructions(command: list[str], repeats: int, env: Env | None = None) -> list[float]:
    """Millions of instructions of one run under callgrind (valgrind), hash seed fixed: unlike
    CPU seconds on a shared machine, the count does not move with the neighbours or the host's
    clock, so two commits compare on it even when measured hours apart (``repeats`` is unused:
    one run gives the count)."""
    if command[0] == str(FERRY):  # valgrind runs the interpreter, not the script's #! line
        command = [sys.executable, *command]
    cpu(command, 1, env)  # once first, as for CPU: bytecode written, and it must succeed
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**(env() if env is not None else ENV), "PYTHONHASHSEED": "0"},
            check=False,
        )
    found = re.search(rb"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind gave no count for {' '.join(command)}")
    return [int(found.group(1)) / 1e6]


def startup(repeats: int, tmp: Path, measure: Measure = cpu) -> dict[str, list[float]]:
    one = tmp / "one.jsonl"
    one.write_bytes(orjson.dumps(synthetic_accounts(1)[0]) + b"\n")
    new_customer, new_folder = changed_versions(tmp)
    folder = CUSTOMER.parent
    figures = {"python -c pass (baseline)": measure([sys.executable, "-c", "pass"], repeats)}
    for ref in COMMANDS:
        figures[f"ferry {ref.name} --help"] = measure([str(FERRY), ref.name, "--help"], repeats)
    runs = {
        "ferry validate customer.yaml": ["validate", CUSTOMER],
        "ferry validate mappings/zuora-netsuite/": ["validate", folder],
        "ferry render customer.yaml, 1 record": ["render", CUSTOMER, "-i", one],
        "ferry diff customer.yaml v1 v2": ["diff", CUSTOMER, new_customer],
        "ferry diff mappings/zuora-netsuite/ x2": ["diff", folder, new_folder],
    }
    for label, words in runs.items():
        command = [str(FERRY), *map(str, words)]
        figures[f"{label}, cold cache"] = measure(command, repeats, cold_cache())
        figures[f"{label}, warm cache"] = measure(command, repeats, warm_cache())
    (tmp / "zuora").mkdir()
    zuora_seed.write(tmp / "zuora", n_accounts=PLAN_ACCOUNTS)
    with stack.running(tmp, zuora_data=tmp / "zuora") as emulators:
        state = tmp / "plan-state.sqlite"
        plan = ["plan", "--connections", emulators.connections, "--state", state]
        for label, spec in (("customer.yaml", CUSTOMER), ("mappings/zuora-netsuite/", folder)):
            command = [str(FERRY), *map(str, [*plan, spec])]
            for cache, env in (
                ("cold", cold_cache(emulators.env)),  # first: the less flattering
                ("warm", warm_cache(emulators.env)),
            ):
                figures[f"ferry plan {label}, {PLAN_ACCOUNTS} accounts, {cache} cache"] = measure(
                    command, repeats, env
                )
        edited = tmp / "mappings-edited"
        shutil.copytree(folder, edited)
        label = f"ferry plan mappings/zuora-netsuite/, {PLAN_ACCOUNTS} accounts, one changed"
        figures[label] = measure(
            [str(FERRY), *map(str, [*plan, edited])],
            repeats,
            one_mapping_changed(edited / CUSTOMER.name, warm_cache(emulators.env)),
        )
        folder_plan = [str(FERRY), *map(str, [*plan, folder])]
        figures.update(plan_floor(folder_plan, repeats, warm_cache(emulators.env), measure))
    return figures


# Imports every module named on its command line, as a command imported them: ``httpx._main``
# kept out as ``engine.run.drivers`` keeps it out, and the names the command tried and did not
# find (another platform's, an optional library's: ``-X importtime`` lists them too) tried again.
IMPORT_ALL = """
import importlib, sys
sys.modules.setdefault("httpx._main", None)
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
"""


def imported_modules(command: list[str], env: Env) -> list[str]:
    """Every module a command imports, in the order their imports end (``-X importtime``)."""
    if command[0] == str(FERRY):
        command = [sys.executable, *command]
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env(),
        check=True,
    )
    lines = done.stderr.decode(errors="replace").splitlines()
    names = [line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")]
    return list(dict.fromkeys(name for name in names if name != "imported package"))


def plan_floor(plan: list[str], repeats: int, env: Env, measure: Measure) -> dict[str, list[float]]:
    """The floor under a warm plan's start-up: the same modules imported and nothing run,
    the libraries' alone (Python's and the installed packages') and with Ferry's. Measured by
    turns with the plan (CPU seconds on a host whose speed drifts within minutes compare only
    at nearly the same moment): the plan's ratio to its libraries' imports, pair by pair, moves
    with Ferry's code and much less with the host. ``-X importtime`` also lists the names a
    command tried and did not find: the counts are of names."""
    modules = imported_modules(plan, env)
    libraries = [name for name in modules if name.split(".")[0] != "engine"]
    runs = {
        "plan": plan,
        "libraries": [sys.executable, "-c", IMPORT_ALL, *libraries],
        "all": [sys.executable, "-c", IMPORT_ALL, *modules],
    }
    if measure is not cpu:
        taken = {key: measure(command, 1, env) for key, command in runs.items()}
    else:
        taken = by_turns(runs, repeats, env)
    ferry = len(modules) - len(libraries)
    return {
        f"python: the folder plan's library modules ({len(libraries)} names)": taken["libraries"],
        f"python: the same and Ferry's modules ({ferry} names)": taken["all"],
        "ratio: the folder's warm plan / its libraries' imports, by turns": [
            p / lib for p, lib in zip(taken["plan"], taken["libraries"], strict=True)
        ],
    }


def by_turns(commands: dict[str, list[str]], repeats: int, env: Env) -> dict[str, list[float]]:
    """CPU seconds of each command, one run of each per round (the order rotated each round),
    each command run once first and checked to succeed."""
    keys = list(commands)
    for key in keys:
        cpu(commands[key], 0, env)
    taken: dict[str, list[float]] = {key: [] for key in keys}
    with Path("/dev/null").open("wb") as null:
        for turn in range(repeats):
            shift = turn % len(keys)
            for key in keys[shift:] + keys[:shift]:
                taken[key].append(child_cpu(commands[key], null, env))
    return taken


def end_to_end(records: int, pairs: int, tmp: Path) -> dict[str, list[float]]:
    source = tmp / "accounts.jsonl"
    with source.open("wb") as handle:
        for record in synthetic_accounts(records):
            handle.write(orjson.dumps(record) + b"\n")
    ratios: dict[str, list[float]] = {}
    for label, spec, function, reason in END_TO_END:
        if reason is None:
            reason = engine.load_mapping(spec).guards[0].reason
        script = tmp / f"hand_{function}.py"
        script.write_text(HAND_SCRIPT.format(here=str(HERE), function=function, reason=reason))
        ferry = [str(FERRY), "render", str(spec), "-i", str(source)]
        hand = [sys.executable, str(script), str(source)]
        ferry_out, hand_out = tmp / "ferry.out", tmp / "hand.out"
        with ferry_out.open("wb") as f, hand_out.open("wb") as h:
            child_cpu(ferry, f)
            child_cpu(hand, h)
        if ferry_out.read_bytes() != hand_out.read_bytes():
            raise SystemExit(f"{label}: the hand-written script's output differs from Ferry's")
        ratios[label] = []
        for turn in range(pairs):
            with Path("/dev/null").open("wb") as null:
                order = (
                    [(ferry, "f"), (hand, "h")] if turn % 2 == 0 else [(hand, "h"), (ferry, "f")]
                )
                took = {side: child_cpu(command, null) for command, side in order}
            ratios[label].append(took["f"] / took["h"])
    return ratios


def two_hundred_fields(tmp: Path) -> Path:
    """A 200-field spec shaped like the shipped ones: paths, transforms, guards, defaults."""
    lines = [
        "apiVersion: ferry/v1",
        "kind: Mapping",
        "metadata: {name: bench/wide, version: 1}",
        "source: {endpoint: zuora, object: account}",
        "destination: {endpoint: netsuite, object: customer}",
        "identity: {external_id: {from: id}}",
        "when:",
        "  - {name: active, expr: \"record.status == 'Active'\"}",
        "tables:",
        "  currencies: {USD: {id: '1'}, GBP: {id: '2'}}",
        "fields:",
    ]
    shapes = [
        "  - {{to: f{i}, from: billTo.field{i}}}",
        "  - {{to: f{i}, from: name{i}, transforms: [trim, upper]}}",
        "  - {{to: f{i}, from: currency{i},"
        " transforms: [{{lookup: {{table: currencies, as: ref}}}}]}}",
        "  - {{to: f{i}, from: created{i}, transforms: [{{date: {{output: '%m/%d/%Y'}}}}]}}",
        "  - {{to: f{i}, from: region{i}, missing: default, default: unknown}}",
        "  - to: f{i}\n    from: first{i}\n    when: \"record.kind{i} == 'Individual'\"",
        "  - {{to: nested{j}.f{i}, from: address.line{i}}}",
        "  - {{to: f{i}, template: '{{{{ record.a{i} }}}}-{{{{ record.b{i} }}}}'}}",
    ]
    for i in range(200):
        lines.append(shapes[i % len(shapes)].format(i=i, j=i % 5))
    path = tmp / "wide.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def forget_texts() -> None:
    """Empty the caches kept per text (parsed YAML; templates' facts, parsed and compiled; parsed
    expressions, Ferry's and JMESPath's), so the next load does the whole work, as for a spec
    this process has not seen."""
    source.forget_parses()
    templates.facts.cache_clear()
    template_jinja._checked.cache_clear()
    template_jinja._template.cache_clear()
    expressions.compile_expression.cache_clear()
    jmespath.parser.Parser.purge()  # JMESPath keeps the expressions it parsed, too


def load_times(spec: Path, repeats: int) -> dict[str, list[float]]:
    os.environ["FERRY_CACHE_DIR"] = ""  # the disk cache off: parsed, checked, compiled
    engine.load_mapping(spec)
    warm, again = [], []
    for turn in range(2 * repeats):  # alternating: the machine's speed drifts
        if turn % 2 == 0:
            forget_texts()
        start = time.process_time()
        engine.load_mapping(spec)
        (warm if turn % 2 == 0 else again).append(time.process_time() - start)
    probe = (
        "import sys, time, engine; engine.load_mapping; start = time.process_time(); "
        "engine.load_mapping(sys.argv[1]); print(time.process_time() - start)"
    )
    off = {**ENV, "FERRY_CACHE_DIR": ""}
    fresh = [_probe(probe, spec, off) for _ in range(max(3, repeats // 4))]
    # Until 2026-12-04 the facade imported Jinja, so the row above did not count its import;
    # then the first template's check did, until these specs' templates needed no Jinja
    # (engine.language.chain_templates): this row is the one comparable with the earliest.
    jinja_first = [_probe("import jinja2; " + probe, spec, off) for _ in range(len(fresh))]
    _probe(probe, spec, ENV)  # the run's disk cache filled with this spec's entries
    cached = [_probe(probe, spec, ENV) for _ in range(max(3, repeats // 4))]
    return {
        "warm": warm,
        "again": again,
        "fresh": fresh,
        "fresh-jinja": jinja_first,
        "cached": cached,
    }


def _probe(probe: str, spec: Path, env: dict[str, str]) -> float:
    command = [sys.executable, "-c", probe, str(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return float(done.stdout)


def _end_to_end_section(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    print(
        "== `ferry render` end to end, CPU time Ferry / hand-written orjson script "
        f"({args.records:,} records, {args.pairs} pairs; target <= 1.5)"
    )
    for label, ratios in end_to_end(args.records, args.pairs, tmp).items():
        print(f"  {label:40s} {spread(ratios):32s} {verdict(ratios, 1.5)}")
        result[f"end_to_end {label}"] = ratios
    return result


def _startup_section(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if args.instructions:
        print("== start-up, millions of instructions (callgrind; the target is in seconds)")
        for label, counts in startup(1, tmp, instructions).items():
            shown = f"{counts[0]:8.3f}" if label.startswith("ratio") else f"{counts[0]:8.0f} M"
            print(f"  {label:60s} {shown}")
            result[f"instructions {label}"] = counts
        return result
    print(f"== start-up, CPU seconds (target <= {STARTUP_TARGET} for every command)")
    for label, times in startup(args.repeats, tmp).items():
        target = None if label.startswith(("python", "ratio")) else STARTUP_TARGET
        print(f"  {label:60s} {spread(times):32s} {verdict(times, target)}")
        result[f"startup {label}"] = times
    return result


def _load_section(tmp: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    print("== validate + compile, milliseconds")
    kinds = {
        "warm": "warm, new text",
        "again": "warm, same text again",
        "fresh": "first, fresh process",
        "fresh-jinja": "first, fresh process, Jinja imported first",
        "cached": "first, fresh process, disk cache filled",
    }
    targets = {
        ("200 fields", "warm"): 50,
        ("200 fields", "fresh"): 150,
        ("customer.yaml", "warm"): 15,
    }
    for label, spec in (("200 fields", two_hundred_fields(tmp)), ("customer.yaml", CUSTOMER)):
        for kind, times in load_times(spec, 20).items():
            target = targets.get((label, kind))
            ms = [t * 1000 for t in times]
            name = f"{label}, {kinds[kind]}"
            print(f"  {name:50s} {spread(ms):32s} {verdict(ms, target)}")
            result[f"load {label} {kind} ms"] = ms
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5, help="end-to-end runs per side")
    parser.add_argument("--repeats", type=int, default=7, help="start-up runs per command")
    parser.add_argument(
        "--only", choices=("end-to-end", "startup", "load"), help="run one section alone"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="start-up as instruction counts under valgrind's callgrind (slow; steady)",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"host pace s": host_pace()}
    print(f"== host pace: 5,000,000 additions, CPU seconds {spread(result['host pace s'])}")
    # The run's disk caches (its own, never the user's) sit where a user's does, in the
    # platform's cache folder: the file system's cost of making their files is then a user's.
    caches_at = diskcache.platform_cache()
    caches_at.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.TemporaryDirectory(prefix="ferry-bench-", dir=caches_at) as caches,
    ):
        tmp = Path(folder)
        ENV["FERRY_CACHE_DIR"] = str(Path(caches) / "disk-cache")
        if args.only in (None, "end-to-end"):
            result.update(_end_to_end_section(args, tmp))  # the disk cache warm
        if args.only in (None, "startup"):
            result.update(_startup_section(args, tmp))
        if args.only in (None, "load"):
            result.update(_load_section(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
