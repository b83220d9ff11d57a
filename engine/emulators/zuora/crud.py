"""The CRUD (``/v1/object/{type}``) calls: catalog creation and field updates on any object.

CRUD speaks PascalCase (``Name``, ``ChargeModel``) and answers ``{"Success": true, "Id": ...}``;
the store keeps camelCase, so names are converted at this edge. Custom and connector fields
(``ItemType__NS``, ``IntegrationId__NS``) keep their API names. Unknown fields are ignored, as
Zuora documents, unless the caller passes ``rejectUnknownFields=true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import checks
from .accounts import update_account
from .checks import is_custom_field
from .codes import Category, CrudCode, CrudFault, Resource, ZuoraFault
from .store import Record, ZuoraStore, format_datetime, render
from .web import crud_endpoint, read_json

R = Resource.REQUEST
CHARGE_MODELS = (
    "Flat Fee Pricing",
    "Per Unit Pricing",
    "Overage Pricing",
    "Tiered Pricing",
    "Tiered with Overage Pricing",
    "Volume Pricing",
    "Discount-Fixed Amount",
    "Discount-Percentage",
    "Delivery Pricing",
    "Calculated",
    "MultiAttributePricing",
)
CHARGE_TYPES = ("OneTime", "Recurring", "Usage")
BILL_CYCLE_TYPES = (
    "DefaultFromCustomer",
    "SpecificDayofMonth",
    "SubscriptionStartDay",
    "ChargeTriggerDay",
    "SpecificDayofWeek",
)
BILLING_PERIODS = (
    "Month",
    "Quarter",
    "Annual",
    "Semi-Annual",
    "Specific Months",
    "Subscription Term",
    "Week",
    "Specific Weeks",
    "Specific Days",
)
TRIGGER_EVENTS = ("ContractEffective", "ServiceActivation", "CustomerAcceptance", "SpecificDate")
TTA_VALUES = ("Processing", "Yes", "No", "Error", "Ignore")


@dataclass(frozen=True)
class Field:
    """One CRUD field: its PascalCase name, how to check it, and whether create needs it."""

    name: str
    kind: str = "text"
    required: bool = False
    max_len: int = 255
    options: tuple[str, ...] = ()
    ref: str = ""
    updatable: bool = True


@dataclass(frozen=True)
class CrudType:
    collection: str
    fields: tuple[Field, ...]
    creatable: bool = False


_TRACKING = (Field("TransferredToAccounting", "choice", options=TTA_VALUES),)
TYPES: dict[str, CrudType] = {
    "product": CrudType(
        "products",
        (
            Field("Name", required=True, max_len=100),
            Field("EffectiveStartDate", "date", required=True),
            Field("EffectiveEndDate", "date", required=True),
            Field("SKU", max_len=50),
            Field("Description", max_len=500),
            Field(
                "Category",
                "choice",
                options=("Base Products", "Add On Services", "Miscellaneous Products"),
            ),
        ),
        creatable=True,
    ),
    "product-rate-plan": CrudType(
        "product_rate_plans",
        (
            Field("ProductId", "ref", required=True, ref="products", updatable=False),
            Field("Name", required=True, max_len=255),
            Field("Description", max_len=500),
            Field("EffectiveStartDate", "date"),
            Field("EffectiveEndDate", "date"),
        ),
        creatable=True,
    ),
    "product-rate-plan-charge": CrudType(
        "product_rate_plan_charges",
        (
            Field(
                "ProductRatePlanId", "ref", required=True, ref="product_rate_plans", updatable=False
            ),
            Field("Name", required=True, max_len=100),
            Field("ChargeModel", "choice", required=True, options=CHARGE_MODELS),
            Field("ChargeType", "choice", required=True, options=CHARGE_TYPES),
            Field("BillCycleType", "choice", required=True, options=BILL_CYCLE_TYPES),
            Field("BillingPeriod", "choice", required=True, options=BILLING_PERIODS),
            Field("TriggerEvent", "choice", required=True, options=TRIGGER_EVENTS),
            Field("UseDiscountSpecificAccountingCode", "bool", required=True),
            Field("ProductRatePlanChargeTierData", "tiers", required=True),
            Field("Description", max_len=500),
            Field("UOM", max_len=25),
            Field("AccountingCode", max_len=100),
            Field("DeferredRevenueAccount", max_len=100),
            Field("RecognizedRevenueAccount", max_len=100),
        ),
        creatable=True,
    ),
    "invoice": CrudType("invoices", _TRACKING),
    "payment": CrudType("payments", _TRACKING),
    "credit-memo": CrudType("credit_memos", _TRACKING),
    "refund": CrudType("refunds", _TRACKING),
}
_ACCOUNT_FIELDS = (
    "Name",
    "AccountNumber",
    "CrmId",
    "Batch",
    "Notes",
    "BillCycleDay",
    "PaymentTerm",
    "SalesRep",
    "ParentId",
)


def camel(name: str) -> str:
    if is_custom_field(name):
        return name
    return {"SKU": "sku", "UOM": "uom", "Id": "id"}.get(name, name[:1].lower() + name[1:])


def pascal(name: str) -> str:
    if is_custom_field(name):
        return name
    return {"sku": "SKU", "uom": "UOM", "id": "Id"}.get(name, name[:1].upper() + name[1:])


def _check(store: ZuoraStore, body: Record, spec: Field) -> Any:
    if spec.kind == "date":
        return checks.day(body, spec.name, R, required=spec.required)
    if spec.kind == "choice":
        return checks.choice(body, spec.name, R, spec.options, required=spec.required)
    if spec.kind == "bool":
        flag = checks.boolean(body, spec.name, R)
        if flag is None and spec.required:
            raise ZuoraFault(R, Category.MISSING_FIELD, f"'{spec.name}' is required.")
        return flag
    if spec.kind == "tiers":
        return _tiers(body.get(spec.name))
    value = checks.text(body, spec.name, R, required=spec.required, max_len=spec.max_len)
    if spec.kind == "ref" and value is not None and value not in store.table(spec.ref):
        raise ZuoraFault(R, Category.INVALID_VALUE, f"{spec.name} {value} does not exist.")
    return value


def _tiers(data: Any) -> list[Record]:
    tiers = data.get("ProductRatePlanChargeTier") if isinstance(data, dict) else None
    if not isinstance(tiers, list) or not tiers:
        raise ZuoraFault(
            R,
            Category.MISSING_FIELD,
            "'ProductRatePlanChargeTierData.ProductRatePlanChargeTier' is required.",
        )
    out = []
    for index, tier in enumerate(tiers, start=1):
        if not isinstance(tier, dict):
            raise ZuoraFault(R, Category.INVALID_VALUE, "A charge tier must be an object.")
        out.append(
            {
                "currency": checks.text(tier, "Currency", R, required=True, min_len=3, max_len=3),
                "price": checks.money(tier, "Price", R, required=True),
                "tier": tier.get("Tier", index),
                "startingUnit": checks.money(tier, "StartingUnit", R),
                "endingUnit": checks.money(tier, "EndingUnit", R),
                "priceFormat": tier.get("PriceFormat", "Flat Fee"),
            }
        )
    return out


def _values(store: ZuoraStore, kind: CrudType, body: Record, *, creating: bool) -> Record:
    values: Record = {}
    for spec in kind.fields:
        if spec.name not in body and not (creating and spec.required):
            continue
        if not creating and not spec.updatable:
            raise ZuoraFault(R, Category.INVALID_VALUE, f"{spec.name} cannot be changed.")
        value = _check(store, body, spec)
        values["_tiers" if spec.kind == "tiers" else camel(spec.name)] = value
    # catalog object names are the driver's: product_rate_plans -> product_rate_plan
    values.update(store.catalog.custom_values(kind.collection.removesuffix("s"), body, R))
    return values


def _unknown(kind_fields: tuple[str, ...], body: Record, request: Request) -> Record | None:
    if request.query_params.get("rejectUnknownFields", "").lower() != "true":
        return None
    known = set(kind_fields)
    if any(k not in known and not is_custom_field(k) for k in body):
        return {"message": "Error - unrecognised fields"}
    return None


def _kind(request: Request) -> tuple[str, CrudType | None]:
    name = request.path_params["type"]
    if name != "account" and name not in TYPES:
        raise CrudFault(CrudCode.INVALID_VALUE, f"Unsupported object type '{name}'.", status=404)
    return name, TYPES.get(name)


@crud_endpoint
async def _create(request: Request, store: ZuoraStore) -> Any:
    name, kind = _kind(request)
    if kind is None or not kind.creatable:
        raise CrudFault(CrudCode.INVALID_VALUE, f"Create is not supported for '{name}' here.")
    body = await read_json(request)
    refused = _unknown(tuple(f.name for f in kind.fields), body, request)
    if refused:
        return 400, refused
    values = _values(store, kind, body, creating=True)
    if kind.collection == "product_rate_plans":
        values.setdefault("status", "Active")
    record = store.insert(kind.collection, values)
    return {"Success": True, "Id": record["id"]}


@crud_endpoint
async def _update(request: Request, store: ZuoraStore) -> Any:
    _, kind = _kind(request)
    body = await read_json(request)
    record_id = request.path_params["id"]
    if kind is None:
        return _update_account(request, store, record_id, body)
    refused = _unknown(tuple(f.name for f in kind.fields), body, request)
    if refused:
        return 400, refused
    record = store.table(kind.collection).get(record_id)
    if record is None:
        raise CrudFault(CrudCode.INVALID_ID, f"invalid id {record_id}", status=404)
    store.check_contention(record_id, R)
    values = _values(store, kind, body, creating=False)
    if values:
        record.update(values)
        store.touch(record)
    return {"Success": True, "Id": record_id}


def _update_account(request: Request, store: ZuoraStore, record_id: str, body: Record) -> Any:
    refused = _unknown(_ACCOUNT_FIELDS, body, request)
    if refused:
        return 400, refused
    account = store.table("accounts").get(record_id)
    if account is None:
        raise CrudFault(CrudCode.INVALID_ID, f"invalid id {record_id}", status=404)
    known = {k: v for k, v in body.items() if k in _ACCOUNT_FIELDS or is_custom_field(k)}
    update_account(store, account, {camel(k): v for k, v in known.items()})
    return {"Success": True, "Id": record_id}


@crud_endpoint
async def _get(request: Request, store: ZuoraStore) -> Any:
    _, kind = _kind(request)
    collection = "accounts" if kind is None else kind.collection
    record = store.table(collection).get(request.path_params["id"])
    if record is None:
        raise CrudFault(CrudCode.INVALID_ID, f"invalid id {request.path_params['id']}", status=404)
    return crud_shape(record)


def crud_shape(record: Record) -> Record:
    """A stored record in CRUD casing; timestamps as ISO text."""
    out = {pascal(k): v for k, v in render(record, include_null=False).items()}
    for key in ("CreatedDate", "UpdatedDate"):
        if key in out and not isinstance(out[key], str):
            out[key] = format_datetime(out[key])
    return out


routes = [
    Route("/v1/object/{type}", _create, methods=["POST"]),
    Route("/v1/object/{type}/{id}", _update, methods=["PUT"]),
    Route("/v1/object/{type}/{id}", _get, methods=["GET"]),
]
