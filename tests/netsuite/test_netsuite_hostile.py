"""A NetSuite that answers badly, over real HTTP: SuiteQL paging that never ends, malformed
envelopes and rows, governance refusals sent as a 400, a bare 409. The emulator is told what to
send through its fault control endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from engine.errors import RateLimitedError, ResponseError, TransientError
from engine.run.drivers.netsuite import SUITEQL_MAX_ROWS, NetSuiteDriver

from .conftest import Emulator, customer

SUITEQL = "/services/rest/query/v1/suiteql"
RECORD = "/services/rest/record/v1/customer"


def arm(ns: Emulator, *rules: dict[str, Any]) -> None:
    answer = httpx.post(ns.root + "/__ferry/faults", json=list(rules))
    assert answer.status_code == 201, answer.text


def suiteql(items: Any, more: Any = False, **extra: Any) -> dict[str, Any]:
    body = {"items": items, "hasMore": more, "count": 1, "offset": 0, **extra}
    return {"kind": "answer", "method": "POST", "path": SUITEQL, "body": body}


def read_all(driver: NetSuiteDriver) -> list[Any]:
    return [r for p in driver.read_changed("customer", None) for r in p.records]


def test_has_more_forever_stops_past_what_suiteql_can_return(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    created = driver.create("customer", customer()).id
    arm(ns, {**suiteql([{"id": created}], more=True, totalResults=5), "times": None})
    with pytest.raises(ResponseError) as caught:
        read_all(driver)
    pages = SUITEQL_MAX_ROWS // 1000 + 2
    assert f"paging of {ns.rest}/query/v1/suiteql stopped at page {pages}" in str(caught.value)


def test_endless_empty_suiteql_pages_stop(ns: Emulator, driver: NetSuiteDriver) -> None:
    arm(ns, {**suiteql([], more=True), "times": None})
    with pytest.raises(ResponseError, match="20 empty pages in a row"):
        read_all(driver)


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        (suiteql({"id": "1"}), "no 'items' list"),
        (suiteql([], more="yes"), "'hasMore' is not true/false"),
        (suiteql([], totalResults="many"), "'totalResults' not a number"),
    ],
)
def test_a_malformed_suiteql_envelope_is_a_classified_error(
    ns: Emulator, driver: NetSuiteDriver, rule: dict[str, Any], why: str
) -> None:
    arm(ns, rule)
    with pytest.raises(ResponseError, match=why) as caught:
        read_all(driver)
    assert caught.value.endpoint == "netsuite"


def test_rows_without_id_or_time_are_records_with_a_problem(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    good = driver.create("customer", customer("Good")).id
    undated = driver.create("customer", customer("Undated")).id
    arm(
        ns,
        suiteql([{"id": good}, {"entityid": "no id"}, {"id": undated}], totalResults=3),
        {"kind": "answer", "method": "GET", "path": f"{RECORD}/{undated}", "body": {"id": undated}},
    )
    records = read_all(driver)
    assert [r.id for r in records if r.problem is None] == [good]
    problems = {r.id: r.problem or "" for r in records if r.problem is not None}
    assert "'lastModifiedDate' None is not a date-time" in problems[undated]
    [nameless] = [p for i, p in problems.items() if i.startswith("no-id:")]
    assert "a SuiteQL row of page 1" in nameless and "has no 'id'" in nameless


def test_sss_request_limit_exceeded_is_retried_as_a_rate_limit(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    refusal = {
        "kind": "answer",
        "status": 400,
        "path": f"{RECORD}/*",
        "body": {
            "title": "Bad Request",
            "status": 400,
            "o:errorDetails": [
                {"detail": "Request limit exceeded", "o:errorCode": "SSS_REQUEST_LIMIT_EXCEEDED"}
            ],
        },
    }
    created = driver.create("customer", customer()).id
    arm(ns, {**refusal, "times": 2})
    record = driver.get("customer", created)
    assert record is not None and record["id"] == created
    arm(ns, {**refusal, "times": None})
    with pytest.raises(RateLimitedError, match="SSS_REQUEST_LIMIT_EXCEEDED"):
        driver.get("customer", created)


def test_a_bare_409_on_create_is_retried_and_creates_once(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    arm(
        ns,
        {"kind": "answer", "status": 409, "method": "POST", "path": RECORD, "body": "", "times": 2},
    )
    driver.create("customer", customer())
    assert len(ns.app.state.store.records["customer"]) == 1
    arm(
        ns,
        {
            "kind": "answer",
            "status": 409,
            "method": "POST",
            "path": RECORD,
            "body": "",
            "times": None,
        },
    )
    with pytest.raises(TransientError, match="HTTP 409"):
        driver.create("customer", customer("Other"))


def test_a_record_that_is_not_an_object_is_a_classified_error(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    arm(ns, {"kind": "answer", "method": "GET", "path": f"{RECORD}/7", "body": "7"})
    with pytest.raises(ResponseError, match="customer/7 answered with int, not a record"):
        driver.get("customer", "7")
