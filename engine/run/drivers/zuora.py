"""The Zuora endpoint: accounts, catalog and billing documents over REST v1 and Object Query.

Reads go through Object Query (cursor paging, ``updateddate.GE`` + ``updateddate.ASC``) because
it is the one synchronous listing that filters on updated time and returns the camelCase
"Expanded" shapes specs address. Writes use the documented calls: ``/v1/accounts`` for accounts,
the transaction calls for creates, and CRUD ``PUT /v1/object/{type}/{id}`` for connector tracking
fields on everything else. Zuora reports business errors in the body, often with HTTP 200, so the
classification hook reads every envelope (``success: false`` + ``reasons``, or CRUD
``Success: false`` + ``Errors``) and maps its category digits to ``engine.errors`` classes.

Creates are sent once: with an ``Idempotency-Key`` a resend after an ``AmbiguousWriteError``
replays the first answer, but the resend is the caller's decision (it records the attempt first),
so the driver never retries an ambiguous create on its own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import msgspec

from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    DriverError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    ResponseError,
    TransientError,
)
from engine.run.drivers import limits
from engine.run.drivers.base import Capabilities, Page, Record, SourceRecord, WriteResult
from engine.run.drivers.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    RESPONSE_LIMIT_OPTION,
    HttpEndpoint,
    decode_json,
    parse_retry_after,
)
from engine.run.drivers.paging import MAX_PAGES, PageGuard, unreadable_row
from engine.run.drivers.zuora_auth import TOKEN_PATH, ZuoraOAuth
from engine.run.secrets import Secret

MAX_PAGE_SIZE = 50


class ZuoraObject(msgspec.Struct, frozen=True):
    """Where one object lives: its Object Query name, expansions, and write calls."""

    query: str
    expand: tuple[str, ...] = ()
    create_path: str | None = None
    crud: str | None = None
    # (name in write bodies, name in Object Query rows) of nested records: an account is
    # written with ``billToContact`` but read with the ``billTo`` expansion
    written_as: tuple[tuple[str, str], ...] = ()


OBJECTS: dict[str, ZuoraObject] = {
    "account": ZuoraObject(
        "accounts",
        ("billTo", "soldTo"),
        "/v1/accounts",
        written_as=(("billToContact", "billTo"), ("soldToContact", "soldTo")),
    ),
    "product": ZuoraObject("products", (), "/v1/object/product", "product"),
    "product_rate_plan": ZuoraObject(
        "product-rate-plans", (), "/v1/object/product-rate-plan", "product-rate-plan"
    ),
    "product_rate_plan_charge": ZuoraObject(
        "product-rate-plan-charges",
        (),
        "/v1/object/product-rate-plan-charge",
        "product-rate-plan-charge",
    ),
    "invoice": ZuoraObject("invoices", ("invoiceItems",), "/v1/invoices", "invoice"),
    "payment": ZuoraObject("payments", ("paymentApplications",), "/v1/payments", "payment"),
    "credit_memo": ZuoraObject(
        "credit-memos", ("creditMemoItems",), "/v1/credit-memos", "credit-memo"
    ),
    "refund": ZuoraObject("refunds", (), None, "refund"),
}

# Category digits (the last two of a reason code) that mean "try again later".
_TRANSIENT = {50, 61, 99}
_RATE_LIMITED = {70}
_AMBIGUOUS = {60}
_NOT_FOUND = {40}
_AUTH = {10, 11}
_CRUD_TRANSIENT = {"LOCK_COMPETITION", "TEMPORARY_ERROR", "SERVER_UNAVAILABLE", "UNKNOWN_ERROR"}
_CRUD_AUTH = {"INVALID_SESSION", "INVALID_LOGIN", "API_DISABLED", "NO_PERMISSION"}
_FAILED = re.compile(rb'"[sS]uccess"\s*:\s*false')
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def classify(response: httpx.Response) -> DriverError | None:
    """Map Zuora's error envelopes, on any status, to error classes; None lets status decide.

    A write answered 2xx must also say ``success: true`` (``_unconfirmed``). A 409 is left to the
    status: Zuora sends it while a request with the same ``Idempotency-Key`` is still in progress,
    so resending (with the same key) is the remedy."""
    if response.status_code == 409:
        return None
    write = _is_write(response) and response.status_code < 300
    if response.status_code < 400 and not write and not _FAILED.search(response.content):
        return None
    try:
        body = decode_json(response)
    except DriverError:
        body = None
    if isinstance(body, dict) and body.get("success") is False:
        return _from_reasons(body.get("reasons") or [], response)
    if isinstance(body, dict) and body.get("Success") is False:
        return _from_crud(body.get("Errors") or [])
    return _unconfirmed(body, response) if write else None


def _is_write(response: httpx.Response) -> bool:
    try:
        return response.request.method in _WRITE_METHODS
    except RuntimeError:  # a response built without its request
        return False


def _unconfirmed(body: Any, response: httpx.Response) -> DriverError | None:
    """Zuora answers business errors with HTTP 200 (api-facts §1.6): a 2xx write is done only
    when the body says ``success: true`` (CRUD: ``Success: true``). Reasons without it are
    classified like a refusal; no word at all leaves the outcome unknown (a create is then
    looked up before anything is resent; an update, idempotent, is sent again)."""
    if isinstance(body, dict) and (body.get("success") is True or body.get("Success") is True):
        return None
    reasons = body.get("reasons") if isinstance(body, dict) else None
    if isinstance(reasons, list) and reasons:
        return _from_reasons(reasons, response)
    said = f"'success': {body.get('success')!r}" if isinstance(body, dict) else "no JSON object"
    return AmbiguousWriteError(
        f"answered HTTP {response.status_code} without 'success': true ({said}); "
        "the write may not have been applied"
    )


def _from_reasons(reasons: list[Any], response: httpx.Response) -> DriverError:
    details = [r for r in reasons if isinstance(r, dict)]
    text = "; ".join(f"{r.get('code')}: {r.get('message')}" for r in details) or "failed"
    category = _category(details[0].get("code")) if details else 0
    if category in _RATE_LIMITED:
        return RateLimitedError(text, retry_after=parse_retry_after(response), details=details)
    kind: type[DriverError] = RejectedError
    if category in _TRANSIENT:
        kind = TransientError
    elif category in _AMBIGUOUS:
        kind = AmbiguousWriteError
    elif category in _NOT_FOUND:
        kind = NotFoundError
    elif category in _AUTH:
        kind = AuthError
    return kind(text, details=details)


def _category(code: Any) -> int:
    """The last two digits of a reason code (documented as an integer, typed as a string)."""
    text = str(code).strip()
    return int(text[-2:]) if text[-2:].isdigit() else 0


def _from_crud(errors: list[Any]) -> DriverError:
    details = [
        {"code": e.get("Code"), "message": e.get("Message")} for e in errors if isinstance(e, dict)
    ]
    text = "; ".join(f"{d['code']}: {d['message']}" for d in details) or "failed"
    codes = {str(d["code"]) for d in details}
    if codes & _CRUD_TRANSIENT:
        return TransientError(text, details=details)
    if codes & _CRUD_AUTH:
        return AuthError(text, details=details)
    if "INVALID_ID" in codes:
        return NotFoundError(text, details=details)
    return RejectedError(text, details=details)


def _when(text: Any) -> datetime:
    """``updatedDate`` as an aware UTC datetime (Zuora may send an offset or ``Z``)."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _since_filter(since: datetime) -> str:
    moment = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return f"updateddate.GE:{stamp}"


