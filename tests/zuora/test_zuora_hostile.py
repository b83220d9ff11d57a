"""A Zuora that answers badly, over real HTTP: listings that never end, malformed envelopes and
rows, a 409 while a request is in flight. The emulator is told what to send through its fault
control endpoint, as any client could tell it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from engine.errors import ResponseError, TransientError
from engine.run.drivers.zuora import ZuoraDriver

from .conftest import Zuora

LISTING = "/object-query/accounts"


def arm(zuora: Zuora, *rules: dict[str, Any]) -> None:
    answer = httpx.post(zuora.base_url + "/__ferry/faults", json=list(rules))
    assert answer.status_code == 201, answer.text


def page(next_page: str | None, rows: list[Any] | None = None) -> dict[str, Any]:
    """An Object Query page answer for ``arm``."""
    body: dict[str, Any] = {"data": rows if rows is not None else []}
    if next_page is not None:
        body["nextPage"] = next_page
    return {"kind": "answer", "method": "GET", "path": LISTING, "body": body}


def row(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"acc{n}", "updatedDate": f"2024-03-01T10:00:0{n}.000Z", **extra}


def read_all(driver: ZuoraDriver) -> list[Any]:
    return [r for p in driver.read_changed("account", None) for r in p.records]


@pytest.mark.parametrize(
    ("cursors", "stopped_at"),
    [
        (["A", "A"], 2),  # the same cursor again
        (["A", "B", "A"], 3),  # a loop A -> B -> A
    ],
)
def test_a_repeated_cursor_stops_the_listing_naming_url_and_page(
    zuora: Zuora, driver: ZuoraDriver, cursors: list[str], stopped_at: int
) -> None:
    arm(zuora, *[page(c, [row(i)]) for i, c in enumerate(cursors)])
    with pytest.raises(ResponseError) as caught:
        read_all(driver)
    message = str(caught.value)
    assert f"{zuora.base_url}{LISTING} stopped at page {stopped_at}" in message
    assert "'A' was already followed" in message


def test_endless_empty_pages_stop_the_listing(zuora: Zuora, driver: ZuoraDriver) -> None:
    arm(zuora, *[page(f"c{i}") for i in range(30)])
    with pytest.raises(ResponseError, match="stopped at page 20: 20 empty pages in a row"):
        read_all(driver)


def test_a_listing_longer_than_max_pages_stops(zuora: Zuora) -> None:
    driver = zuora.driver(max_pages=3)
    arm(zuora, *[page(f"c{i}", [row(i)]) for i in range(5)])
    with pytest.raises(ResponseError, match="stopped at page 3: more than 3 pages"):
        read_all(driver)
    driver.close()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"data": {"id": "acc1"}}, "no 'data' list"),
        ([{"id": "acc1"}], "no 'data' list"),
        ({"data": [], "nextPage": 7}, "'nextPage' is int"),
    ],
)
def test_a_malformed_envelope_is_a_classified_error(
    zuora: Zuora, driver: ZuoraDriver, body: Any, why: str
) -> None:
    arm(zuora, {"kind": "answer", "path": LISTING, "body": body})
    with pytest.raises(ResponseError, match=why) as caught:
        read_all(driver)
    assert caught.value.endpoint == "zuora"
    assert f"{zuora.base_url}{LISTING}" in str(caught.value)


def test_malformed_rows_come_as_records_with_a_problem_and_the_rest_read(
    zuora: Zuora, driver: ZuoraDriver
) -> None:
    rows = [
        row(1),
        {"name": "no id", "updatedDate": "2024-03-01T10:00:00Z"},
        row(2, updatedDate="last tuesday"),
        {"id": "acc3"},  # no updatedDate
        "not an object",
        row(4),
    ]
    arm(zuora, page(None, rows))
    records = read_all(driver)
    assert [r.id for r in records if r.problem is None] == ["acc1", "acc4"]
    problems = {r.id: r.problem for r in records if r.problem is not None}
    assert problems["acc2"] is not None and "'last tuesday' is not a date-time" in problems["acc2"]
    assert problems["acc3"] is not None and "'updatedDate' None" in problems["acc3"]
    unidentified = sorted(p for i, p in problems.items() if i.startswith("no-id:"))
    assert len(unidentified) == 2
    assert "has no 'id'" in unidentified[0] and "page 1 of" in unidentified[0]
    assert "is str, not an object" in unidentified[1]


def test_the_made_up_id_of_a_row_without_id_is_stable(zuora: Zuora, driver: ZuoraDriver) -> None:
    nameless = {"name": "no id", "updatedDate": "2024-03-01T10:00:00Z"}
    arm(zuora, page(None, [nameless]), page(None, [nameless]))
    first, second = read_all(driver), read_all(driver)
    assert first[0].id == second[0].id and first[0].id.startswith("no-id:")


def test_a_bare_409_is_retried_as_transient(zuora: Zuora, driver: ZuoraDriver) -> None:
    arm(zuora, {"kind": "answer", "status": 409, "path": LISTING, "body": "", "times": 2})
    assert read_all(driver) == []  # the third attempt reached the (empty) tenant
    arm(zuora, {"kind": "answer", "status": 409, "path": LISTING, "body": "", "times": None})
    with pytest.raises(TransientError, match="HTTP 409"):
        read_all(driver)


def test_a_record_that_is_not_an_object_is_a_classified_error(
    zuora: Zuora, driver: ZuoraDriver
) -> None:
    arm(zuora, {"kind": "answer", "path": f"{LISTING}/acc1", "body": ["not", "a", "record"]})
    with pytest.raises(ResponseError, match=f"{LISTING}/acc1 answered with list, not a record"):
        driver.get("account", "acc1")
