"""Both emulators and a Connections file pointing at them: the embedded default deployment.

One place builds it for ``make demo``, the benchmarks and the end-to-end tests, so they all wire
endpoints, credentials and environment the same way. Emulators run in threads of this process
(``start``) or, where the work of the emulated service must not share this process's GIL, as
``ferry emulate`` subprocesses (``start(..., processes=True)``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from engine.emulators.launch import (
    TEST_NETSUITE,
    TEST_ZUORA,
    NetSuiteCredentials,
    ZuoraCredentials,
    build,
)
from engine.emulators.server import RunningServer, start_in_thread

ENV_NAMES = {
    "ZUORA_CLIENT_ID": ("zuora", "client_id"),
    "ZUORA_CLIENT_SECRET": ("zuora", "client_secret"),
    "NETSUITE_CONSUMER_KEY": ("netsuite", "consumer_key"),
    "NETSUITE_CONSUMER_SECRET": ("netsuite", "consumer_secret"),
    "NETSUITE_TOKEN_ID": ("netsuite", "token_id"),
    "NETSUITE_TOKEN_SECRET": ("netsuite", "token_secret"),
}
"""Environment variables the generated Connections file references, and what each holds."""


def connections_yaml(
    zuora_url: str, netsuite_url: str, account: str, *, concurrency: int = 5
) -> str:
    """A Connections document for the two endpoints; secrets are ``${env:...}`` references."""
    return f"""# The local emulators' endpoints; secrets come from the environment.
apiVersion: ferry/v1
kind: Connections
metadata: {{name: emulators}}
endpoints:
  zuora:
    driver: zuora
    options:
      base_url: "{zuora_url}"
      client_id: "${{env:ZUORA_CLIENT_ID}}"
      client_secret: "${{env:ZUORA_CLIENT_SECRET}}"
  netsuite:
    driver: netsuite
    options:
      base_url: "{netsuite_url}"
      account: "{account}"
      consumer_key: "${{env:NETSUITE_CONSUMER_KEY}}"
      consumer_secret: "${{env:NETSUITE_CONSUMER_SECRET}}"
      token_id: "${{env:NETSUITE_TOKEN_ID}}"
      token_secret: "${{env:NETSUITE_TOKEN_SECRET}}"
      concurrency: {concurrency}
"""


def credentials_env(zuora: ZuoraCredentials, netsuite: NetSuiteCredentials) -> dict[str, str]:
    """The environment the Connections file's references resolve against."""
    sources: dict[str, Any] = {"zuora": zuora, "netsuite": netsuite}
    return {name: getattr(sources[system], attr) for name, (system, attr) in ENV_NAMES.items()}


class EmulatorProcess:
    """An emulator served by a ``ferry emulate`` subprocess."""

    def __init__(self, system: str, data: Path | None, extra: list[str]) -> None:
        ferry = Path(sys.executable).parent / "ferry"
        command = [str(ferry), "emulate", system, "--port", "0", *extra]
        if data is not None:
            command += ["--data", str(data)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "ready at" not in line:
            self.process.kill()
            raise RuntimeError(f"{system} emulator did not start: {line!r}")
        self.base_url = line.rsplit(" ", 1)[-1].strip()

    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used (Linux ``/proc``), to tell how much of a run
        the emulated service itself cost."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class EmulatorStack:
    """Both emulators, their credentials, and the Connections file for them."""

    zuora: RunningServer | EmulatorProcess
    netsuite: RunningServer | EmulatorProcess
    connections: Path
    env: dict[str, str] = field(default_factory=dict)

    def requests(self, *, reset: bool = True) -> dict[str, int]:
        """Requests each emulator served (``/__ferry/stats``), optionally resetting the count."""
        return {name: int(stats["total"]) for name, stats in self.stats(reset=reset).items()}

    def stats(self, *, reset: bool = True) -> dict[str, dict[str, Any]]:
        """Each emulator's whole ``/__ferry/stats`` (requests, writes, ``peak_in_flight``,
        ``refused_429``), optionally resetting them."""
        call = httpx.delete if reset else httpx.get
        return {
            name: dict(call(server.base_url + "/__ferry/stats").json())
            for name, server in (("zuora", self.zuora), ("netsuite", self.netsuite))
        }

    def stop(self) -> None:
        self.zuora.stop()
        self.netsuite.stop()


def start(
    work: Path,
    *,
    zuora_data: Path | None = None,
    netsuite_data: Path | None = None,
    processes: bool = False,
    concurrency: int = 5,
    client_concurrency: int | None = None,
    netsuite_latency: Delay | None = None,
    zuora_latency: Delay | None = None,
    zuora_concurrency: int | None = None,
    zuora: ZuoraCredentials = TEST_ZUORA,
    netsuite: NetSuiteCredentials = TEST_NETSUITE,
) -> EmulatorStack:
    """Start both emulators and write ``work/connections.yaml``; the caller exports ``env``.

    ``concurrency`` is NetSuite's limit, and the Connections file's unless ``client_concurrency``
    says otherwise (a client configured above the server's limit meets its 429s);
    ``zuora_concurrency`` limits Zuora (default: no limit). The latencies delay every request.
    """
    z: RunningServer | EmulatorProcess
    n: RunningServer | EmulatorProcess
    z_opts: dict[str, Any] = {"concurrency_limit": zuora_concurrency, **_delay(zuora_latency)}
    n_opts: dict[str, Any] = {"concurrency_limit": concurrency, **_delay(netsuite_latency)}
    if processes:
        z = EmulatorProcess("zuora", zuora_data, _flags(z_opts))
        n = EmulatorProcess("netsuite", netsuite_data, _flags(n_opts))
    else:
        z = start_in_thread(build("zuora", data=zuora_data, zuora=zuora, **z_opts))
        n = start_in_thread(build("netsuite", data=netsuite_data, ns=netsuite, **n_opts))
    connections = work / "connections.yaml"
    configured = client_concurrency if client_concurrency is not None else concurrency
    connections.write_text(
        connections_yaml(z.base_url, n.base_url, netsuite.account, concurrency=configured)
    )
    return EmulatorStack(z, n, connections, credentials_env(zuora, netsuite))


@dataclass(frozen=True)
class Delay:
    """How long an emulator takes per request: ``ms``, give or take up to ``jitter_ms``."""

    ms: float
    jitter_ms: float = 0.0


def _delay(latency: Delay | None) -> dict[str, float]:
    return {} if latency is None else {"latency_ms": latency.ms, "jitter_ms": latency.jitter_ms}


def _flags(options: dict[str, Any]) -> list[str]:
    """``build`` options as ``ferry emulate`` flags (``latency_ms`` -> ``--latency-ms``)."""
    return [
        arg
        for name, value in options.items()
        if value is not None
        for arg in ("--" + name.replace("_", "-"), f"{value:g}")
    ]


@contextmanager
def running(work: Path, **options: Any) -> Iterator[EmulatorStack]:
    """``start`` with the credentials exported to this process's environment meanwhile."""
    stack = start(work, **options)
    saved = {name: os.environ.get(name) for name in stack.env}
    os.environ.update(stack.env)
    try:
        yield stack
    finally:
        stack.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