def _filter_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pascal(payload: Mapping[str, Any]) -> dict[str, Any]:
    """CRUD field names: ``transferredToAccounting`` -> ``TransferredToAccounting``; custom
    fields (``IntegrationId__NS``) keep their API names."""
    return {(k if "__" in k else k[:1].upper() + k[1:]): v for k, v in payload.items()}


class ZuoraDriver:
    """``engine.run.drivers.base.Driver`` for Zuora (see the module docstring for the calls
    used)."""

    options_schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["base_url", "client_id", "client_secret"],
        "properties": {
            "base_url": {
                "type": "string",
                "description": "REST host, without /v1 (sandbox, production, or an emulator).",
                "examples": ["https://rest.apisandbox.zuora.com", "http://127.0.0.1:8701"],
            },
            "client_id": {
                "type": "string",
                "description": "OAuth client id of an API user.",
                "examples": ["${env:ZUORA_CLIENT_ID}"],
            },
            "client_secret": {
                "type": "string",
                "description": "OAuth client secret: a ${env:...} or ${file:...} reference.",
                "examples": ["${env:ZUORA_CLIENT_SECRET}"],
            },
            "timeout": {
                "type": "number",
                "exclusiveMinimum": 0,
                "default": 30,
                "description": "Seconds to wait for each response.",
            },
            "concurrency": {
                "type": "integer",
                "minimum": 1,
                "maximum": 200,
                "default": 40,
                "description": "Requests in flight at once: Zuora's Default concurrency limit "
                "is 40 per tenant (High-volume 200), shared with every integration. Lowered "
                "on 429 and raised again after successes, never above this.",
            },
            "page_size": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": MAX_PAGE_SIZE,
                "description": "Object Query page size (Zuora allows 1 to 50).",
            },
            "max_pages": {
                "type": "integer",
                "minimum": 1,
                "default": MAX_PAGES,
                "description": "Pages one Object Query listing may take before it is called "
                "endless and stopped with an error naming the URL and page.",
            },
            "max_response_bytes": RESPONSE_LIMIT_OPTION,
        },
    }
    secret_options: ClassVar[tuple[str, ...]] = ("client_secret",)

    def __init__(
        self,
        *,
        name: str,
        options: dict[str, Any],
        client: httpx.Client | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.name = name
        base_url = str(options["base_url"]).rstrip("/")
        secret = options["client_secret"]
        self.auth = auth or ZuoraOAuth(
            token_url=base_url + TOKEN_PATH,
            client_id=str(options["client_id"]),
            client_secret=secret if isinstance(secret, Secret) else str(secret),
        )
        self.page_size = int(options.get("page_size", MAX_PAGE_SIZE))
        self.max_pages = int(options.get("max_pages", MAX_PAGES))
        self.capabilities = Capabilities(
            upsert_external_id=False,
            idempotency_keys=True,
            find_many=True,
            objects=tuple(OBJECTS),
            field_limits=limits.ZUORA,
        )
        self.concurrency = int(options.get("concurrency", 40))  # write-backs size their pool by it
        self.http = HttpEndpoint(
            name,
            base_url,
            auth=self.auth,
            classify=classify,
            concurrency=self.concurrency,
            timeout=float(options.get("timeout", 30)),
            client=client,
            headers={"Accept": "application/json"},
            max_response_bytes=int(options.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)),
        )

    def __repr__(self) -> str:
        return f"ZuoraDriver({self.name!r}, {self.http.base_url!r})"

    @property
    def base_url(self) -> str:
        """Where the endpoint's REST API is (error messages name it)."""
        return self.http.base_url

    def check_credentials(self) -> None:
        """A token grant and one authenticated metadata read (``GET /v1/describe/Account``):
        raises ``AuthError`` for refused credentials and ``TransientError`` for a tenant that
        cannot be reached. Metadata, not a listing, so the check never reads (or consumes) a
        page of the data the run is about to read."""
        self.http.request(
            "GET",
            "/v1/describe/Account",
            operation="check credentials",
            idempotent=True,
            headers={"Accept": "application/xml"},
        )

    # -- reads -----------------------------------------------------------------------------

    def read_changed(
        self, obj: str, since: datetime | None, *, page_size: int | None = None
    ) -> Iterator[Page]:
        """Object Query pages of records updated at or after ``since``, oldest first; a row that
        cannot be read comes as a record with a ``problem`` (``drivers.paging``)."""
        spec = _object(obj)
        size = min(page_size or self.page_size, MAX_PAGE_SIZE)
        filters = [] if since is None else [_since_filter(since)]
        guard = self._guard(spec)
        cursor: str | None = None
        while True:
            rows, cursor = self._page(spec, filters, size, cursor, guard, sort="updateddate.ASC")
            yield Page([self._source(spec, row, size, guard) for row in rows], cursor)
            if cursor is None:
                return

    def get(self, obj: str, record_id: str) -> Record | None:
        spec = _object(obj)
        params = {"pageSize": MAX_PAGE_SIZE, "expand[]": list(spec.expand)}
        path = f"/object-query/{spec.query}/{record_id}"
        try:
            row = self.http.request_json(
                "GET", path, operation=f"get {obj}", idempotent=True, params=params
            )
        except NotFoundError:
            return None
        if not isinstance(row, dict):
            raise ResponseError(
                f"{self.http.url(path)} answered with {type(row).__name__}, not a record",
                endpoint=self.name,
                operation=f"get {obj}",
            )
        return self._destination_view(spec, row)

    def find(self, obj: str, key: Mapping[str, Any]) -> list[Record]:
        """Records whose fields equal every value in ``key`` (Object Query ``EQ`` filters)."""
        spec = _object(obj)
        filters = [f"{field}.EQ:{_filter_value(value)}" for field, value in key.items()]
        rows = self._rows(spec, filters)
        return [self._destination_view(spec, row) for row in rows]

    def find_many(self, obj: str, field: str, values: Sequence[Any]) -> list[Record]:
        """Records whose ``field`` is any of ``values`` (Object Query ``IN`` filters, 50 values
        per query)."""
        spec = _object(obj)
        unique = list(dict.fromkeys(v for v in values if v is not None))
        rows: list[Record] = []
        for start in range(0, len(unique), MAX_PAGE_SIZE):
            chunk = ",".join(_filter_value(v) for v in unique[start : start + MAX_PAGE_SIZE])
            for row in self._rows(spec, [f"{field}.IN:[{chunk}]"]):
                rows.append(self._destination_view(spec, row))
        return rows

    def _page(
        self,
        spec: ZuoraObject,
        filters: list[str],
        size: int,
        cursor: str | None,
        guard: PageGuard,
        sort: str | None = None,
    ) -> tuple[list[Any], str | None]:
        """One page's rows and the next page's cursor, the envelope checked; ``guard`` counts
        the page and stops a listing that would never end."""
        params: dict[str, Any] = {"pageSize": size}
        if filters:
            params["filter[]"] = filters
        if sort:
            params["sort[]"] = sort
        if spec.expand:
            params["expand[]"] = list(spec.expand)
        if cursor:
            params["cursor"] = cursor
        body = self.http.request_json(
            "GET",
            f"/object-query/{spec.query}",
            operation=f"query {spec.query}",
            idempotent=True,
            params=params,
        )
        rows = body.get("data", []) if isinstance(body, dict) else None
        following = body.get("nextPage") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise guard.error("the answer has no 'data' list")
        if following is not None and not isinstance(following, str):
            raise guard.error(f"'nextPage' is {type(following).__name__}, not a cursor")
        guard.turn(len(rows), following or None)
        return rows, following or None

    def _guard(self, spec: ZuoraObject) -> PageGuard:
        url = functools.partial(self.http.url, f"/object-query/{spec.query}")
        return PageGuard(self.name, f"query {spec.query}", url, max_pages=self.max_pages)

    def _source(self, spec: ZuoraObject, row: Any, size: int, guard: PageGuard) -> SourceRecord:
        """A listed row as a record; a row that cannot be one carries its ``problem``."""
        if not isinstance(row, dict):
            problem = f"a row of {guard.where()} is {type(row).__name__}, not an object"
            return unreadable_row(row, problem)
        record_id = row.get("id")
        if not isinstance(record_id, str | int) or isinstance(record_id, bool) or record_id == "":
            return unreadable_row(row, f"a row of {guard.where()} has no 'id'")
        try:
            updated = _when(row["updatedDate"])
        except (KeyError, ValueError, TypeError):
            problem = f"{record_id}: 'updatedDate' {row.get('updatedDate')!r} is not a date-time"
            return unreadable_row(row, problem, str(record_id))
        return SourceRecord(str(record_id), updated, self._complete(spec, row, size))

    def _destination_view(self, spec: ZuoraObject, row: Record) -> Record:
        """A record as a destination: complete, and with nested records also under the names
        writes use, so an update compares ``billToContact`` with what the account holds
        instead of resending it (and ``ferry plan`` shows its real before-value)."""
        record = self._complete(spec, row, MAX_PAGE_SIZE)
        for written, read in spec.written_as:
            if read in record and written not in record:
                record[written] = record[read]
        return record

    def _complete(self, spec: ZuoraObject, row: Record, size: int) -> Record:
        """Refetch invoice items when the expansion may have been cut at the page size."""
        items = row.get("invoiceItems")
        if spec.query == "invoices" and isinstance(items, list) and len(items) >= size:
            items_spec = ZuoraObject("invoice-items")
            row["invoiceItems"] = self._rows(items_spec, [f"invoiceId.EQ:{row['id']}"])
        return row

    def _rows(self, spec: ZuoraObject, filters: list[str]) -> list[Record]:
        """Every row matching ``filters``, across all pages; a row that is not an object is an
        error here (a lookup cannot tell what it missed)."""
        rows: list[Record] = []
        guard = self._guard(spec)
        cursor: str | None = None
        while True:
            page, cursor = self._page(spec, filters, MAX_PAGE_SIZE, cursor, guard)
            for row in page:
                if not isinstance(row, dict) or "id" not in row:
                    raise guard.error("a row is not an object with an 'id'")
                rows.append(row)
            if cursor is None:
                return rows

    # -- writes ----------------------------------------------------------------------------

    def create(
        self, obj: str, payload: Record, *, idempotency_key: str | None = None
    ) -> WriteResult:
        """Create once; a resend with the same ``idempotency_key`` replays the first answer."""
        spec = _object(obj)
        body = dict(payload)
        path = spec.create_path
        if obj == "refund":
            payment = body.pop("paymentId", None)
            if not payment:
                raise RejectedError("a refund payload needs 'paymentId'", endpoint=self.name)
            path = f"/v1/payments/{payment}/refunds"
        assert path is not None
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        answer = self.http.request_json(
            "POST", path, operation=f"create {obj}", idempotent=False, json=body, headers=headers
        )
        key = "accountId" if obj == "account" else "Id" if spec.crud and "Id" in answer else "id"
        record_id = str(answer.get(key) or "")
        if not record_id:
            raise PermanentError(f"create {obj} answered without an id", endpoint=self.name)
        return WriteResult(record_id, True, self.get(obj, record_id), {"response": answer})

    def update(
        self, obj: str, record_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """Change only the given fields: accounts via REST, others via CRUD (unknown fields
        refused, so a misspelt tracking field fails instead of being dropped). Nothing is read
        back, so ``read_back`` has nothing to skip."""
        spec = _object(obj)
        if obj == "account":
            self.http.request(
                "PUT",
                f"/v1/accounts/{record_id}",
                operation="update account",
                idempotent=True,
                json=dict(payload),
            )
        else:
            self.http.request(
                "PUT",
                f"/v1/object/{spec.crud}/{record_id}",
                operation=f"update {obj}",
                idempotent=True,
                json=_pascal(payload),
                params={"rejectUnknownFields": "true"},
            )
        return WriteResult(record_id, False)

    def describe(self, obj: str) -> str:
        """The tenant's fields of ``obj`` as Zuora describes them (``GET /v1/describe/{Object}``,
        XML, api-facts §1.8): how ``ferry catalog pull`` learns the tenant's own ``__c`` fields."""
        _object(obj)
        api_name = "".join(part.title() for part in obj.split("_"))
        response = self.http.request(
            "GET",
            f"/v1/describe/{api_name}",
            operation=f"describe {obj}",
            idempotent=True,
            headers={"Accept": "application/xml"},
        )
        return response.text

    def upsert(
        self, obj: str, external_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        raise PermanentError(
            "Zuora has no upsert by external id; find by key, then create or update",
            endpoint=self.name,
            operation=f"upsert {obj}",
        )

    def read_fields(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """Not offered (``capabilities.read_fields`` is false): writes return their record."""
        raise PermanentError(
            "Zuora reads chosen fields of many records only through ZOQL queries; not offered",
            endpoint=self.name,
            operation=f"read {obj}",
        )

    def close(self) -> None:
        self.http.close()


def _object(obj: str) -> ZuoraObject:
    try:
        return OBJECTS[obj]
    except KeyError:
        known = ", ".join(OBJECTS)
        raise PermanentError(f"Zuora has no object '{obj}' here (known: {known})") from None


__all__ = ["OBJECTS", "ZuoraDriver", "classify"]
