"""A run that cannot go on (refused credentials, an endpoint down, missing secrets) is recorded
``failed`` with its error, writes its JSON report, writes nothing to either system, and is not
mistaken for a crash by the next run. Messages name the endpoint and its base URL, never an
internal class name."""

from __future__ import annotations

import os
import socket
from typing import Any

import httpx
import pytest

from tests.sync.conftest import EnvFactory, SyncEnv, ns_customer, zuora_account

INTERNAL_NAMES = ("TransientError", "AuthError", "ConnectError", "DriverError", "Traceback")


def _runs(env: SyncEnv) -> list[dict[str, Any]]:
    listed = env.ferry("runs", "--state", env.state, "--format", "json")
    assert listed.code == 0, listed.err
    runs: list[dict[str, Any]] = listed.json()
    return runs


def _no_internal_names(*texts: str) -> None:
    for text in texts:
        for name in INTERNAL_NAMES:
            assert name not in text, f"{name} in {text!r}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refused_credentials_fail_the_run_before_any_write_and_are_recorded(
    make_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 4)])
    good = os.environ["NETSUITE_TOKEN_SECRET"]
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "not-the-token-secret")

    result, report = env.sync()

    assert result.code == 3
    assert report["status"] == "failed"
    assert report["exit_code"] == 3
    assert report["run_id"] == 1
    error = report["error"]
    assert "preflight failed" in error
    assert f"endpoint 'netsuite' ({env.netsuite.base_url}" in error
    assert "refused the credentials" in error
    assert "not-the-token-secret" not in result.out + result.err + str(report)
    _no_internal_names(result.out, result.err, error)
    assert env.writes == 0  # Zuora's tracking write-backs included
    [run] = _runs(env)
    assert (run["status"], run["error"]) == ("failed", error)
    listed = env.ferry("runs", "--state", env.state)
    assert "run 1 failed: preflight failed" in listed.out

    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", good)
    result, report = env.sync()

    assert result.code == 0, result.err
    assert report["totals"]["created"] == 3
    assert not any("crashed" in n for m in report["mappings"] for n in m["notes"])
    assert [r["status"] for r in _runs(env)] == ["succeeded", "failed"]


def test_an_endpoint_that_cannot_be_reached_is_named_with_its_base_url(
    make_env: EnvFactory,
) -> None:
    env = make_env(accounts=[zuora_account(1)])
    down = f"http://127.0.0.1:{_closed_port()}"
    text = env.connections.read_text().replace(env.zuora.base_url, down)
    env.connections.write_text(text)

    result, report = env.sync()

    assert result.code == 3
    assert report["status"] == "failed"
    assert f"endpoint 'zuora' ({down})" in report["error"]
    assert "could not be reached" in report["error"]
    assert "cannot connect" in report["error"]
    _no_internal_names(result.out, result.err, report["error"])
    assert [r["status"] for r in _runs(env)] == ["failed"]
    assert env.writes == 0


def test_every_missing_secret_is_reported_at_once_and_the_report_is_written(
    make_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(accounts=[zuora_account(1)])
    for name in ("ZUORA_CLIENT_SECRET", "NETSUITE_CONSUMER_KEY", "NETSUITE_TOKEN_ID"):
        monkeypatch.delenv(name)

    result, report = env.sync()

    assert result.code == 3
    for name in ("ZUORA_CLIENT_SECRET", "NETSUITE_CONSUMER_KEY", "NETSUITE_TOKEN_ID"):
        assert f"environment variable {name} is not set" in result.err
        assert name in report["error"]
    assert str(env.connections) in result.err
    assert report["status"] == "failed"
    assert report["run_id"] is None  # no run started: the state file was not touched
    assert not env.state.exists()
    _no_internal_names(result.err)


def test_an_endpoint_that_goes_down_mid_run_fails_the_run_recorded_and_reported(
    make_env: EnvFactory,
) -> None:
    env = make_env(customers=[ns_customer(11)], customer_account_master="netsuite")
    # the credential check passes (a SuiteQL query); every record read then answers 503
    rule = {"kind": "503", "method": "GET", "path": "/services/rest/record/*", "times": None}
    httpx.post(env.netsuite.base_url + "/__ferry/faults", json=rule).raise_for_status()

    result, report = env.sync()

    assert result.code == 3
    assert report["status"] == "failed"
    assert f"endpoint 'netsuite' ({env.netsuite.base_url}" in report["error"]
    assert "is unavailable" in report["error"]
    _no_internal_names(result.out, result.err, report["error"])
    [run] = _runs(env)
    assert (run["status"], run["error"]) == ("failed", report["error"])
    assert env.writes == 0
