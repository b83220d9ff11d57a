"""libyaml's binding imported without PyYAML's patterns (``engine.load.libyaml_binding``): the
process around Ferry sees PyYAML and ``re`` as they always are.

Each case runs in a new interpreter (PyYAML is imported once per process), with the disk cache
off so that loading a spec parses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"

# Documents that go through every pattern PyYAML's pure-Python modules compile at import: the
# reader's printable characters, the resolver's YAML 1.1 scalars, the constructor's timestamp.
DOCUMENTS = [
    "a: yes\nb: Off\nc: ~\nd: null\n",
    "a: 1_000\nb: 0x1F\nc: 0b101\nd: 0o17\ne: 190:20:30\nf: -1.5e+3\ng: .inf\nh: .NaN\n",
    "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: 2001-12-14 21:59:43.10 -5\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
    "a: \x07\n",
    "a: \u2028b\n",
    "plain: text\nquoted: 'yes'\n",
]

READ_DOCUMENTS = """
import json, sys, yaml
out = []
for text in json.loads(sys.argv[1]):
    try:
        out.append(repr(yaml.safe_load(text)))
    except yaml.YAMLError as exc:
        out.append(f"{type(exc).__name__}: {exc}")
print(json.dumps(out))
"""

LOAD_FIRST = f"""
import engine
engine.load_mapping({str(CUSTOMER)!r})
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FERRY_CACHE_DIR": ""},
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pyyaml_reads_as_it_does_without_ferry() -> None:
    """PyYAML's own loader, after Ferry parsed a spec with libyaml, reads every document (and
    refuses the bad ones with the same message) as in a process where Ferry never ran."""
    documents = json.dumps(DOCUMENTS)
    plain = json.loads(_run(READ_DOCUMENTS, documents))
    after_ferry = json.loads(_run(LOAD_FIRST + READ_DOCUMENTS, documents))
    assert after_ferry == plain
    assert plain[0] == repr({"a": True, "b": False, "c": None, "d": None})
    assert plain[4].startswith("ReaderError: unacceptable character #x0007")


def test_ferry_imported_pyyaml_and_left_re_as_it_was() -> None:
    """The spec was parsed by libyaml (PyYAML imported), the patterns PyYAML compiled at import
    wait for their first use, ``re.compile`` is the standard library's again, and a thread that
    compiled patterns all through the import got compiled patterns every time."""
    report = _run(
        """
import json, re, sys, threading
original = re.compile
seen, calls, done = set(), [0], threading.Event()
def compile_all_along():
    while not done.is_set():
        seen.add(type(re.compile("a+b", re.I)).__name__)
        calls[0] += 1
worker = threading.Thread(target=compile_all_along)
worker.start()
import engine
engine.load_mapping(sys.argv[1])
done.set()
worker.join()
import yaml.reader
print(json.dumps({
    "pyyaml imported": "yaml._yaml" in sys.modules,
    "compile restored": re.compile is original,
    "thread's patterns": sorted(set(seen)),
    "thread compiled": calls[0] > 0,
    "reader's pattern waits": type(yaml.reader.Reader.NON_PRINTABLE).__name__,
}))
""",
        str(CUSTOMER),
    )
    assert json.loads(report) == {
        "pyyaml imported": True,
        "compile restored": True,
        "thread's patterns": ["Pattern"],
        "thread compiled": True,
        "reader's pattern waits": "PatternOnUse",
    }
