"""Seed folders: the generated NetSuite-master account, and the folder format's checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import jsonio
from engine.emulators import netsuite_seed
from engine.emulators.netsuite import create_app

from .conftest import Emulator


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = netsuite_seed.write(tmp_path / "a", n_customers=30, seed=5)
    second = netsuite_seed.write(tmp_path / "b", n_customers=30, seed=5)
    assert {k: p.read_bytes() for k, p in first.items()} == {
        k: p.read_bytes() for k, p in second.items()
    }
    assert netsuite_seed.generate(30, 6) != netsuite_seed.generate(30, 5)


def test_the_generated_account_loads_and_reads_back(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    netsuite_seed.write(tmp_path, n_customers=40, seed=3)
    ns = make_emulator(data_dir=tmp_path)
    customers = list(ns.app.store.records["customer"].values())
    assert len(customers) == 40
    assert any(c.get("isPerson") for c in customers)
    assert any(not c.get("isPerson") for c in customers)
    assert any(" " in c["entityId"] and "-" in c["entityId"].split(" ")[0] for c in customers)
    assert any(c.get("parent") for c in customers)
    drv = ns.driver()
    records = [r for page in drv.read_changed("customer", None, page_size=15) for r in page.records]
    assert len(records) == 40
    assert records == sorted(records, key=lambda r: r.updated_at)
    item = drv.get("nonInventorySaleItem", "5")
    assert item is not None and str(item["rate"]) == "0.125"
    made = drv.create(
        "customer", {"entityId": "NEW-1", "companyName": "New", "subsidiary": {"id": "1"}}
    )
    assert made.id == "41"
    newest = max(r.data["lastModifiedDate"] for r in records)
    assert made.record is not None and made.record["lastModifiedDate"] > newest


def test_lists_and_custom_fields_extend_the_account(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    (tmp_path / "lists.json").write_bytes(jsonio.dumps({"term": {"9": "Net 90"}}))
    (tmp_path / "custom_fields.json").write_bytes(jsonio.dumps({"Customer": ["custentity_tier"]}))
    (tmp_path / "Customer.json").write_bytes(
        jsonio.dumps(
            [
                {
                    "id": "12",
                    "entityId": "T-1",
                    "companyName": "Tiered",
                    "subsidiary": {"id": "1"},
                    "terms": {"id": "9"},
                    "custentity_tier": "gold",
                    "lastModifiedDate": "2024-02-01T10:00:00Z",
                }
            ]
        )
    )
    ns = make_emulator(data_dir=tmp_path)
    record = ns.driver().get("customer", "12")
    assert record is not None
    assert record["terms"]["refName"] == "Net 90"
    assert record["custentity_tier"] == "gold"
    assert record["lastModifiedDate"] == "2024-02-01T10:00:00Z"
    assert (
        ns.driver()
        .create("customer", {"entityId": "N", "companyName": "N", "subsidiary": {"id": "1"}})
        .id
        == "13"
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"customers.json": []}, "not a record type"),
        (
            {
                "customer.json": [
                    {
                        "entityId": "X",
                        "companyName": "X",
                        "subsidiary": {"id": "1"},
                        "nickname": "x",
                    }
                ]
            },
            "Invalid field name: 'nickname'",
        ),
        ({"customer.json": {"entityId": "X"}}, "expected a JSON list"),
        ({"autonumber.json": {"item": {"enabled": True}}}, "not a numbered record type"),
        ({"autonumber.json": {"customer": {"enbled": True}}}, "unknown autonumber settings"),
        ({"invoice.json": [{"entity": {"id": "1"}, "item": {"items": []}}]}, "entity"),
    ],
)
def test_bad_seed_folders_fail_loudly(
    tmp_path: Path, files: dict[str, object], message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(jsonio.dumps(content))
    with pytest.raises(ValueError, match=message):
        create_app(data_dir=tmp_path)


def test_a_missing_seed_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        create_app(data_dir=tmp_path / "nope")
