"""A deterministic NetSuite-master account for the demo and tests: ``generate`` then ``write``.

Why generated: the "NetSuite is master for customers" direction needs an account that already
holds customers the way people really keep them - companies and persons, entity ids with spaces
("ACME-001 Acme Corp", which the connector's de-concatenation cuts at the first space), a parent
hierarchy, inactive customers, UK customers in GBP, addresses - plus a few items with exact
prices. The same ``seed`` always gives the same bytes. The output is the emulator's seed folder
format (``docs/emulators-netsuite.md``): ``customer.json``, ``serviceSaleItem.json``,
``nonInventorySaleItem.json`` and ``autonumber.json`` (customer numbering off: ids are names).

Usage::

    from engine.emulators import netsuite_seed
    data = netsuite_seed.generate(n_customers=60, seed=3)
    netsuite_seed.write(Path("seed/netsuite"), n_customers=60, seed=3)
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.emulators.seedfiles import write_seed

Record = dict[str, Any]
_EPOCH = datetime(2024, 1, 8, 8, 0, tzinfo=UTC)
_FIRST = (
    "Ada",
    "Grace",
    "Alan",
    "Mary",
    "Ken",
    "Radia",
    "Hedy",
    "Sophie",
    "Jonas",
    "Ines",
    "Tomás",
    "Zoë",
)
_LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Jackson",
    "Thompson",
    "Perlman",
    "Lamarr",
    "Wilson",
    "Nowak",
    "Costa",
    "O'Brien",
    "Müller",
)
_COMPANY = (
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
)
_SUFFIX = ("Corp", "Ltd", "GmbH", "Inc.", "& Sons", "Holdings")
_CITIES = (
    ("San Mateo", "CA", "94403", "US"),
    ("Austin", "TX", "73301", "US"),
    ("London", "", "EC1A 1BB", "GB"),
    ("Toronto", "ON", "M5H 2N2", "CA"),
)
_ITEMS = (
    ("serviceSaleItem", "Platform Subscription", "99.99"),
    ("serviceSaleItem", "Premium Support", "250.00"),
    ("serviceSaleItem", "Onboarding", "1200.50"),
    ("nonInventorySaleItem", "Hardware Token", "19.95"),
    ("nonInventorySaleItem", "Usage Overage (per 1k)", "0.125"),
)


def generate(n_customers: int = 40, seed: int = 3) -> dict[str, Any]:
    """The seed folder's files as ``{file stem: JSON content}``."""
    rng = random.Random(seed)
    customers = [_customer(rng, n) for n in range(1, n_customers + 1)]
    for index in range(4, len(customers), 9):  # some subsidiaries of an earlier company
        parent = next((c for c in customers[:index] if not c["isPerson"]), None)
        if parent is not None:
            customers[index]["parent"] = {"id": parent["id"]}
    out: dict[str, Any] = {"customer": customers, "autonumber": {"customer": {"enabled": False}}}
    for index, (type_name, name, rate) in enumerate(_ITEMS, start=1):
        out.setdefault(type_name, []).append(_item(index, name, rate))
    return out


def _customer(rng: random.Random, n: int) -> Record:
    created = _EPOCH + timedelta(hours=7 * n, minutes=rng.randrange(60))
    modified = created + timedelta(days=rng.randrange(0, 30), seconds=rng.randrange(3600))
    uk = rng.random() < 0.2
    record: Record = {
        "id": str(n),
        "dateCreated": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lastModifiedDate": modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subsidiary": {"id": "2" if uk else "1"},
        "currency": {"id": "2" if uk else "1"},
        "terms": {"id": rng.choice(("1", "2", "2", "3"))},
        "custentity_send_to_zuora": rng.random() < 0.9,
    }
    if rng.random() < 0.3:
        _person(rng, n, record)
    else:
        _company(rng, n, record)
    record["isInactive"] = rng.random() < 0.08
    if rng.random() < 0.85:
        record["addressBook"] = {"items": [_address(rng, record)]}
    return record


def _person(rng: random.Random, n: int, record: Record) -> None:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    record.update(
        isPerson=True,
        firstName=first,
        lastName=last,
        entityId=f"{first} {last} {n:03d}" if n % 2 else f"P-{n:04d}",
        email=f"{first.lower()}.{n}@example.com",
    )


def _company(rng: random.Random, n: int, record: Record) -> None:
    base = rng.choice(_COMPANY)
    name = f"{base} {rng.choice(_SUFFIX)}"
    code = base.upper()[:4]
    record.update(
        isPerson=False,
        companyName=name,
        entityId=f"{code}-{n:03d} {name}" if n % 3 else f"C{n:05d}",
        email=f"billing@{base.lower()}{n}.example.com",
        phone=f"+1 650 555 {rng.randrange(10000):04d}",
    )
    if n % 5 == 0:
        record["externalId"] = f"LEGACY-{n:05d}"


def _address(rng: random.Random, record: Record) -> Record:
    city, state, zip_code, country = rng.choice(_CITIES)
    addressee = record.get("companyName") or f"{record['firstName']} {record['lastName']}"
    return {
        "defaultBilling": True,
        "defaultShipping": True,
        "label": "Billing",
        "addressBookAddress": {
            "addressee": addressee,
            "addr1": f"{rng.randrange(1, 999)} Main St",
            "city": city,
            "state": state,
            "zip": zip_code,
            "country": country,
        },
    }


def _item(index: int, name: str, rate: str) -> Record:
    return {
        "id": str(index),
        "itemId": name,
        "displayName": name,
        "salesDescription": f"{name} (seeded)",
        "rate": Decimal(rate),
        "incomeAccount": {"id": "54"},
        "subsidiary": {"items": [{"id": "1"}, {"id": "2"}]},
        "dateCreated": _EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lastModifiedDate": (_EPOCH + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write(directory: Path, n_customers: int = 40, seed: int = 3) -> dict[str, Path]:
    """Write ``generate(...)`` as ``<stem>.json`` files; return the paths written."""
    return write_seed(directory, generate(n_customers, seed))


__all__ = ["generate", "write"]
