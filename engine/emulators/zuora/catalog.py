"""``GET /v1/describe/{Object}``: the emulated tenant's catalogs (``tenant.py``), as Zuora
writes them.

Why: ``ferry catalog pull`` reads the tenant's own fields (``Region__c``) from here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.check.catalog.wire import zuora_describe

from .codes import Category, Resource, ZuoraFault
from .tenant import TenantCatalog
from .web import JsonResponse


async def _describe(request: Request) -> Response:
    tenant: TenantCatalog = request.app.state.store.catalog
    name = str(request.path_params["object"]).lower()
    catalog = tenant.by_api_name.get(name)
    if catalog is None:
        shown = request.path_params["object"]
        fault = ZuoraFault(
            Resource.REQUEST, Category.NOT_FOUND, f"Object '{shown}' is not supported."
        )
        return JsonResponse(fault.body(), status_code=fault.status)
    return Response(zuora_describe(catalog), media_type="application/xml")


routes = [Route("/v1/describe/{object}", _describe, methods=["GET"])]
