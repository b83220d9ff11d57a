"""A deterministic, realistic Zuora tenant for the demo and tests: ``generate`` then ``write``.

Why generated rather than hand-written: the demo needs a few hundred records with the awkward cases
the connector documents (persons and companies, accounts whose number is locked by posted
invoices, duplicate charge names across products, negative invoices, payments over two invoices,
an unassigned payment, a refund), and the same ``seed`` must always give the same bytes so runs
and snapshots are reproducible. The output is the emulator's seed format (docs/emulators.md):
one JSON list per collection, records in Object Query shape with children nested.

Usage::

    from engine.emulators import zuora_seed
    data = zuora_seed.generate(n_accounts=120, seed=7)
    zuora_seed.write(Path("seed/zuora"), n_accounts=120, seed=7)
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.emulators.seedfiles import write_seed

Record = dict[str, Any]
CENT = Decimal("0.01")
_EPOCH = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = _words(
    "Ada Grace Alan Linus Mary Ken Barbara Dennis Frances Edsger Margaret John Radia Tim Hedy"
    " Niklaus Sophie Marta Jonas Ines"
)
_LAST = _words(
    "Lovelace Hopper Turing Torvalds Jackson Thompson Liskov Ritchie Allen Dijkstra Hamilton"
    " Backus Perlman Berners-Lee Lamarr Wirth Wilson Nowak Berg Costa"
)
_COMPANY_A = _words(
    "Northwind Contoso Globex Initech Umbrella Hooli Vandelay Stark Wayne Acme Tyrell Cyberdyne"
    " Soylent Wonka Oceanic"
)
_COMPANY_B = _words("Traders Systems Logistics Analytics Foods Labs Industries Media Holdings")
_SUFFIX = ("Ltd", "Inc.", "GmbH", "LLC", "S.A.", "BV", "")
# city; state; country; postal code; currency
_PLACES = tuple(
    tuple(line.split(";"))
    for line in """London;;GB;EC1A 1BB;GBP
Berlin;;DE;10115;EUR
Paris;;FR;75001;EUR
Austin;TX;US;73301;USD
Seattle;WA;US;98101;USD
Boston;MA;US;02108;USD
Toronto;ON;CA;M5H 2N2;USD""".splitlines()
)
_REGIONS = ("EMEA", "AMER", "APAC")

# sku; product; category
_PRODUCTS = """SKU-CLOUD;Ferry Cloud;Base Products
SKU-ANALYTICS;Ferry Analytics;Add On Services
SKU-TOKEN;Hardware Token;Miscellaneous Products
SKU-PS;Professional Services;Add On Services"""
# sku; plan; charge; charge type; model (Flat Fee / Per Unit Pricing); NetSuite item type; USD
# price. Charge names repeat across products on purpose ("Monthly Subscription", "Setup Fee"):
# an Item ID mapped from the charge name must then be caught as a duplicate.
_CHARGES = """SKU-CLOUD;Cloud Standard;Monthly Subscription;Recurring;Flat Fee;Service;99.00
SKU-CLOUD;Cloud Standard;Setup Fee;OneTime;Flat Fee;Service;250.00
SKU-CLOUD;Cloud Enterprise;Monthly Subscription;Recurring;Flat Fee;Service;499.00
SKU-CLOUD;Cloud Enterprise;Seats;Recurring;Per Unit;Service;12.50
SKU-ANALYTICS;Analytics Add-on;Monthly Subscription;Recurring;Flat Fee;Service;49.00
SKU-ANALYTICS;Analytics Add-on;API Calls;Usage;Per Unit;Service;0.0025
SKU-TOKEN;Token Pack;Token Device;OneTime;Per Unit;Non-Inventory;35.00
SKU-TOKEN;Token Pack;Shipping;OneTime;Flat Fee;Non-Inventory;9.95
SKU-PS;Onboarding;Setup Fee;OneTime;Flat Fee;Service;1200.00
SKU-PS;Onboarding;Training Day;OneTime;Per Unit;Service;800.00"""
_FX = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


# --- record shapes: one definition each, for this generator and the tests' seed builders ------


def rate_plan(record_id: str, product: Record, name: str, **extra: Any) -> Record:
    return {
        "id": record_id,
        "productId": product["id"],
        "name": name,
        "status": "Active",
        "effectiveStartDate": "2020-01-01",
        "effectiveEndDate": "2099-12-31",
        **extra,
    }


def invoice(
    record_id: str,
    number: str,
    account: Record,
    day: str,
    due: str,
    status: str,
    items: list[Record],
    **extra: Any,
) -> Record:
    """An invoice with its items nested; a posted one carries its posting date."""
    record = {
        "id": record_id,
        "invoiceNumber": number,
        "accountId": account["id"],
        "invoiceDate": day,
        "dueDate": due,
        "currency": account["currency"],
        "status": status,
        "transferredToAccounting": "No",
        "IntegrationId__NS": None,
        "invoiceItems": items,
        **extra,
    }
    if status == "Posted":
        record["postedDate"] = day
    return record


def application(record_id: str, invoice_id: str, amount: Decimal, day: str) -> Record:
    """A payment's application to one invoice."""
    return {"id": record_id, "invoiceId": invoice_id, "applyAmount": amount, "effectiveDate": day}


