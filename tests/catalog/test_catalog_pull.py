"""``ferry catalog pull`` against both emulators over real HTTP, and the emulators' metadata
endpoints and write checks, which are served from the same catalogs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.check.catalog import SHIPPED_DIR
from engine.emulators import stack
from engine.emulators.stack import EmulatorStack

SEEDED = {("zuora", "account"): "Region__c", ("netsuite", "customer"): "custentity_region"}


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[EmulatorStack]:
    with stack.running(tmp_path) as running:
        yield running


def _token(emulators: EmulatorStack) -> str:
    answer = httpx.post(
        emulators.zuora.base_url + "/oauth/token",
        data={
            "client_id": emulators.env["ZUORA_CLIENT_ID"],
            "client_secret": emulators.env["ZUORA_CLIENT_SECRET"],
            "grant_type": "client_credentials",
        },
    )
    return str(answer.json()["access_token"])


def test_pull_writes_the_shipped_catalogs_plus_the_tenants_own_fields(
    emulators: EmulatorStack, tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    out = tmp_path / "catalogs"

    result = ferry(
        "catalog", "pull", "--connections", str(emulators.connections), "--out", str(out)
    )

    assert result.code == 0, result.err
    written = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.json"))
    shipped = sorted(p.relative_to(SHIPPED_DIR).as_posix() for p in SHIPPED_DIR.glob("*/*.json"))
    assert written == shipped
    for name in shipped:
        pulled = json.loads((out / name).read_text())
        original = json.loads((SHIPPED_DIR / name).read_text())
        endpoint, obj = name.removesuffix(".json").split("/")
        extra = set(pulled["fields"]) - set(original["fields"])
        assert extra == ({SEEDED[(endpoint, obj)]} if (endpoint, obj) in SEEDED else set()), name
        assert pulled["origin"] == "pulled"
        for field, facts in original["fields"].items():
            assert pulled["fields"][field] == facts, (name, field)
    assert pulled_custom(out / "zuora" / "account.json", "Region__c")
    assert pulled_custom(out / "netsuite" / "customer.json", "custentity_region")
    assert "wrote" in result.out and "Region__c" in result.out


def pulled_custom(path: Path, field: str) -> bool:
    facts = json.loads(path.read_text())["fields"][field]
    return facts["custom"] is True and facts["type"] == "string"


def test_after_a_pull_the_tenant_field_validates_strictly(
    emulators: EmulatorStack, tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    project = tmp_path / "project"
    (project / "mappings").mkdir(parents=True)
    spec = project / "mappings" / "customer.yaml"
    spec.write_text(
        "apiVersion: ferry/v1\nkind: Mapping\nmetadata: {name: t/customer, version: 1}\n"
        "source: {endpoint: zuora, object: account}\n"
        "destination: {endpoint: netsuite, object: customer}\n"
        "identity: {external_id: {from: id}}\n"
        "fields:\n  - {to: custentity_region, from: Region__c}\n"
    )
    before = ferry("validate", "--strict", str(spec))

    pulled = ferry(
        "catalog",
        "pull",
        "--connections",
        str(emulators.connections),
        "--out",
        str(project / "catalogs"),
        "zuora:account",
        "netsuite:customer",
    )
    after = ferry("validate", "--strict", str(spec))

    assert before.code == 1 and "ferry catalog pull" in before.out
    assert pulled.code == 0, pulled.err
    assert after.code == 0, after.out


def test_zuora_describe_is_xml_from_the_catalog(emulators: EmulatorStack) -> None:
    headers = {"Authorization": f"Bearer {_token(emulators)}"}

    answer = httpx.get(emulators.zuora.base_url + "/v1/describe/Account", headers=headers)
    missing = httpx.get(emulators.zuora.base_url + "/v1/describe/Contract", headers=headers)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<name>SynctoNetSuite__NS</name>" in answer.text
    assert "<name>Region__c</name>" in answer.text and "<custom>true</custom>" in answer.text
    assert missing.json()["success"] is False


def test_zuora_refuses_unknown_and_bad_connector_field_values(emulators: EmulatorStack) -> None:
    headers = {"Authorization": f"Bearer {_token(emulators)}"}
    body = {
        "name": "Acme",
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "A", "lastName": "B"},
    }
    url = emulators.zuora.base_url + "/v1/accounts"

    unknown = httpx.post(url, json={**body, "SyncToNetSuite__NS": "No"}, headers=headers).json()
    bad = httpx.post(url, json={**body, "SynctoNetSuite__NS": "Maybe"}, headers=headers).json()
    good = httpx.post(url, json={**body, "SynctoNetSuite__NS": "No"}, headers=headers).json()

    assert unknown["success"] is False and str(unknown["reasons"][0]["code"]).endswith("21")
    assert "SyncToNetSuite__NS" in unknown["reasons"][0]["message"]
    assert bad["success"] is False and str(bad["reasons"][0]["code"]).endswith("20")
    assert good["success"] is True


def test_netsuite_metadata_catalog_is_json_schema_from_the_catalog(
    emulators: EmulatorStack,
) -> None:
    from engine.run.sync.connect import close_endpoints, open_endpoints

    drivers = open_endpoints(emulators.connections)
    try:
        schema = drivers["netsuite"].record_schema("customer")  # type: ignore[attr-defined]
    finally:
        close_endpoints(drivers)

    props = schema["properties"]
    assert props["custentity_region"]["x-ns-custom-field"] is True
    assert props["balance"]["readOnly"] is True
    assert props["subsidiary"]["links"][0]["href"].endswith("/metadata-catalog/subsidiary")
    assert "subsidiary" in schema["required"]
    assert props["entityId"]["maxLength"] == 83


def test_netsuite_refuses_a_value_longer_than_the_catalog_allows(emulators: EmulatorStack) -> None:
    from engine.errors import RejectedError
    from engine.run.sync.connect import close_endpoints, open_endpoints

    drivers = open_endpoints(emulators.connections)
    try:
        with pytest.raises(RejectedError) as caught:
            drivers["netsuite"].create(
                "customer", {"entityId": "E" * 84, "companyName": "Acme", "subsidiary": {"id": "1"}}
            )
    finally:
        close_endpoints(drivers)

    assert "at most 83 characters" in str(caught.value.details)
