"""NetSuite's error answers read as Ferry's error classes.

Why a module of its own: the shared HTTP layer decides retries by error class, and NetSuite says
what went wrong in an ``o:errorDetails`` list whose codes, not only the status, tell a duplicate
from a governance refusal (``SSS_REQUEST_LIMIT_EXCEEDED`` comes as a 400) or a locked number
field. The driver hands ``classify`` to its ``HttpEndpoint``; reading the envelope is all this does.
"""

from __future__ import annotations

from typing import Any

import httpx

from engine.errors import (
    AuthError,
    ConflictError,
    DriverError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
)
from engine.run.drivers.http import decode_json, parse_retry_after

CONFLICT_CODES = frozenset({"DUP_RCRD", "DUP_ENTITY", "DUP_ITEM"})
# Governance refusals NetSuite sends as a 400 with this code: retried like a 429.
RATE_LIMIT_CODES = frozenset({"SSS_REQUEST_LIMIT_EXCEEDED", "CONCURRENCY_LIMIT_EXCEEDED"})
NUMBER_FIELDS = frozenset({"entityid", "tranid"})  # lower case, as o:errorPath spells them


def classify(response: httpx.Response) -> DriverError | None:
    """Map NetSuite's nsError body to an error class; None lets the status code decide."""
    status = response.status_code
    if status < 400 or status >= 500:
        return None
    details = error_details(response)
    first = details[0] if details else {}
    message = f"{first.get('code', 'error')}: {first.get('detail', response.reason_phrase)}"
    if len(details) > 1:
        message += f" (+{len(details) - 1} more)"
    codes = {d.get("code") for d in details}
    if status == 429 or codes & RATE_LIMIT_CODES:
        return RateLimitedError(message, retry_after=parse_retry_after(response), details=details)
    if status in (401, 403):
        return AuthError(message, details=details)
    if status == 404:
        return NotFoundError(message, details=details)
    locked = any(
        d.get("code") == "INSUFFICIENT_PERMISSION"
        and str(d.get("path", "")).lower() in NUMBER_FIELDS
        for d in details
    )
    if codes & CONFLICT_CODES or locked:
        return ConflictError(message, details=details)
    if status == 409:  # no duplicate code: a refusal for the record's state now, not applied
        return None
    return RejectedError(message, details=details)


def error_details(response: httpx.Response) -> list[dict[str, Any]]:
    """``o:errorDetails`` as ``{"code", "detail", "path"?, ...}``; [] when the body is not one."""
    try:
        body = decode_json(response)
    except DriverError:
        return []
    raw = body.get("o:errorDetails") if isinstance(body, dict) else None
    out = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        detail = {"code": item.get("o:errorCode", ""), "detail": item.get("detail", "")}
        for key, name in (
            ("o:errorPath", "path"),
            ("o:errorQueryParam", "query_param"),
            ("o:errorHeader", "header"),
        ):
            if key in item:
                detail[name] = item[key]
        out.append(detail)
    return out
