"""The NetSuite driver: SuiteTalk REST records and SuiteQL, signed with Token-Based Authentication.

Why it looks the way it does:

* A write answers ``204`` with only a ``Location``; the driver takes the id from it and reads
  the record back (NetSuite may have replaced the number sent), or, for an upsert with
  ``read_back=False``, leaves that to ``read_fields``: one SuiteQL query for many writes.
* Writes send ``X-NetSuite-PropertyNameValidation: Error`` so a misspelt field is refused
  instead of silently dropped (NetSuite's default is a warning).
* Updates and upserts send ``replace=<sublists in the payload>``: a sublist in a payload states
  the whole sublist, so a resend cannot append the same lines twice and the write is idempotent.
  A POST create is not: after a lost answer it surfaces as ``AmbiguousWriteError``.
* ``read_changed`` finds ids with SuiteQL (``lastmodifieddate >= ...`` ordered by
  ``lastmodifieddate, id``, limit/offset pages), then GETs each record: SuiteQL shows dates
  without their time, while records carry exact ISO-8601 UTC times. SuiteQL reads timestamp
  literals in the session's time zone (unverified), so the query starts ``since_margin_hours``
  early and the exact cut is made on the records themselves.
* Retries, ``Retry-After``, the concurrency limit and status classification are the shared
  ``HttpEndpoint``'s; ``netsuite_errors`` reads NetSuite's ``o:errorDetails`` (``classify``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from engine.errors import (
    AmbiguousWriteError,
    ConfigError,
    DriverError,
    NotFoundError,
    ResponseError,
)
from engine.run.drivers import limits
from engine.run.drivers.base import Capabilities, Page, Record, SourceRecord, WriteResult
from engine.run.drivers.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    RESPONSE_LIMIT_OPTION,
    HttpEndpoint,
    RetryPolicy,
)
from engine.run.drivers.netsuite_auth import NetSuiteTBA, rest_base_url
from engine.run.drivers.netsuite_errors import classify
from engine.run.drivers.paging import PageGuard, unreadable_row
from engine.run.secrets import Secret

log = logging.getLogger(__name__)

SECRETS = ("consumer_key", "consumer_secret", "token_id", "token_secret")
OBJECTS: dict[str, tuple[str, str | None]] = {
    "customer": ("customer", None),
    "serviceSaleItem": ("item", "itemtype = 'Service'"),
    "nonInventorySaleItem": ("item", "itemtype = 'NonInvtPart'"),
    "invoice": ("transaction", "type = 'CustInvc'"),
    "creditMemo": ("transaction", "type = 'CustCred'"),
    "customerPayment": ("transaction", "type = 'CustPymt'"),
    "customerRefund": ("transaction", "type = 'CustRfnd'"),
}
"""Record type -> (SuiteQL table, filter picking that type out of the table)."""

SUITEQL_MAX_ROWS = 100_000
"""SuiteQL returns at most this many rows per query (without SuiteAnalytics Connect)."""
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_-]+$")
_WRITE_HEADERS = {"X-NetSuite-PropertyNameValidation": "Error"}
_TIMESTAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS"
MAX_PAGE = 1000
IN_CHUNK = 200
RESCANS = 2

NUMBER_FIELD_OF: Mapping[str, str] = {
    "customer": "entityId",
    "invoice": "tranId",
    "creditMemo": "tranId",
    "customerPayment": "tranId",
    "customerRefund": "tranId",
}
"""The field of each record type that NetSuite's Auto-Generated Numbers may fill or replace."""


