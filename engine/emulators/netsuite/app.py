"""The HTTP surface of the NetSuite emulator: routes, TBA on every call, nsError on every failure.

Why handlers are thin: each one reads the request, calls ``writes``/``render``/``suiteql`` and
answers with the status and headers NetSuite uses (204 + ``Location`` for a create, 204 for an
update). The shared fault middleware and the concurrency gate wrap the whole app, so governance
(429 beyond ``concurrency_limit`` requests in flight) and injected faults look the same to a
client as they would from the real service.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import jsonio
from engine.emulators.faults import ConcurrencyGate, FaultMiddleware
from engine.emulators.latency import with_latency
from engine.emulators.netsuite import writes
from engine.emulators.netsuite.auth import TbaVerifier, received_url
from engine.emulators.netsuite.metadata import metadata_catalog
from engine.emulators.netsuite.nserror import Detail, NsError, bad_content, bad_param
from engine.emulators.netsuite.render import Renderer, envelope, paging
from engine.emulators.netsuite.schema import Kind, RecordType
from engine.emulators.netsuite.store import Store
from engine.emulators.netsuite.suiteql import SuiteQLError, parse
from engine.emulators.netsuite.suiteql_run import run
from engine.emulators.netsuite.validate import normalise

log = logging.getLogger(__name__)

REST = "/services/rest"
SINGLE = "application/vnd.oracle.resource+json; type=singular-resource"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
LIMIT_BODY = NsError.one(
    429,
    "CONCURRENCY_LIMIT_EXCEEDED",
    "The request could not be processed because the concurrency limit for the account was "
    "exceeded. (Emulator: the error code is unverified.)",
).body()
_NAME_VALIDATION = {"error", "warning", "ignore"}
_COLLECTIONS = (Kind.SUBLIST, Kind.MULTI)


@dataclass
class Call:
    """One authenticated request, with what every handler needs."""

    request: Request
    store: Store
    body: bytes
    base: str

    @property
    def params(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def renderer(self) -> Renderer:
        expand = self.params.get("expandSubResources", "false").lower() == "true"
        return Renderer(self.store, self.base, expand=expand)

    def json(self) -> Any:
        try:
            return jsonio.loads_exact(self.body or b"null")
        except ValueError:
            raise bad_content("The request body is not valid JSON.") from None

    def reject_unknown(self) -> bool:
        mode = self.request.headers.get("X-NetSuite-PropertyNameValidation", "Warning").lower()
        if mode not in _NAME_VALIDATION:
            raise NsError(
                400,
                [
                    Detail(
                        "Invalid value for header X-NetSuite-PropertyNameValidation.",
                        "INVALID_HEADER",
                        None,
                        {"o:errorHeader": "X-NetSuite-PropertyNameValidation"},
                    )
                ],
            )
        return mode == "error"


Handler = Callable[[Call], Awaitable[Response]]


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate, then run ``handler``; every failure becomes an nsError response."""

    async def wrapped(request: Request) -> Response:
        state = request.app.state
        body = await request.body()
        host = request.headers.get("host", "localhost")
        try:
            state.verifier.verify(
                request.method, received_url(request.scope, host), request.headers, body
            )
            scheme = request.scope.get("scheme", "http")
            return await handler(Call(request, state.store, body, f"{scheme}://{host}{REST}"))
        except NsError as exc:
            return exc.response()
        except Exception:
            log.exception("NetSuite emulator failed on %s %s", request.method, request.url.path)
            return NsError.one(500, "UNEXPECTED_ERROR", "An unexpected error occurred.").response()

    return wrapped


def _method_not_allowed(call: Call) -> NsError:
    return NsError.one(
        405,
        "METHOD_NOT_ALLOWED",
        f"The method {call.request.method} is not allowed on this resource.",
    )


def _empty(location: str | None = None) -> Response:
    return Response(status_code=204, headers={"Location": location} if location else None)


def _json(payload: Any, media: str = SINGLE) -> Response:
    return Response(jsonio.dumps(payload), media_type=media)


# -- records ---------------------------------------------------------------------------------------
@endpoint
async def record_collection(call: Call) -> Response:
    rtype = call.store.rtype(call.request.path_params["rtype"])
    if call.request.method == "POST":
        changes = normalise(
            call.store, rtype.fields, call.json(), reject_unknown=call.reject_unknown()
        )
        record = writes.create(call.store, rtype, changes)
        return _empty(call.renderer().href(rtype.name, record["id"]))
    if call.request.method != "GET":
        raise _method_not_allowed(call)
    if "q" in call.params:
        raise bad_param(
            "q", "The emulator does not support the 'q' filter on record collections; use SuiteQL."
        )
    limit, offset = paging(call.params)
    with call.store.lock:
        ids = list(call.store.records[rtype.name])
    renderer = call.renderer()
    items = [
        {"links": [{"rel": "self", "href": renderer.href(rtype.name, i)}], "id": i}
        for i in ids[offset : offset + limit]
    ]
    url = f"{call.base}/record/v1/{rtype.name}?limit={limit}&offset={{}}"
    return _json(
        envelope(items, total=len(ids), limit=limit, offset=offset, url=url.format), COLLECTION
    )


