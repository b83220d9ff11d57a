"""Zuora's error vocabulary as the emulator speaks it, in one place so docs and tests agree.

Zuora REST business errors carry 8-digit codes: a 6-digit resource number followed by a 2-digit
category (20 invalid value, 22 missing field, 30 business rule, 40 not found, 50 lock
contention...). The resource numbers below are our choice (the real tenant-side numbering is not
published per resource); the categories are Zuora's. CRUD (``/v1/object/...``) calls use a second,
older envelope with string codes, kept here too.
"""

from __future__ import annotations

import secrets
from enum import IntEnum
from typing import Any


class Resource(IntEnum):
    """6-digit resource numbers chosen for the emulator (documented in docs/emulators.md)."""

    ACCOUNT = 531000
    CONTACT = 531100
    INVOICE = 592100
    PAYMENT = 587300
    CREDIT_MEMO = 535600
    REFUND = 587400
    OBJECT_QUERY = 500800
    REQUEST = 500000


class Category(IntEnum):
    """Zuora's 2-digit error categories (docs/guides/error-handling)."""

    PERMISSION = 10
    AUTH = 11
    INVALID_VALUE = 20
    UNKNOWN_FIELD = 21
    MISSING_FIELD = 22
    MISSING_PARAM = 23
    INVALID_QUERY_PARAM = 27
    BUSINESS_RULE = 30
    NOT_FOUND = 40
    UNSUPPORTED_METHOD = 45
    LOCK_CONTENTION = 50
    INTERNAL = 60
    TEMPORARY = 61
    CONCURRENCY_LIMIT = 70
    MALFORMED_JSON = 90


# The HTTP status each category answers with. Zuora answers many business errors with HTTP 200
# and ``success: false``; the emulator keeps 200 for business-rule and lock-contention errors so
# clients are forced to read the body, and uses 4xx where the request itself is wrong.
_STATUS = {
    Category.INVALID_VALUE: 400,
    Category.UNKNOWN_FIELD: 400,
    Category.MISSING_FIELD: 400,
    Category.MISSING_PARAM: 400,
    Category.INVALID_QUERY_PARAM: 400,
    Category.MALFORMED_JSON: 400,
    Category.NOT_FOUND: 404,
    Category.UNSUPPORTED_METHOD: 405,
    Category.TEMPORARY: 503,
    Category.CONCURRENCY_LIMIT: 429,
}


def code(resource: Resource, category: Category) -> int:
    """Compose Zuora's 8-digit code, e.g. ``code(ACCOUNT, NOT_FOUND) == 53100040``."""
    return int(resource) * 100 + int(category)


def new_process_id() -> str:
    """A process id shaped like Zuora's (16 upper-case hex characters)."""
    return secrets.token_hex(8).upper()


class ZuoraFault(Exception):
    """A request the emulator refuses, answered with the REST envelope of ``reasons``."""

    def __init__(
        self,
        resource: Resource,
        category: Category,
        message: str,
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code(resource, category)
        self.message = message
        self.status = status if status is not None else _STATUS.get(category, 200)

    def body(self) -> dict[str, Any]:
        return {
            "success": False,
            "processId": new_process_id(),
            "reasons": [{"code": self.code, "message": self.message}],
        }


class CrudCode:
    """String codes of the CRUD (``/v1/object``) envelope; SOAP-era names Zuora still sends."""

    INVALID_VALUE = "INVALID_VALUE"
    MISSING_REQUIRED_VALUE = "MISSING_REQUIRED_VALUE"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_ID = "INVALID_ID"
    LOCK_COMPETITION = "LOCK_COMPETITION"
    BUSINESS_RULE = "TRANSACTION_FAILED"


class CrudFault(Exception):
    """A CRUD call the emulator refuses: ``{"Success": false, "Errors": [{"Code", "Message"}]}``."""

    def __init__(self, crud_code: str, message: str, *, status: int = 200) -> None:
        super().__init__(message)
        self.crud_code = crud_code
        self.message = message
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"Success": False, "Errors": [{"Code": self.crud_code, "Message": self.message}]}


def fault_to_crud(fault: ZuoraFault) -> CrudFault:
    """Translate a REST fault raised by shared validation into the CRUD envelope."""
    category = fault.code % 100
    crud = {
        Category.MISSING_FIELD: CrudCode.MISSING_REQUIRED_VALUE,
        Category.UNKNOWN_FIELD: CrudCode.INVALID_FIELD,
        Category.NOT_FOUND: CrudCode.INVALID_ID,
        Category.LOCK_CONTENTION: CrudCode.LOCK_COMPETITION,
        Category.BUSINESS_RULE: CrudCode.BUSINESS_RULE,
    }.get(Category(category), CrudCode.INVALID_VALUE)
    status = 404 if category == Category.NOT_FOUND else 200
    return CrudFault(crud, fault.message, status=status)