def payment(
    record_id: str,
    number: str,
    account: Record | None,
    amount: Decimal,
    day: str,
    applications: list[Record],
    **extra: Any,
) -> Record:
    """An external payment; without an account it is unassigned (in USD)."""
    return {
        "id": record_id,
        "paymentNumber": number,
        "accountId": None if account is None else account["id"],
        "amount": amount,
        "currency": "USD" if account is None else account["currency"],
        "type": "External",
        "status": "Processed",
        "effectiveDate": day,
        "transferredToAccounting": "No",
        "paymentApplications": applications,
        **extra,
    }


def refund(
    record_id: str, number: str, paid: Record, amount: Decimal, day: str, **extra: Any
) -> Record:
    """A check refund of part of payment ``paid``."""
    return {
        "id": record_id,
        "refundNumber": number,
        "paymentId": paid["id"],
        "accountId": paid["accountId"],
        "amount": amount,
        "currency": paid["currency"],
        "type": "External",
        "methodType": "Check",
        "status": "Processed",
        "refundDate": day,
        "reasonCode": "Standard Refund",
        "transferredToAccounting": "No",
        **extra,
    }


def credit_memo(
    record_id: str, number: str, account: Record, day: str, items: list[Record], **extra: Any
) -> Record:
    """A posted credit memo with its items nested."""
    return {
        "id": record_id,
        "memoNumber": number,
        "accountId": account["id"],
        "currency": account["currency"],
        "memoDate": day,
        "status": "Posted",
        "reasonCode": "Correcting invoice error",
        "transferredToAccounting": "No",
        "creditMemoItems": items,
        **extra,
    }


