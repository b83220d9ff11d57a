"""Assemble the Zuora emulator: routes, auth, idempotency, headers and fault injection.

The returned object is a plain ASGI app whose ``state`` carries what tests reach for:
``state.store`` (the tenant's data), ``state.tokens`` (issued OAuth tokens), ``state.faults``
(the shared ``FaultPlan``), ``state.idempotency`` (stored first answers) and ``state.gate`` (the
concurrency gate, when a limit is set).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.emulators.credentials import DEFAULT_CLIENT_ID as DEFAULT_CLIENT_ID
from engine.emulators.credentials import DEFAULT_CLIENT_SECRET as DEFAULT_CLIENT_SECRET
from engine.emulators.faults import ConcurrencyGate, FaultPlan, with_faults
from engine.emulators.latency import with_latency

from . import accounts, auth, catalog, crud, invoices, ledger, objectquery, payments, tenant
from .codes import Category, Resource, ZuoraFault
from .middleware import Idempotency, ZuoraHeaders
from .store import Clock, ZuoraStore, system_clock


class ZuoraEmulator:
    """The ASGI app handed to the server; ``state`` exposes the emulator's insides to tests."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self._app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def create_app(
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    data_dir: Path | None = None,
    token_ttl: int = 3600,
    clock: Clock | None = None,
    concurrency_limit: int | None = None,
    faults: FaultPlan | None = None,
    custom_fields: Mapping[str, tuple[str, ...]] | None = None,
    latency_ms: float | None = None,
    jitter_ms: float | None = None,
) -> ZuoraEmulator:
    """Build an emulated Zuora tenant, seeded from ``data_dir`` when given.

    ``clock`` (returning aware datetimes) drives token expiry, ``updatedDate`` and the
    idempotency window, so tests can move time without sleeping. ``concurrency_limit`` answers
    requests beyond that many in flight with 429, ``Retry-After`` and the
    ``Concurrency-Limit-*`` headers, as Zuora's concurrency limits do. ``latency_ms`` (give or
    take ``jitter_ms``) delays every request while it holds its concurrency slot.
    ``custom_fields`` are the tenant's own fields per object (default
    ``tenant.DEFAULT_CUSTOM_FIELDS``): ``GET /v1/describe`` lists them and writes may use them.
    """
    now = clock or system_clock
    store = ZuoraStore(now)
    if custom_fields is not None:
        store.catalog = tenant.TenantCatalog(custom_fields)
    if data_dir is not None:
        store.load_dir(Path(data_dir))
        ledger.refresh_all(store)
    tokens = auth.TokenStore(client_id, client_secret, token_ttl, now)
    inner = Starlette(
        routes=[
            *auth.routes,
            *accounts.routes,
            *objectquery.routes,
            *crud.routes,
            *invoices.routes,
            *payments.routes,
            *catalog.routes,
        ]
    )
    inner.state.store = store
    inner.state.tokens = tokens
    idempotency = Idempotency(inner, now)
    stack = ZuoraHeaders(auth.BearerAuth(idempotency, tokens))
    limit_body = ZuoraFault(
        Resource.REQUEST, Category.CONCURRENCY_LIMIT, "The concurrency limit has been exceeded."
    ).body()
    outer = with_faults(
        with_latency(stack, latency_ms, jitter_ms),
        faults,
        concurrency_limit=concurrency_limit,
        limit_body=limit_body,
        limit_headers=_limit_headers(concurrency_limit),
    )
    inner.state.faults = outer.plan
    inner.state.idempotency = idempotency
    inner.state.gate = outer.gate if isinstance(outer.gate, ConcurrencyGate) else None
    return ZuoraEmulator(outer, inner.state)


def _limit_headers(limit: int | None) -> dict[str, str]:
    """What a concurrency refusal says about the limit (api-facts §1.1 names the headers;
    ``Default`` is the limit type of ordinary calls)."""
    if limit is None:
        return {}
    return {
        "Concurrency-Limit-Type": "Default",
        "Concurrency-Limit-Limit": str(limit),
        "Concurrency-Limit-Remaining": "0",
    }
