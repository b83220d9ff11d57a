"""Hand-written baselines for the render benchmarks: what a careful engineer writes by hand.

Each function produces exactly the payloads of its spec (``render.py`` asserts it on every
record before timing anything). They are *idiomatic* and *null-safe*, like the spec: a missing or
null value is left out, never sent and never a crash; everything is inline (no helper per field),
and a value a lookup table does not know raises, as the spec's ``unmapped: fail`` does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

CURRENCY_IDS = {"USD": "1", "GBP": "2", "CAD": "3", "EUR": "4"}
BENCH_TERMS = {"Due Upon Receipt": "4", "Net 30": "2", "Net 60": "3", "Net 90": "5"}
CUSTOMER_TERMS = {"Due Upon Receipt": "4", "Net 30": "2", "Net 60": "3", "Net 90": "5"}
PERSON = {"Individual": True, "Company": False}


def customer(record: dict[str, Any]) -> dict[str, Any] | None:
    """mappings/zuora-netsuite/customer.yaml with its default settings, create mode."""
    if record.get("status") != "Active" or record.get("SynctoNetSuite__NS") == "No":
        return None
    bill = record.get("billTo")
    if not isinstance(bill, dict):
        bill = {}
    out: dict[str, Any] = {}
    number = record.get("accountNumber")
    if number is not None:
        out["entityId"] = number
    kind = record.get("CustomerType__NS")
    out["isPerson"] = False if kind is None else PERSON[kind]
    name = record.get("name")
    if name is not None:
        company = name.strip()  # then truncate: {length: 83}
        out["companyName"] = company if len(company) <= 83 else company[:83].rstrip()
    if kind == "Individual":
        first = bill.get("firstName")
        if first is not None:
            out["firstName"] = first
        last = bill.get("lastName")
        if last is not None:
            out["lastName"] = last
    email = bill.get("workEmail")
    if email is not None:
        out["email"] = email.strip().lower()
    phone = bill.get("workPhone")
    if phone is not None:
        out["phone"] = phone
    currency = record.get("currency")
    if currency is not None:
        out["currency"] = {"id": CURRENCY_IDS[currency]}
    term = record.get("paymentTerm")
    if term is not None:
        out["terms"] = {"id": CUSTOMER_TERMS[term]}
    out["subsidiary"] = {"id": "1"}
    zuora_id = record.get("id")
    if zuora_id is not None:
        out["custentity_zuora_id"] = zuora_id
    out["custentity_zuora_origin"] = "ZUORA"
    return out


def bench_sliced(record: dict[str, Any]) -> dict[str, Any] | None:
    """benchmarks/account-bench.yaml, the date reordered by slicing (not checked as a day)."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo")
    if not isinstance(bill, dict):
        bill = {}
    out: dict[str, Any] = {}
    zuora_id = record.get("id")
    number = record.get("accountNumber")
    if zuora_id is not None:
        out["externalId"] = zuora_id
    if number is not None:
        out["entityId"] = number
    name = record.get("name")
    if name is not None:
        out["companyName"] = name.strip()
    if record.get("CustomerType__NS") == "Individual":
        first = bill.get("firstName")
        if first is not None:
            out["firstName"] = first
        last = bill.get("lastName")
        if last is not None:
            out["lastName"] = last
    email = bill.get("workEmail")
    if email is not None:
        out["email"] = email.lower()
    phone = bill.get("workPhone")
    if phone is not None:
        out["phone"] = phone
    currency = record.get("currency")
    if currency is not None:
        out["currency"] = {"id": CURRENCY_IDS[currency]}
    term = record.get("paymentTerm")
    if term is not None:
        out["terms"] = BENCH_TERMS[term]
    if zuora_id is not None:
        out["custentity_zuora_id"] = zuora_id
    if number is not None:
        out["custentity_short_number"] = number.strip().split(" ", 1)[0]
    created = record.get("createdDate")
    if created is not None:
        out["custentity_zuora_created"] = f"{created[5:7]}/{created[8:10]}/{created[:4]}"
    address = {}
    addr1, city, country = bill.get("address1"), bill.get("city"), bill.get("country")
    if addr1 is not None:
        address["addr1"] = addr1
    if city is not None:
        address["city"] = city
    if country is not None:
        address["country"] = country
    if address:
        out["defaultAddress"] = address
    region = record.get("Region__c")
    out["custentity_region"] = "unknown" if region is None else region
    return out