class _Gen:
    """Builds one data set; ids and timestamps come from counters so output is reproducible."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.moment = _EPOCH
        self.out: dict[str, list[Record]] = {
            k: []
            for k in (
                "accounts",
                "products",
                "product_rate_plans",
                "product_rate_plan_charges",
                "invoices",
                "payments",
                "credit_memos",
                "refunds",
            )
        }
        self.charges: list[Record] = []

    def new_id(self, kind: int) -> str:
        self.serial += 1
        return f"2c92c0f8{kind:02x}{self.serial:022x}"

    def stamps(self) -> Record:
        self.moment += timedelta(
            minutes=self.rng.randint(1, 180), milliseconds=self.rng.randint(1, 999)
        )
        text = (
            self.moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.moment.microsecond // 1000:03d}Z"
        )
        return {"createdDate": text, "updatedDate": text}

    # -- catalog -----------------------------------------------------------------------------

    def catalog(self) -> None:
        products: dict[str, Record] = {}
        for number, line in enumerate(_PRODUCTS.splitlines(), start=1):
            sku, name, category = line.split(";")
            products[sku] = self.product(name, sku, category, number)
        plans: dict[tuple[str, str], Record] = {}
        for line in _CHARGES.splitlines():
            sku, plan_name, name, kind, model, item_type, price = line.split(";")
            if (sku, plan_name) not in plans:
                plans[(sku, plan_name)] = self.plan(products[sku], plan_name)
            model = f"{model} Pricing"
            self.charge(
                products[sku], plans[(sku, plan_name)], name, kind, model, "Month", item_type, price
            )

    def product(self, name: str, sku: str, category: str, number: int) -> Record:
        product = {
            "id": self.new_id(1),
            "productNumber": f"PC-{number:05d}",
            "name": name,
            "sku": sku,
            "category": category,
            "description": f"{name} ({category})",
            "effectiveStartDate": "2020-01-01",
            "effectiveEndDate": "2099-12-31",
            **self.stamps(),
        }
        self.out["products"].append(product)
        return product

    def plan(self, product: Record, name: str) -> Record:
        plan = rate_plan(self.new_id(2), product, name, **self.stamps())
        self.out["product_rate_plans"].append(plan)
        return plan

    def charge(
        self,
        product: Record,
        plan: Record,
        name: str,
        kind: str,
        model: str,
        period: str,
        item_type: str,
        price: str,
    ) -> None:
        tiers = [
            {
                "currency": cur,
                "price": (Decimal(price) * fx).quantize(Decimal(price)),
                "tier": 1,
                "priceFormat": "Per Unit" if "Unit" in model else "Flat Fee",
            }
            for cur, fx in _FX.items()
        ]
        record = {
            "id": self.new_id(3),
            "productRatePlanId": plan["id"],
            "name": name,
            "chargeType": kind,
            "chargeModel": model,
            "billingPeriod": period,
            "billCycleType": "DefaultFromCustomer",
            "triggerEvent": "ContractEffective",
            "uom": "Each" if "Unit" in model else None,
            "accountingCode": "Sales Revenue",
            "ItemType__NS": item_type,
            "productRatePlanChargeTiers": tiers,
            **self.stamps(),
        }
        self.out["product_rate_plan_charges"].append(record)
        self.charges.append({"charge": record, "plan": plan, "product": product})

    # -- accounts ------------------------------------------------------------------------------

    def account(self, index: int) -> Record:
        rng = self.rng
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, state, country, postal, currency = rng.choice(_PLACES)
        person = rng.random() < 0.4
        name = (
            f"{first} {last}"
            if person
            else " ".join(
                p
                for p in (rng.choice(_COMPANY_A), rng.choice(_COMPANY_B), rng.choice(_SUFFIX))
                if p
            )
        )
        contact = {
            "id": self.new_id(4),
            "firstName": first,
            "lastName": last,
            "address1": f"{rng.randint(1, 250)} {rng.choice(_LAST)} Street",
            "city": city,
            "state": state or None,
            "postalCode": postal,
            "country": country,
            "workEmail": f"{first}.{last}@example.com".lower(),
            **self.stamps(),
        }
        account = {
            "id": self.new_id(5),
            "accountNumber": f"A{index + 1000:08d}",
            "name": name,
            "currency": currency,
            "status": "Canceled" if index % 25 == 24 else "Active",
            "billCycleDay": rng.choice((1, 1, 15, 31)),
            "paymentTerm": rng.choice(("Due Upon Receipt", "Net 30", "Net 30", "Net 60")),
            "crmId": None if person else f"CRM-{rng.randint(10000, 99999)}",
            "batch": "Batch1",
            "autoPay": False,
            "Region__c": rng.choice(_REGIONS),
            "CustomerType__NS": "Individual" if person else "Company",
            "SynctoNetSuite__NS": "No" if index % 17 == 16 else (None if index % 5 == 0 else "Yes"),
            "IntegrationId__NS": None,
            "IntegrationStatus__NS": None,
            "SyncDate__NS": None,
            "billTo": contact,
            **self.stamps(),
        }
        if not person and rng.random() < 0.3:
            sold = dict(
                contact,
                id=self.new_id(4),
                firstName=rng.choice(_FIRST),
                workEmail=f"ap{index}@example.com",
                **self.stamps(),
            )
            account["soldTo"] = sold
        self.out["accounts"].append(account)
        return account

    # -- transactions --------------------------------------------------------------------------

    def invoice(self, account: Record, number: int, negative: bool) -> Record:
        rng = self.rng
        day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 330))
        picks = (
            [rng.choice(self.charges)] if negative else rng.sample(self.charges, rng.randint(2, 4))
        )
        items = [self.item(account, pick, day, negative) for pick in picks]
        record = invoice(
            self.new_id(6),
            f"INV{number:08d}",
            account,
            day.isoformat(),
            (day + timedelta(days=30)).isoformat(),
            "Posted" if rng.random() < 0.85 else "Draft",
            items,
            **self.stamps(),
        )
        self.out["invoices"].append(record)
        return record

    def item(self, account: Record, pick: Record, day: date, negative: bool) -> Record:
        charge, plan, product = pick["charge"], pick["plan"], pick["product"]
        price = next(
            t["price"]
            for t in charge["productRatePlanChargeTiers"]
            if t["currency"] == account["currency"]
        )
        quantity = Decimal(self.rng.randint(1, 5)) if "Unit" in charge["chargeModel"] else 1
        amount = (price * quantity).quantize(CENT)
        return {
            "id": self.new_id(7),
            "productRatePlanChargeId": charge["id"],
            "productRatePlanId": plan["id"],
            "productId": product["id"],
            "chargeName": charge["name"],
            "productName": product["name"],
            "sku": product["sku"],
            "chargeAmount": -amount if negative else amount,
            "taxAmount": Decimal("0.00"),
            "quantity": quantity,
            "unitPrice": -price if negative else price,
            "serviceStartDate": day.isoformat(),
            "serviceEndDate": (day + timedelta(days=29)).isoformat(),
            "chargeDate": day.isoformat(),
            **self.stamps(),
        }

    def payment(
        self,
        account: Record | None,
        invoices: list[Record],
        number: int,
        extra: Decimal = Decimal(0),
    ) -> Record:
        applications = [
            application(self.new_id(9), inv["id"], _total(inv), inv["dueDate"]) for inv in invoices
        ]
        amount = sum((a["applyAmount"] for a in applications), Decimal(0)) + extra
        last = max((inv["dueDate"] for inv in invoices), default="2024-06-30")
        record = payment(
            self.new_id(8),
            f"P-{number:08d}",
            account,
            amount,
            last,
            applications,
            **self.stamps(),
        )
        self.out["payments"].append(record)
        return record


def _total(invoice: Record) -> Decimal:
    return sum((i["chargeAmount"] for i in invoice["invoiceItems"]), Decimal(0))


def generate(n_accounts: int = 40, seed: int = 7) -> dict[str, list[Record]]:
    """Build the data set: same arguments, same records (and same bytes from ``write``)."""
    gen = _Gen(seed)
    gen.catalog()
    invoice_no, payment_no = 1000, 1000
    for index in range(n_accounts):
        account = gen.account(index)
        if account["status"] != "Active" or index % 3 == 2:
            continue
        posted: list[Record] = []
        for _ in range(gen.rng.randint(1, 3)):
            invoice_no += 1
            invoice = gen.invoice(account, invoice_no, negative=index % 11 == 10 and not posted)
            if invoice["status"] == "Posted" and _total(invoice) > 0:
                posted.append(invoice)
        if posted and gen.rng.random() < 0.7:
            payment_no += 1
            extra = Decimal("25.00") if index % 7 == 0 else Decimal(0)
            gen.payment(account, posted[:2], payment_no, extra)
    payment_no += 1
    gen.payment(None, [], payment_no, Decimal("150.00"))
    _add_refund(gen)
    _add_credit_memo(gen)
    return gen.out


def _add_refund(gen: _Gen) -> None:
    """Refund part of the first payment that has money left unapplied."""
    for paid in gen.out["payments"]:
        applied = sum((a["applyAmount"] for a in paid["paymentApplications"]), Decimal(0))
        if paid["accountId"] and paid["amount"] > applied:
            gen.out["refunds"].append(
                refund(
                    gen.new_id(10),
                    "R-00001001",
                    paid,
                    Decimal("20.00"),
                    paid["effectiveDate"],
                    **gen.stamps(),
                )
            )
            return


def _add_credit_memo(gen: _Gen) -> None:
    account = next((a for a in gen.out["accounts"] if a["status"] == "Active"), None)
    if account is None or not gen.charges:
        return
    pick = gen.charges[0]
    memo_id = gen.new_id(11)
    item = {
        "id": gen.new_id(12),
        "productRatePlanChargeId": pick["charge"]["id"],
        "chargeName": pick["charge"]["name"],
        "amount": Decimal("10.00"),
        **gen.stamps(),
    }
    gen.out["credit_memos"].append(
        credit_memo(memo_id, "CM00001001", account, "2024-06-15", [item], **gen.stamps())
    )


def write(directory: Path, n_accounts: int = 40, seed: int = 7) -> dict[str, Path]:
    """Write ``generate(...)`` as ``<collection>.json`` files; return the paths written."""
    return write_seed(directory, generate(n_accounts, seed))


__all__ = ["generate", "write"]