@endpoint
async def record_instance(call: Call) -> Response:
    store, method = call.store, call.request.method
    rtype = store.rtype(call.request.path_params["rtype"])
    key = call.request.path_params["key"]
    if method == "GET":
        with store.lock:
            return _json(call.renderer().record(rtype, store.get(rtype, key)))
    if method == "PATCH":
        record_id = store.get(rtype, key)["id"]
        changes = normalise(store, rtype.fields, call.json(), reject_unknown=call.reject_unknown())
        writes.update(store, rtype, record_id, changes, _replace(call, rtype))
        return _empty()
    if method == "PUT":
        return _upsert(call, rtype, key)
    if method == "DELETE":
        with store.lock:
            store.delete(rtype, store.get(rtype, key)["id"])
        return _empty()
    raise _method_not_allowed(call)


def _upsert(call: Call, rtype: RecordType, key: str) -> Response:
    if not key.startswith("eid:") or len(key) == 4:
        raise NsError.one(
            400,
            "INVALID_PARAMETER",
            "PUT (upsert) needs an external ID in the URL: .../record/v1/<type>/eid:<externalId>.",
        )
    changes = normalise(call.store, rtype.fields, call.json(), reject_unknown=call.reject_unknown())
    record, _ = writes.upsert(call.store, rtype, key[4:], changes, _replace(call, rtype))
    return _empty(call.renderer().href(rtype.name, record["id"]))


def _replace(call: Call, rtype: RecordType) -> frozenset[str]:
    names = {n.strip() for n in call.params.get("replace", "").split(",") if n.strip()}
    unknown = [
        n for n in names if n not in rtype.fields or rtype.fields[n].kind not in _COLLECTIONS
    ]
    if unknown:
        raise bad_param("replace", f"Invalid sublist name(s) in 'replace': {', '.join(unknown)}.")
    return frozenset(names)


@endpoint
async def record_sublist(call: Call) -> Response:
    if call.request.method != "GET":
        raise _method_not_allowed(call)
    rtype = call.store.rtype(call.request.path_params["rtype"])
    name = call.request.path_params["sublist"]
    spec = rtype.fields.get(name)
    if spec is None or spec.kind not in (Kind.SUBLIST, Kind.MULTI):
        raise NsError.one(404, "NONEXISTENT_ID", f"The sub-resource '{name}' does not exist.")
    with call.store.lock:
        record = call.store.get(rtype, call.request.path_params["key"])
        return _json(call.renderer().sublist(rtype, record, name), COLLECTION)


# -- SuiteQL -----------------------------------------------------------------------------------
@endpoint
async def suiteql(call: Call) -> Response:
    if call.request.method != "POST":
        raise _method_not_allowed(call)
    if call.request.headers.get("Prefer", "").lower() != "transient":
        raise NsError(
            400,
            [
                Detail(
                    "SuiteQL requests need the header 'Prefer: transient'.",
                    "INVALID_HEADER",
                    None,
                    {"o:errorHeader": "Prefer"},
                )
            ],
        )
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("q"), str):
        raise bad_content('The request body must be {"q": "<SuiteQL query>"}.')
    limit, offset = paging(call.params)
    try:
        rows = run(call.store, parse(body["q"]))
    except SuiteQLError as exc:
        raise NsError.one(
            400,
            "INVALID_PARAMETER",
            "Invalid search query. Detailed unprocessed "
            f"description follows. Search error occurred: {exc}.",
        ) from None
    url = f"{call.base}/query/v1/suiteql?limit={limit}&offset={{}}"
    return _json(
        envelope(
            rows[offset : offset + limit],
            total=len(rows),
            limit=limit,
            offset=offset,
            url=url.format,
        ),
        COLLECTION,
    )


async def autonumber_settings(request: Request) -> Response:
    """Emulator extra (not a NetSuite endpoint): the auto-numbering settings, read-only."""
    if request.method != "GET":
        return Response(status_code=405, headers={"Allow": "GET"})
    return _json(request.app.state.store.autonumber_json(), "application/json")


ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ROUTES = [
    Route(REST + "/record/v1/metadata-catalog", endpoint(metadata_catalog), methods=ALL),
    Route(REST + "/record/v1/metadata-catalog/{rtype}", endpoint(metadata_catalog), methods=ALL),
    Route(REST + "/record/v1/{rtype}", record_collection, methods=ALL),
    Route(REST + "/record/v1/{rtype}/{key}", record_instance, methods=ALL),
    Route(REST + "/record/v1/{rtype}/{key}/{sublist}", record_sublist, methods=ALL),
    Route(REST + "/query/v1/suiteql", suiteql, methods=ALL),
    Route("/__ferry/autonumber", autonumber_settings, methods=ALL),
]


class NetSuiteEmulator(FaultMiddleware):
    """The served ASGI app: fault injection outermost, then governance, latency, the routes.

    ``state`` is the inner Starlette app's state (``store``, ``verifier``); ``plan`` holds the
    injected faults and ``gate`` the concurrency gate (``peak``, ``rejected``).
    """

    def __init__(
        self,
        store: Store,
        verifier: TbaVerifier,
        *,
        concurrency_limit: int,
        latency_ms: float | None = None,
        jitter_ms: float | None = None,
    ) -> None:
        self.routes_app = Starlette(routes=ROUTES)
        self.routes_app.state.store = store
        self.routes_app.state.verifier = verifier
        slow = with_latency(self.routes_app, latency_ms, jitter_ms)
        gate = ConcurrencyGate(slow, concurrency_limit, body=LIMIT_BODY, retry_after=None)
        super().__init__(gate)

    @property
    def state(self) -> State:
        return self.routes_app.state

    @property
    def store(self) -> Store:
        store: Store = self.routes_app.state.store
        return store