def bench_iso(record: dict[str, Any]) -> dict[str, Any] | None:
    """The same, the date parsed and written the standard way (checked as a real day)."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo")
    if not isinstance(bill, dict):
        bill = {}
    out: dict[str, Any] = {}
    zuora_id = record.get("id")
    number = record.get("accountNumber")
    if zuora_id is not None:
        out["externalId"] = zuora_id
    if number is not None:
        out["entityId"] = number
    name = record.get("name")
    if name is not None:
        out["companyName"] = name.strip()
    if record.get("CustomerType__NS") == "Individual":
        first = bill.get("firstName")
        if first is not None:
            out["firstName"] = first
        last = bill.get("lastName")
        if last is not None:
            out["lastName"] = last
    email = bill.get("workEmail")
    if email is not None:
        out["email"] = email.lower()
    phone = bill.get("workPhone")
    if phone is not None:
        out["phone"] = phone
    currency = record.get("currency")
    if currency is not None:
        out["currency"] = {"id": CURRENCY_IDS[currency]}
    term = record.get("paymentTerm")
    if term is not None:
        out["terms"] = BENCH_TERMS[term]
    if zuora_id is not None:
        out["custentity_zuora_id"] = zuora_id
    if number is not None:
        out["custentity_short_number"] = number.strip().split(" ", 1)[0]
    created = record.get("createdDate")
    if created is not None:
        out["custentity_zuora_created"] = date.fromisoformat(created).strftime("%m/%d/%Y")
    address = {}
    addr1, city, country = bill.get("address1"), bill.get("city"), bill.get("country")
    if addr1 is not None:
        address["addr1"] = addr1
    if city is not None:
        address["city"] = city
    if country is not None:
        address["country"] = country
    if address:
        out["defaultAddress"] = address
    region = record.get("Region__c")
    out["custentity_region"] = "unknown" if region is None else region
    return out


def bench_datetime(record: dict[str, Any]) -> dict[str, Any] | None:
    """benchmarks/account-bench-datetime.yaml: the sliced function plus a date-time field
    written as the day in UTC."""
    if record.get("status") != "Active":
        return None
    bill = record.get("billTo")
    if not isinstance(bill, dict):
        bill = {}
    out: dict[str, Any] = {}
    zuora_id = record.get("id")
    number = record.get("accountNumber")
    if zuora_id is not None:
        out["externalId"] = zuora_id
    if number is not None:
        out["entityId"] = number
    name = record.get("name")
    if name is not None:
        out["companyName"] = name.strip()
    if record.get("CustomerType__NS") == "Individual":
        first = bill.get("firstName")
        if first is not None:
            out["firstName"] = first
        last = bill.get("lastName")
        if last is not None:
            out["lastName"] = last
    email = bill.get("workEmail")
    if email is not None:
        out["email"] = email.lower()
    phone = bill.get("workPhone")
    if phone is not None:
        out["phone"] = phone
    currency = record.get("currency")
    if currency is not None:
        out["currency"] = {"id": CURRENCY_IDS[currency]}
    term = record.get("paymentTerm")
    if term is not None:
        out["terms"] = BENCH_TERMS[term]
    if zuora_id is not None:
        out["custentity_zuora_id"] = zuora_id
    if number is not None:
        out["custentity_short_number"] = number.strip().split(" ", 1)[0]
    created = record.get("createdDate")
    if created is not None:
        out["custentity_zuora_created"] = f"{created[5:7]}/{created[8:10]}/{created[:4]}"
    address = {}
    addr1, city, country = bill.get("address1"), bill.get("city"), bill.get("country")
    if addr1 is not None:
        address["addr1"] = addr1
    if city is not None:
        address["city"] = city
    if country is not None:
        address["country"] = country
    if address:
        out["defaultAddress"] = address
    region = record.get("Region__c")
    out["custentity_region"] = "unknown" if region is None else region
    updated = record.get("updatedDate")
    if updated is not None:
        moment = datetime.fromisoformat(updated)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        out["custentity_zuora_updated"] = moment.astimezone(UTC).date().isoformat()
    return out
