"""Field checks that answer with Zuora's codes: 22 for a missing field, 20 for a bad value.

Each returns the cleaned value (or None when optional and absent), so handlers read as a list of
field rules rather than nested ifs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .codes import Category, Resource, ZuoraFault


def _missing(resource: Resource, key: str) -> ZuoraFault:
    return ZuoraFault(resource, Category.MISSING_FIELD, f"'{key}' is required.")


def _invalid(resource: Resource, key: str, why: str) -> ZuoraFault:
    return ZuoraFault(resource, Category.INVALID_VALUE, f"Invalid value for '{key}': {why}.")


def _given(
    body: Mapping[str, Any], key: str, resource: Resource, required: bool, blank: bool = False
) -> Any:
    """The value under ``key``, or None when it is absent (or ``blank`` and empty) and optional;
    Zuora answers a required field's absence with code 22 before it looks at any value."""
    value = body.get(key)
    if value is None or (blank and value == ""):
        if required:
            raise _missing(resource, key)
        return None
    return value


def text(
    body: Mapping[str, Any],
    key: str,
    resource: Resource,
    *,
    required: bool = False,
    min_len: int = 0,
    max_len: int = 255,
) -> str | None:
    value = _given(body, key, resource, required, blank=required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(resource, key, "expected a string")
    if not min_len <= len(value) <= max_len:
        raise _invalid(resource, key, f"length must be {min_len} to {max_len} characters")
    return value


def money(
    body: Mapping[str, Any],
    key: str,
    resource: Resource,
    *,
    required: bool = False,
    positive: bool = False,
) -> Decimal | None:
    value = _given(body, key, resource, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise _invalid(resource, key, "expected a number")
    amount = Decimal(value)
    if not amount.is_finite() or (positive and amount <= 0):
        raise _invalid(resource, key, "must be a positive amount" if positive else "not finite")
    return amount


def day(
    body: Mapping[str, Any], key: str, resource: Resource, *, required: bool = False
) -> str | None:
    value = _given(body, key, resource, required)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat() if len(str(value)) == 10 else _bad()
    except ValueError as exc:
        raise _invalid(resource, key, "expected a date yyyy-mm-dd") from exc


def _bad() -> str:
    raise ValueError("not a date")


def integer(
    body: Mapping[str, Any],
    key: str,
    resource: Resource,
    low: int,
    high: int,
    *,
    required: bool = False,
) -> int | None:
    value = _given(body, key, resource, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(resource, key, f"expected an integer from {low} to {high}")
    return value


def choice(
    body: Mapping[str, Any],
    key: str,
    resource: Resource,
    options: Collection[str],
    *,
    required: bool = False,
) -> str | None:
    value = _given(body, key, resource, required)
    if value is None:
        return None
    if value not in options:
        raise _invalid(resource, key, f"must be one of {', '.join(sorted(options))}")
    return str(value)


def boolean(body: Mapping[str, Any], key: str, resource: Resource) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _invalid(resource, key, "expected true or false")
    return value


def custom_value(key: str, value: Any, resource: Resource) -> Any:
    """Custom fields hold text, numbers, booleans or null (a date is sent as text)."""
    if value is not None and not isinstance(value, (str, int, Decimal, bool)):
        raise _invalid(resource, key, "custom fields take a string, number or boolean")
    if isinstance(value, str) and len(value) > 255:
        raise _invalid(resource, key, "custom field values are at most 255 characters")
    return value


def is_custom_field(key: str) -> bool:
    """Custom fields (``Region__c``) and connector fields (``IntegrationId__NS``)."""
    head, sep, tail = key.rpartition("__")
    return bool(sep and head and tail in {"c", "NS"} and head.replace("_", "a").isalnum())
