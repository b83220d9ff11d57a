"""Catalog CRUD and the billing documents: invoices, payments, credit memos, refunds; the seed."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from engine.emulators import zuora_seed

from .conftest import Zuora, account_body, exact, make_charge, make_invoice, post_json


def test_catalog_crud_and_query_shapes(api: httpx.Client) -> None:
    charge_id = make_charge(api, name="Setup Fee", item_type="Non-Inventory")
    crud = api.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json()
    assert crud["Id"] == charge_id and crud["ChargeModel"] == "Flat Fee Pricing"
    assert crud["ItemType__NS"] == "Non-Inventory"
    row = api.get(
        f"/object-query/product-rate-plan-charges/{charge_id}",
        params={"expand[]": "productRatePlanChargeTiers"},
    ).json()
    assert (row["chargeModel"], row["chargeType"]) == ("Flat Fee Pricing", "Recurring")
    assert row["productRatePlanChargeTiers"][0]["currency"] == "USD"
    plan = api.get(
        f"/object-query/product-rate-plans/{row['productRatePlanId']}",
        params={"expand[]": "productRatePlanCharges"},
    ).json()
    assert [c["id"] for c in plan["productRatePlanCharges"]] == [charge_id]
    update = api.put(
        f"/v1/object/product-rate-plan-charge/{charge_id}",
        json={"Description": "one-off", "IntegrationId__NS": "901"},
    ).json()
    assert update == {"Success": True, "Id": charge_id}
    assert (
        api.get(f"/object-query/product-rate-plan-charges/{charge_id}").json()["IntegrationId__NS"]
        == "901"
    )


def test_crud_errors(api: httpx.Client) -> None:
    missing = post_json(api, "/v1/object/product", {"Name": "No dates"}).json()
    assert missing["Success"] is False
    assert missing["Errors"][0]["Code"] == "MISSING_REQUIRED_VALUE"
    bad_model = post_json(api, "/v1/object/product-rate-plan-charge", {"ChargeModel": "Magic"})
    assert bad_model.json()["Success"] is False
    not_found = api.put("/v1/object/product/nope", json={"Name": "x"})
    assert not_found.status_code == 404 and not_found.json()["Errors"][0]["Code"] == "INVALID_ID"
    charge_id = make_charge(api)
    loose = api.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json={"Nmae": "typo"})
    assert loose.json()["Success"] is True  # Zuora ignores unknown CRUD fields by default
    strict = api.put(
        f"/v1/object/product-rate-plan-charge/{charge_id}",
        params={"rejectUnknownFields": "true"},
        json={"Nmae": "typo"},
    )
    assert strict.status_code == 400
    assert strict.json() == {"message": "Error - unrecognised fields"}


def test_invoice_lifecycle(api: httpx.Client) -> None:
    charge = make_charge(api)
    account = post_json(api, "/v1/accounts", account_body(paymentTerm="Net 30")).json()
    draft = make_invoice(
        api, account["accountId"], charge, Decimal("40.00"), Decimal("2.50"), post=False
    )
    assert draft["status"] == "Draft" and draft["amount"] == Decimal("42.50")
    assert draft["dueDate"] == "2024-03-31"
    posted = exact(api.put(f"/v1/invoices/{draft['invoiceNumber']}/post"))
    assert posted["status"] == "Posted" and posted["postedDate"]
    again = api.put(f"/v1/invoices/{draft['id']}/post")
    assert again.status_code == 200 and again.json()["reasons"][0]["code"] == 59210030
    items = api.get(f"/v1/invoices/{draft['id']}/items").json()["invoiceItems"]
    assert len(items) == 2 and items[0]["productRatePlanChargeId"] == charge
    negative = make_invoice(api, account["accountId"], charge, Decimal("-5.00"))
    assert negative["amount"] == Decimal("-5.00")
    bad = post_json(
        api,
        "/v1/invoices",
        {"accountId": account["accountId"], "invoiceDate": "2024-01-01", "invoiceItems": []},
    )
    assert bad.status_code == 400 and bad.json()["reasons"][0]["code"] == 59210022


def test_payments_refunds_and_credit_memos(zuora: Zuora, api: httpx.Client) -> None:
    charge = make_charge(api)
    account = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    one = make_invoice(api, account, charge, Decimal("100.00"))
    two = make_invoice(api, account, charge, Decimal("50.25"))
    body = {
        "accountId": account,
        "amount": Decimal("170.25"),
        "currency": "USD",
        "type": "External",
        "effectiveDate": "2024-03-15",
        "invoices": [
            {"invoiceId": one["id"], "amount": Decimal("100.00")},
            {"invoiceNumber": two["invoiceNumber"], "amount": Decimal("50.25")},
        ],
    }
    payment = exact(post_json(api, "/v1/payments", body))
    assert payment["success"] is True and payment["number"].startswith("P-")
    assert (payment["appliedAmount"], payment["unappliedAmount"]) == (
        Decimal("150.25"),
        Decimal("20.00"),
    )
    assert exact(api.get(f"/v1/invoices/{two['id']}"))["balance"] == 0
    too_much = post_json(
        api,
        f"/v1/payments/{payment['id']}/refunds",
        {"totalAmount": 25, "type": "External", "methodType": "Check"},
    )
    assert too_much.json()["reasons"][0]["code"] == 58740030
    refund = exact(
        post_json(
            api,
            f"/v1/payments/{payment['number']}/refunds",
            {"totalAmount": Decimal("20.00"), "type": "External", "methodType": "Check"},
        )
    )
    assert refund["paymentId"] == payment["id"] and refund["amount"] == Decimal("20.00")
    assert exact(api.get(f"/v1/refunds/{refund['number']}"))["status"] == "Processed"
    after = exact(api.get(f"/v1/payments/{payment['id']}"))
    assert (after["refundAmount"], after["unappliedAmount"]) == (Decimal("20.00"), 0)
    unassigned = exact(
        post_json(
            api, "/v1/payments", {"amount": Decimal("9.99"), "currency": "USD", "type": "External"}
        )
    )
    assert unassigned["accountId"] is None and unassigned["unappliedAmount"] == Decimal("9.99")
    memo = exact(
        post_json(
            api,
            "/v1/credit-memos",
            {
                "accountId": account,
                "effectiveDate": "2024-03-20",
                "autoPost": True,
                "charges": [{"chargeId": charge, "amount": Decimal("12.34")}],
            },
        )
    )
    assert memo["status"] == "Posted" and memo["amount"] == Decimal("12.34")
    assert exact(api.get(f"/v1/creditmemos/{memo['number']}"))["id"] == memo["id"]
    rows = api.get(
        "/object-query/credit-memos",
        params={"filter[]": f"accountId.EQ:{account}", "expand[]": "creditMemoItems"},
    ).json()["data"]
    assert rows[0]["creditMemoItems"][0]["productRatePlanChargeId"] == charge


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": 10, "currency": "USD", "type": "Electronic"}, 58730030),
        ({"amount": -1, "currency": "USD", "type": "External"}, 58730020),
        ({"currency": "USD", "type": "External"}, 58730022),
    ],
)
def test_payment_validation(api: httpx.Client, body: dict[str, object], code: int) -> None:
    assert post_json(api, "/v1/payments", body).json()["reasons"][0]["code"] == code


def test_tracking_fields_on_transactions(api: httpx.Client) -> None:
    charge = make_charge(api)
    account = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    invoice = make_invoice(api, account, charge, 3)
    before = api.get(f"/object-query/invoices/{invoice['id']}").json()
    result = api.put(
        f"/v1/object/invoice/{invoice['id']}",
        json={
            "TransferredToAccounting": "Yes",
            "IntegrationId__NS": "4711",
            "IntegrationStatus__NS": "Sync Complete",
            "SyncDate__NS": "2024-03-02T10:00:00Z",
        },
    ).json()
    assert result == {"Success": True, "Id": invoice["id"]}
    after = api.get(f"/object-query/invoices/{invoice['id']}").json()
    assert after["transferredToAccounting"] == "Yes" and after["IntegrationId__NS"] == "4711"
    assert after["updatedDate"] > before["updatedDate"]
    wrong = api.put(
        f"/v1/object/invoice/{invoice['id']}", json={"TransferredToAccounting": "Maybe"}
    ).json()
    assert wrong["Success"] is False and wrong["Errors"][0]["Code"] == "INVALID_VALUE"


def test_seed_is_deterministic_and_realistic() -> None:
    data = zuora_seed.generate(n_accounts=60, seed=3)
    assert data == zuora_seed.generate(n_accounts=60, seed=3)
    assert data != zuora_seed.generate(n_accounts=60, seed=4)
    accounts = data["accounts"]
    kinds = {a["CustomerType__NS"] for a in accounts}
    assert kinds == {"Individual", "Company"}
    charges = [c["name"] for c in data["product_rate_plan_charges"]]
    assert len(charges) > len(set(charges))  # duplicate names across products
    assert {c["ItemType__NS"] for c in data["product_rate_plan_charges"]} >= {
        "Service",
        "Non-Inventory",
    }
    totals = [sum(i["chargeAmount"] for i in inv["invoiceItems"]) for inv in data["invoices"]]
    assert any(t < 0 for t in totals)
    assert any(len(inv["invoiceItems"]) > 1 for inv in data["invoices"])
    payments = data["payments"]
    assert any(len(p["paymentApplications"]) == 2 for p in payments)
    assert sum(1 for p in payments if p["accountId"] is None) == 1
    assert len(data["refunds"]) == 1 and data["credit_memos"]


def test_seeded_tenant_derives_amounts(seeded: Zuora) -> None:
    store = seeded.store
    locked = [a for a in store.table("accounts").values() if a.get("lastInvoiceDate")]
    assert locked
    refund = next(iter(store.table("refunds").values()))
    payment = store.table("payments")[refund["paymentId"]]
    assert payment["refundAmount"] == refund["amount"]
    assert payment["unappliedAmount"] == (
        payment["amount"] - payment["appliedAmount"] - refund["amount"]
    )
    for invoice in store.table("invoices").values():
        items = store.where("invoice_items", "invoiceId", invoice["id"])
        assert invoice["amount"] == sum(i["chargeAmount"] for i in items)
