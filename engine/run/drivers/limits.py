"""The longest values each endpoint's fields take: refused before any call, not by the endpoint.

Why here and why a table: a 300-character ``entityId`` or an over-long external id should be a
clear, located refusal naming field, limit and record, without a request that NetSuite answers
with an error about something else (or a ``PUT .../eid:<id>`` URL it cannot take). This one
table is what the drivers declare (``Capabilities.field_limits``) until the object catalogs
carry ``maxLength`` per field; they replace it then, and nothing else changes.

Sources: Zuora account limits from api-facts §1.2 (SDK models and docs; ``accountNumber`` uses
the docs' 50, stricter than the SDK's 70, as the emulator does). NetSuite ``entityId`` 83: the
limit this project already uses for customer numbers (``NETSUITE_ENTITY_ID_MAX``). NetSuite
``externalId`` 255: no public source states one; chosen as the common text limit (unverified).
Keys are dotted payload paths (``billToContact.firstName``); ``*`` applies to every object.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.transforms.identity import NETSUITE_ENTITY_ID_MAX

ALL_OBJECTS = "*"
EXTERNAL_ID = "externalId"

Limits = Mapping[str, Mapping[str, int]]

NETSUITE: Limits = MappingProxyType(
    {
        ALL_OBJECTS: {EXTERNAL_ID: 255},
        "customer": {"entityId": NETSUITE_ENTITY_ID_MAX},
    }
)
ZUORA: Limits = MappingProxyType(
    {
        "account": {
            "name": 255,
            "accountNumber": 50,
            "crmId": 100,
            "billToContact.firstName": 100,
            "billToContact.lastName": 100,
            "soldToContact.firstName": 100,
            "soldToContact.lastName": 100,
        },
    }
)


def limits_for(table: Limits, obj: str) -> dict[str, int]:
    """The limits of one object: those of every object, then its own."""
    return {**table.get(ALL_OBJECTS, {}), **table.get(obj, {})}


__all__ = ["EXTERNAL_ID", "NETSUITE", "ZUORA", "Limits", "limits_for"]
