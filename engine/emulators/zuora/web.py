"""Request and response plumbing shared by the emulator's route modules.

Bodies are read with ``jsonio.loads_exact`` so money stays ``Decimal`` and written with
``jsonio.dumps`` so it goes out exactly; every handler runs under the store lock and has its
``ZuoraFault``/``CrudFault`` turned into the matching envelope here, in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import jsonio

from .checks import is_custom_field
from .codes import Category, CrudFault, Resource, ZuoraFault, fault_to_crud
from .store import ZuoraStore


class JsonResponse(Response):
    """A JSON response written by the project codec (exact Decimals)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content)


async def read_json(request: Request, resource: Resource = Resource.REQUEST) -> dict[str, Any]:
    """The request body as a JSON object with exact decimals; a malformed body is error 90."""
    raw = await request.body()
    try:
        body = jsonio.loads_exact(raw) if raw.strip() else {}
    except ValueError as exc:
        raise ZuoraFault(resource, Category.MALFORMED_JSON, f"Malformed JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ZuoraFault(resource, Category.MALFORMED_JSON, "The request body must be an object.")
    return body


def store_of(request: Request) -> ZuoraStore:
    store: ZuoraStore = request.app.state.store
    return store


Endpoint = Callable[[Request, ZuoraStore], Awaitable[Any]]


def endpoint(fn: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """Run ``fn`` and turn its result or fault into a JSON response.

    ``fn`` returns a body (status 200) or a ``(status, body)`` pair. Mutations happen inside the
    store lock; the body is read before taking it so a slow client cannot hold the lock.
    """
    return _wrap(fn, crud=False)


def crud_endpoint(fn: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """As ``endpoint``, answering faults in the CRUD envelope (``Success``/``Errors``)."""
    return _wrap(fn, crud=True)


def _wrap(fn: Endpoint, *, crud: bool) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        await request.body()
        store = store_of(request)
        try:
            with store.lock:
                result = await fn(request, store)
        except ZuoraFault as fault:
            if crud:
                crud_fault = fault_to_crud(fault)
                return JsonResponse(crud_fault.body(), status_code=crud_fault.status)
            return JsonResponse(fault.body(), status_code=fault.status)
        except CrudFault as fault:
            return JsonResponse(fault.body(), status_code=fault.status)
        status, body = result if isinstance(result, tuple) else (200, result)
        return JsonResponse(body, status_code=status)

    return wrapper


def reject_unknown(body: dict[str, Any], allowed: frozenset[str], resource: Resource) -> None:
    """Refuse fields the endpoint does not know (custom ``__c``/``__NS`` fields always pass).

    Zuora's own behaviour for unknown REST fields is not documented; refusing is the stricter
    choice, so a typo in a mapping spec fails loudly instead of being dropped.
    """
    for key in body:
        if key not in allowed and not is_custom_field(key):
            raise ZuoraFault(resource, Category.UNKNOWN_FIELD, f"Unknown field '{key}'.")


def custom_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if is_custom_field(key)}
