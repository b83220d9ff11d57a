"""Retries import tenacity only once a request has failed in a way worth retrying, and the
sequence it then runs is the one it ran from the start: the same waits, log lines, stop after
``max_attempts`` and count of attempts (real ones only)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from engine.emulators import stack, zuora_seed
from engine.emulators.faults import FaultRule
from engine.errors import DriverError, TransientError
from engine.run.drivers.http import HttpEndpoint, RetryPolicy
from tests.conftest import ROOT

from .conftest import Served

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002, retry_after_cap=5.0)
ATTEMPT_FAILED = re.compile(
    r"test create: attempt (\d) failed \(TransientError: .+\); retrying in (\d+\.\d\d)s"
)


def _endpoint(served: Served, waits: list[float]) -> HttpEndpoint:
    return HttpEndpoint("test", served.base_url, retry=FAST, timeout=5.0, sleep=waits.append)


def _retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]


class Attempted(NamedTuple):
    """One request's outcome (its response, or the error it raised), the waits between its
    attempts, and the retry log lines it wrote."""

    outcome: httpx.Response | DriverError
    waits: list[float]
    lines: list[str]


def _attempted(
    served: Served,
    caplog: pytest.LogCaptureFixture,
    fault: FaultRule,
    *request: str,
    **options: Any,
) -> Attempted:
    """Send one request (method, path) through an endpoint whose waits are recorded, after
    planning ``fault``."""
    served.app.plan.add(fault)
    waits: list[float] = []
    api = _endpoint(served, waits)
    outcome: httpx.Response | DriverError
    with caplog.at_level(logging.WARNING):
        try:
            outcome = api.request(*request, **options)
        except DriverError as exc:
            outcome = exc
        finally:
            api.close()
    return Attempted(outcome, waits, _retry_lines(caplog))


# In a fresh interpreter: after each request, whether tenacity has been imported.
PROBE = """
import json, sys
from engine.errors import AmbiguousWriteError, TransientError
from engine.run.drivers.http import HttpEndpoint, RetryPolicy
policy = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
api = HttpEndpoint("probe", sys.argv[1], retry=policy, sleep=lambda seconds: None)
once = HttpEndpoint("once", sys.argv[1], retry=RetryPolicy(max_attempts=1))
seen = []
api.request("GET", "/ok", operation="get", idempotent=True)
seen.append("tenacity" in sys.modules)
try:  # a 503 with one attempt allowed: nothing to retry
    once.request("GET", "/status/503", operation="get", idempotent=True)
except TransientError:
    seen.append("tenacity" in sys.modules)
try:  # an ambiguous failure of a write that is not idempotent: never resent
    api.request("POST", "/status/500", operation="post", content=b"{}", idempotent=False)
except AmbiguousWriteError:
    seen.append("tenacity" in sys.modules)
api.request("POST", "/items", operation="create", json={}, idempotent=False)  # 503 once
seen.append("tenacity" in sys.modules)
print(json.dumps(seen))
"""


def test_tenacity_is_imported_only_when_a_request_is_retried(served: Served) -> None:
    served.app.plan.add(FaultRule(kind="503", path="/items", times=1))

    done = subprocess.run(
        [sys.executable, "-c", PROBE, served.base_url],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, False, False, True], (
        done.stderr
    )
    assert served.rec.hits["status"] == 2  # the 503 and the 500, each sent once
    assert served.app.plan.describe()[0]["hits"] == 1
    assert served.rec.hits["items"] == 1


# `ferry plan` in a fresh interpreter; prints its exit code, whether the HTTP layer ran and
# whether tenacity was imported.
PLAN = """
import json, sys
from engine.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, "engine.run.drivers.http" in sys.modules, "tenacity" in sys.modules]))
"""


def test_a_plan_whose_requests_all_succeed_never_imports_tenacity(tmp_path: Path) -> None:
    (tmp_path / "zuora").mkdir()
    zuora_seed.write(tmp_path / "zuora", n_accounts=2)
    spec = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
    state = tmp_path / "state.sqlite"
    with stack.running(tmp_path, zuora_data=tmp_path / "zuora") as emulators:
        argv = ["plan", "--connections", str(emulators.connections), "--state", str(state)]
        done = subprocess.run(
            [sys.executable, "-c", PLAN, *argv, str(spec)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **emulators.env},
        )

    assert "created" in done.stdout, done.stderr  # a plan lists what it would create
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, True, False]


def test_a_request_failing_once_is_retried_once_with_its_log_line(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    fault = FaultRule(kind="503", path="/items", times=1)
    response, waits, lines = _attempted(
        served, caplog, fault, "POST", "/items", operation="create", json={}, idempotent=False
    )

    assert isinstance(response, httpx.Response) and response.status_code == 201
    assert len(lines) == 1 and len(waits) == 1
    found = ATTEMPT_FAILED.fullmatch(lines[0])
    assert found is not None, lines[0]
    assert found.groups() == ("1", f"{waits[0]:.2f}")
    assert served.app.plan.describe()[0]["hits"] == 1
    assert served.rec.hits["items"] == 1


def test_a_429_once_waits_its_retry_after_and_says_so(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    fault = FaultRule(kind="429", path="/ok", retry_after=2)
    _, waits, [line] = _attempted(
        served, caplog, fault, "GET", "/ok", operation="get", idempotent=True
    )

    assert waits == [2.0]
    assert line.startswith("test get: attempt 1 failed (RateLimitedError: ")
    assert line.endswith("; retrying in 2.00s")
    assert served.rec.hits["ok"] == 1


def test_a_request_failing_every_time_stops_after_max_attempts(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    fault = FaultRule(kind="503", path="/items", times=None)
    error, waits, lines = _attempted(
        served, caplog, fault, "POST", "/items", operation="create", json={}, idempotent=False
    )

    assert type(error) is TransientError
    assert error.status == 503
    assert error.__notes__ == ["gave up after 3 attempts"]  # real attempts only
    matches = [ATTEMPT_FAILED.fullmatch(line) for line in lines]
    assert [m.group(1) if m else line for m, line in zip(matches, lines, strict=True)] == [
        "1",
        "2",
    ]
    assert len(waits) == FAST.max_attempts - 1
    assert served.app.plan.describe()[0]["hits"] == FAST.max_attempts
    assert served.rec.hits["items"] == 0
