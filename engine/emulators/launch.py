"""Build either emulator from plain options: the one place the CLI, the demo and tests use.

Credentials default to the documented test values (``engine.emulators.credentials``), which
the emulators accept and nothing real does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.emulators import netsuite
from engine.emulators.credentials import SYSTEMS as SYSTEMS
from engine.emulators.credentials import TEST_NETSUITE as TEST_NETSUITE
from engine.emulators.credentials import TEST_ZUORA as TEST_ZUORA
from engine.emulators.credentials import NetSuiteCredentials as NetSuiteCredentials
from engine.emulators.credentials import ZuoraCredentials as ZuoraCredentials
from engine.emulators.zuora import app as zuora_app


def build(
    system: str,
    *,
    data: Path | None = None,
    zuora: ZuoraCredentials = TEST_ZUORA,
    ns: NetSuiteCredentials = TEST_NETSUITE,
    concurrency_limit: int | None = None,
    latency_ms: float | None = None,
    jitter_ms: float | None = None,
) -> Any:
    """An ASGI app emulating ``system`` (``zuora`` or ``netsuite``), seeded from ``data``.

    ``latency_ms`` (give or take ``jitter_ms``) delays every request; ``concurrency_limit``
    refuses requests beyond that many in flight with 429 (NetSuite always has one: 5 unless
    given).
    """
    if system == "zuora":
        return zuora_app.create_app(
            client_id=zuora.client_id,
            client_secret=zuora.client_secret,
            data_dir=data,
            concurrency_limit=concurrency_limit,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
        )
    if system == "netsuite":
        return netsuite.create_app(
            account=ns.account,
            consumer_key=ns.consumer_key,
            consumer_secret=ns.consumer_secret,
            token_id=ns.token_id,
            token_secret=ns.token_secret,
            data_dir=data,
            concurrency_limit=concurrency_limit or 5,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
        )
    raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