class NetSuiteDriver:
    """The ``netsuite`` driver (see the module docstring for the choices it makes)."""

    options_schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "description": "A NetSuite account reached through SuiteTalk REST with TBA credentials.",
        "required": ["account", *SECRETS],
        "additionalProperties": False,
        "properties": {
            "account": {
                "type": "string",
                "minLength": 1,
                "description": "Account id as in Setup > Company > Company Information.",
                "examples": ["1234567", "1234567_SB1"],
            },
            "base_url": {
                "type": "string",
                "description": "Overrides https://<account>.suitetalk.api.netsuite.com (an "
                "emulator); '/services/rest' is appended unless present.",
                "examples": ["http://127.0.0.1:8081"],
            },
            **{
                name: {"type": "string", "description": f"TBA {name.replace('_', ' ')}."}
                for name in SECRETS
            },
            "timeout": {"type": "number", "exclusiveMinimum": 0, "default": 30},
            "concurrency": {
                "type": "integer",
                "minimum": 1,
                "maximum": 50,
                "default": 5,
                "description": "Requests in flight; NetSuite's account limit is 5 or 15 "
                "(+10 per SuiteCloud Plus licence), shared with every integration. Lowered "
                "on 429 and raised again after successes, never above this.",
            },
            "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000},
            "since_margin_hours": {
                "type": "number",
                "minimum": 0,
                "default": 12,
                "description": "How much earlier than 'since' the SuiteQL change query starts, "
                "to cover the session time zone; the exact cut uses record times.",
            },
            "max_response_bytes": RESPONSE_LIMIT_OPTION,
        },
    }
    secret_options: ClassVar[frozenset[str]] = frozenset(SECRETS)

    def __init__(
        self,
        *,
        name: str,
        options: Mapping[str, Any],
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.capabilities = Capabilities(
            upsert_external_id=True,
            find_by_key=True,
            find_many=True,
            read_fields=True,
            objects=tuple(OBJECTS),
            number_fields=NUMBER_FIELD_OF,
            field_limits=limits.NETSUITE,
        )
        self.concurrency = int(options.get("concurrency", 5))
        self.page_size = int(options.get("page_size", 1000))
        self.margin = timedelta(hours=float(options.get("since_margin_hours", 12)))
        account = str(options["account"])
        if not _ACCOUNT.match(account):
            raise ConfigError(f"endpoint '{name}': {account!r} is not a NetSuite account id")
        key, secret, token, token_secret = (_reveal(options[opt]) for opt in SECRETS)
        auth = NetSuiteTBA(
            account=account,
            consumer_key=key,
            consumer_secret=secret,
            token_id=token,
            token_secret=token_secret,
        )
        self.api = HttpEndpoint(
            name,
            _base_url(options),
            auth=auth,
            classify=classify,
            concurrency=self.concurrency,
            timeout=float(options.get("timeout", 30)),
            retry=retry,
            client=client,
            max_response_bytes=int(options.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)),
        )
        self._pool: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"NetSuiteDriver({self.name!r}, {self.api.base_url!r})"

    @property
    def base_url(self) -> str:
        """Where the endpoint's REST API is (error messages name it)."""
        return self.api.base_url

    def check_credentials(self) -> None:
        """One signed metadata read (``GET /record/v1/metadata-catalog``, the list of record
        types): raises ``AuthError`` for refused credentials and ``TransientError`` for an
        account that cannot be reached. Metadata, not a query, so the check never reads the data
        the run is about to read."""
        self.api.request_json(
            "GET", "/record/v1/metadata-catalog", operation="check credentials", idempotent=True
        )

    # -- reading ---------------------------------------------------------------------------------
    def get(self, obj: str, record_id: str) -> Record | None:
        """One record (``record_id`` may be ``eid:<externalId>``), sublists expanded."""
        try:
            return self._get(obj, record_id)
        except NotFoundError:
            return None

    def record_schema(self, obj: str) -> Any:
        """The record's JSON Schema as this account sees it, custom fields included
        (``GET /record/v1/metadata-catalog/{record}``, api-facts §2.8): read by
        ``ferry catalog pull``."""
        return self.api.request_json(
            "GET",
            f"/record/v1/metadata-catalog/{_object(obj)}",
            operation=f"describe {obj}",
            idempotent=True,
            headers={"Accept": "application/schema+json"},
        )

    def _get(self, obj: str, record_id: str) -> Record:
        path = f"/record/v1/{_object(obj)}/{_key(record_id)}"
        data = self.api.request_json(
            "GET",
            path,
            params={"expandSubResources": "true"},
            operation=f"get {obj}",
            idempotent=True,
        )
        if not isinstance(data, dict):
            raise ResponseError(
                f"{self.api.url(path)} answered with {type(data).__name__}, not a record",
                endpoint=self.name,
                operation=f"get {obj}",
            )
        return data

    def read_changed(
        self, obj: str, since: datetime | None, *, page_size: int | None = None
    ) -> Iterator[Page]:
        """Records modified at or after ``since``, oldest first, one SuiteQL page at a time.

        Offset paging over a set that changes while it is read can skip a row: a record
        modified meanwhile moves to the end and every later row shifts back by one. The final
        page's ``totalResults`` reveals it (fewer distinct ids than rows); the query is then run
        again and only the ids not yet seen are fetched, so nothing is lost.
        """
        query = self._changed_query(obj, since)
        cut = since.astimezone(UTC) if since is not None else None
        size = min(page_size or self.page_size, MAX_PAGE)
        seen: set[str] = set()
        for attempt in range(RESCANS + 1):
            offset, more, total = 0, True, 0
            guard = self._guard(f"changed {obj}", size)
            while more:
                rows, more, total = self._suiteql_page(query, size, offset, guard)
                ids = [str(row["id"]) for row in rows if _has_id(row)]
                fresh = [i for i in ids if i not in seen]
                seen.update(ids)
                offset += size
                records = [r for r in self._fetch(obj, fresh) if cut is None or r.updated_at >= cut]
                records.sort(key=lambda r: (r.updated_at, _id_key(r.id)))
                # first: its time is unknown, so the watermark must not pass this page
                records[:0] = [_no_id(row, guard) for row in rows if not _has_id(row)]
                last = not more and (total <= len(seen) or attempt == RESCANS)
                if records or last:
                    yield Page(records, None if last else f"{attempt}:{offset}")
            if total <= len(seen):
                return
            log.info("%s: %s changed while being read; reading the list again", self.name, obj)
        log.warning("%s: %s kept changing while being read; next run catches up", self.name, obj)

    def _changed_query(self, obj: str, since: datetime | None) -> str:
        table, type_filter = OBJECTS[_object(obj)]
        conditions = [type_filter] if type_filter else []
        if since is not None:
            start = since.astimezone(UTC) - self.margin
            conditions.append(f"lastmodifieddate >= {_timestamp(start)}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"SELECT id FROM {table}{where} ORDER BY lastmodifieddate, id"

    def _fetch(self, obj: str, ids: list[str]) -> list[SourceRecord]:
        """GET each id with bounded concurrency; a record deleted meanwhile is skipped."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix=self.name)
        found = self._pool.map(lambda i: (i, self.get(obj, i)), ids)
        return [_source(i, record) for i, record in found if record is not None]

    def find(self, obj: str, key: Mapping[str, Any]) -> list[Record]:
        """Records whose fields equal every value in ``key`` (SuiteQL, then a GET of each)."""
        if not key:
            raise ConfigError(f"endpoint '{self.name}': find on {obj} needs at least one field")
        if set(key) == {"externalId"}:
            record = self.get(obj, f"eid:{key['externalId']}")
            return [record] if record is not None else []
        ids = self._ids_where(obj, [self._equals(column, value) for column, value in key.items()])
        return [s.data for s in self._fetch(obj, ids)]

    def find_many(self, obj: str, field: str, values: Sequence[Any]) -> list[Record]:
        """Records whose ``field`` is any of ``values``: one SuiteQL query per 200 values, then
        a GET of each record found (none, on a first sync)."""
        if not _COLUMN.match(field):
            raise ConfigError(f"endpoint '{self.name}': {field!r} is not a field name")
        ids: list[str] = []
        unique = list(dict.fromkeys(v for v in values if v is not None))
        for start in range(0, len(unique), IN_CHUNK):
            chunk = ", ".join(_literal(v) for v in unique[start : start + IN_CHUNK])
            ids += self._ids_where(obj, [f"{field.lower()} IN ({chunk})"])
        return [s.data for s in self._fetch(obj, ids)]

    def _ids_where(self, obj: str, conditions: list[str]) -> list[str]:
        """Every id of ``obj`` (its record type's rows) meeting ``conditions``, page by page."""
        table, type_filter = OBJECTS[_object(obj)]
        where = " AND ".join([*([type_filter] if type_filter else []), *conditions])
        query = f"SELECT id FROM {table} WHERE {where} ORDER BY id"
        return [str(row["id"]) for row in self._all_rows(query, f"find {obj}")]

    def _all_rows(self, query: str, operation: str) -> list[Any]:
        """Every row of a query, page by page; each must carry its ``id``."""
        found: list[Any] = []
        offset, more = 0, True
        guard = self._guard(operation, MAX_PAGE)
        while more:
            rows, more, _ = self._suiteql_page(query, MAX_PAGE, offset, guard)
            if not all(_has_id(row) for row in rows):
                raise guard.error("a row has no 'id'")
            found += rows
            offset += MAX_PAGE
        return found

    def _equals(self, column: str, value: Any) -> str:
        if not _COLUMN.match(column):
            raise ConfigError(f"endpoint '{self.name}': {column!r} is not a field name")
        if value is None:
            return f"{column.lower()} IS NULL"
        return f"{column.lower()} = {_literal(value)}"

    def _guard(self, operation: str, size: int) -> PageGuard:
        """SuiteQL returns at most 100,000 rows, so more pages than that means endless paging."""
        url = functools.partial(self.api.url, "/query/v1/suiteql")
        return PageGuard(self.name, operation, url, max_pages=SUITEQL_MAX_ROWS // size + 2)

    def _suiteql_page(
        self, query: str, limit: int, offset: int, guard: PageGuard
    ) -> tuple[list[Any], bool, int]:
        """One page's rows, whether more follow, and ``totalResults``, the envelope checked."""
        data = self.api.request_json(
            "POST",
            "/query/v1/suiteql",
            params={"limit": limit, "offset": offset},
            json={"q": query},
            headers={"Prefer": "transient"},
            operation=guard.operation,
            idempotent=True,
        )
        rows = data.get("items", []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise guard.error("the answer has no 'items' list")
        more, total = data.get("hasMore", False), data.get("totalResults", len(rows))
        if not isinstance(more, bool) or not isinstance(total, int) or isinstance(total, bool):
            raise guard.error("'hasMore' is not true/false or 'totalResults' not a number")
        guard.turn(len(rows), str(offset + limit) if more else None)
        return rows, more, total

    # -- writing -----------------------------------------------------------------------------
    def create(
        self, obj: str, payload: Record, *, idempotency_key: str | None = None
    ) -> WriteResult:
        """POST; never resent after an ambiguous failure. ``idempotency_key`` is not sent:
        NetSuite honours ``X-NetSuite-Idempotency-Key`` only for asynchronous requests."""
        response = self._write("POST", obj, None, payload, "create", idempotent=False)
        record_id = _location_id(response, self.name, f"create {obj}")
        return WriteResult(record_id, True, self._read_back(obj, record_id))

    def update(
        self, obj: str, record_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """PATCH the sent fields; sublists in the payload replace the record's. Without
        ``read_back`` one request (``record`` None): the PATCH answers 204 without a body."""
        self._write("PATCH", obj, record_id, payload, "update", idempotent=True)
        record = self._read_back(obj, record_id) if read_back else None
        return WriteResult(record_id, False, record)

    def upsert(
        self, obj: str, external_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """PUT ``eid:<externalId>``: idempotent, so retried after a lost answer.

        ``created`` is inferred from the record read back (``dateCreated == lastModifiedDate``);
        without ``read_back`` the write is one request, ``record`` None and ``created`` False.
        """
        response = self._write("PUT", obj, "eid:" + external_id, payload, "upsert", idempotent=True)
        record_id = _location_id(response, self.name, f"upsert {obj}")
        if not read_back:
            return WriteResult(record_id, False, None)
        record = self._read_back(obj, record_id)
        created = record is not None and record.get("dateCreated") == record.get("lastModifiedDate")
        return WriteResult(record_id, created, record)

    def read_fields(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """One SuiteQL query per 200 ids (``SELECT id, externalid, ... WHERE id IN``); rows
        under the REST names asked for, every value as text (as SuiteQL shows it)."""
        bad = [f for f in fields if not _COLUMN.match(f)]
        if bad:
            raise ConfigError(f"endpoint '{self.name}': {bad[0]!r} is not a field name")
        table, type_filter = OBJECTS[_object(obj)]
        names = {f.lower(): f for f in fields if f != "id"}
        columns = ", ".join(["id", *names])
        found: dict[str, Record] = {}
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ", ".join(_literal(i) for i in ids[start : start + IN_CHUNK])
            where = " AND ".join([*([type_filter] if type_filter else []), f"id IN ({chunk})"])
            query = f"SELECT {columns} FROM {table} WHERE {where} ORDER BY id"
            for row in self._all_rows(query, f"read {obj}"):
                found[str(row["id"])] = {rest: row.get(col) for col, rest in names.items()}
        return found

    def _write(
        self,
        method: str,
        obj: str,
        key: str | None,
        payload: Record,
        verb: str,
        *,
        idempotent: bool,
    ) -> httpx.Response:
        """One record write: to the collection (``key`` None, a create) or to one record, whose
        sublists in the payload then replace the record's."""
        path = f"/record/v1/{_object(obj)}"
        if key is not None:
            path += f"/{_key(key)}"
        return self.api.request(
            method,
            path,
            json=payload,
            params=_replace(payload) if key is not None else None,
            headers=_WRITE_HEADERS,
            operation=f"{verb} {obj}",
            idempotent=idempotent,
        )

    def _read_back(self, obj: str, record_id: str) -> Record | None:
        """The record after a write; a failure here must not turn a done write into an error."""
        try:
            return self._get(obj, record_id)
        except DriverError as exc:
            log.warning(
                "%s: wrote %s %s but could not read it back: %s", self.name, obj, record_id, exc
            )
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.api.close()


# -- helpers -----------------------------------------------------------------------------------
def _reveal(value: Any) -> str:
    """Secrets arrive as ``Secret`` from connections; plain strings are accepted from code."""
    return value.reveal() if isinstance(value, Secret) else str(value)


def _base_url(options: Mapping[str, Any]) -> str:
    base = options.get("base_url")
    if not base:
        return rest_base_url(str(options["account"]))
    base = str(base).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"base_url {base!r} must start with http:// or https://")
    return base if base.endswith("/services/rest") else f"{base}/services/rest"


def _object(obj: str) -> str:
    if obj not in OBJECTS:
        raise ConfigError(f"NetSuite has no object '{obj}' here; known: {', '.join(OBJECTS)}")
    return obj


def _key(record_id: str) -> str:
    """A record key as a path segment: an internal id, or ``eid:`` + the percent-encoded id."""
    if record_id.startswith("eid:"):
        return "eid:" + quote(record_id[4:], safe="")
    return quote(record_id, safe="")


def _replace(payload: Record) -> dict[str, str] | None:
    names = [k for k, v in payload.items() if isinstance(v, dict) and "items" in v]
    return {"replace": ",".join(names)} if names else None


def _location_id(response: httpx.Response, endpoint: str, operation: str) -> str:
    location = str(response.headers.get("Location", ""))
    record_id = location.rstrip("/").rsplit("/", 1)[-1]
    if not location or not record_id:
        raise AmbiguousWriteError(
            "NetSuite accepted the write but sent no Location header: reconcile by key",
            endpoint=endpoint,
            operation=operation,
            status=response.status_code,
        )
    return record_id


def _source(record_id: str, record: Record) -> SourceRecord:
    """A record read back by id; without a readable ``lastModifiedDate`` it carries a problem."""
    raw = record.get("lastModifiedDate")
    try:
        stamp = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        problem = f"{record_id}: 'lastModifiedDate' {raw!r} is not a date-time"
        return unreadable_row(record, problem, record_id)
    stamp = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
    return SourceRecord(record_id, stamp.astimezone(UTC), record)


def _has_id(row: Any) -> bool:
    return isinstance(row, dict) and isinstance(row.get("id"), str | int) and row["id"] != ""


def _no_id(row: Any, guard: PageGuard) -> SourceRecord:
    return unreadable_row(row, f"a SuiteQL row of {guard.where()} has no 'id'")


def _timestamp(moment: datetime) -> str:
    return f"TO_TIMESTAMP('{moment:%Y-%m-%d %H:%M:%S}', '{_TIMESTAMP_FORMAT}')"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "'T'" if value else "'F'"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, Mapping) and "id" in value:
        return _literal(str(value["id"]))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ConfigError(f"cannot look up NetSuite records by a value of type {type(value).__name__}")


def _id_key(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (0, record_id)
