"""The fault layer over real sockets: control endpoints, each kind, the concurrency gate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from engine.emulators.faults import CONTROL_PATH, STATS_PATH, FaultPlan, FaultRule

from .conftest import Served, eventually


def test_control_endpoints_add_list_and_clear(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        added = client.post(
            CONTROL_PATH,
            json=[
                {"kind": "503", "path": "/ok", "times": 2},
                {"kind": 429, "method": "post", "path": "^/items$", "retry_after": 3},
            ],
        )
        assert added.status_code == 201
        assert [r["kind"] for r in added.json()["added"]] == ["503", "429"]
        assert client.get("/ok").status_code == 503
        listed = client.get(CONTROL_PATH).json()["rules"]
        assert [(r["remaining"], r["hits"]) for r in listed] == [(1, 1), (1, 0)]
        assert client.delete(CONTROL_PATH).json() == {"cleared": 2}
        assert client.get(CONTROL_PATH).json() == {"rules": []}
        assert client.get("/ok").status_code == 200


def test_stats_count_requests_and_writes_until_reset(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        client.delete(STATS_PATH)
        client.get("/ok", params={"page": "2"})
        client.post("/items", json={"a": 1})
        client.put("/items", json={"a": 2})
        # a token grant and a query sent as POST change nothing: not writes (404s here, counted)
        client.post("/oauth/token")
        client.post("/services/rest/query/v1/suiteql", json={"q": "SELECT id FROM customer"})
        client.get(CONTROL_PATH)  # the control endpoints are not counted at all

        stats = client.delete(STATS_PATH).json()
        after = client.get(STATS_PATH).json()

    idle = {"concurrency_limit": None, "refused_429": 0}
    assert stats == {
        "requests": {"GET": 1, "POST": 3, "PUT": 1},
        "paths": {
            "GET /ok?page=2": 1,
            "POST /items": 1,
            "PUT /items": 1,
            "POST /oauth/token": 1,
            "POST /services/rest/query/v1/suiteql": 1,
        },
        "total": 5,
        "writes": 2,
        "peak_in_flight": 1,  # one request after another
        "peak_admitted": 1,
        **idle,
    }
    assert after == {
        "requests": {},
        "paths": {},
        "total": 0,
        "writes": 0,
        "peak_in_flight": 0,
        "peak_admitted": 0,
        **idle,
    }


def test_control_endpoint_accepts_a_rules_object_and_refuses_bad_rules(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        good = client.post(CONTROL_PATH, json={"rules": [{"kind": "slow", "delay": 0.01}]})
        assert good.status_code == 201
        for bad in (
            {"kind": "teapot"},
            {"kind": "503", "pth": "/x"},
            {"path": "/x"},
            {"kind": "slow"},
            {"kind": "503", "times": 0},
            [1],
        ):
            response = client.post(CONTROL_PATH, json=bad)
            assert response.status_code == 400, bad
            assert response.json()["error"]
        assert client.post(CONTROL_PATH, content=b"{not json").status_code == 400
        assert client.put(CONTROL_PATH).status_code == 405
        assert len(client.get(CONTROL_PATH).json()["rules"]) == 1  # bad rules armed nothing


def test_429_fault_carries_retry_after_and_custom_body(served: Served) -> None:
    served.app.plan.add({"kind": "429", "path": "/ok", "retry_after": 2, "body": {"why": "x"}})
    with httpx.Client(base_url=served.base_url) as client:
        response = client.get("/ok")
        assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
        assert response.json() == {"why": "x"}
        assert client.get("/ok").status_code == 200
    assert served.rec.hits["ok"] == 1


def test_rules_match_method_and_path_glob_or_regex() -> None:
    plan = FaultPlan()
    plan.add(FaultRule(kind="503", method="POST", path="/v1/accounts/*", times=None))
    plan.add(FaultRule(kind="429", path=r"^/record/v1/customer/\d+$", times=None))
    assert plan.take("GET", "/v1/accounts/A1") is None
    assert plan.take("post", "/v1/accounts/A1") is not None
    assert plan.take("GET", "/record/v1/customer/12") is not None
    assert plan.take("GET", "/record/v1/customer/12/x") is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "500"},
        {"kind": "slow", "delay": 0},
        {"kind": "503", "times": -1},
        {"kind": "429", "retry_after": -1},
        {"kind": "503", "path": "^(unclosed"},
        {"kind": "wrong-location"},  # the record id must be given
        {"kind": "huge"},
        {"kind": "answer", "status": 99},
        {"kind": "answer", "headers": {"Retry-After": 5}},
    ],
)
def test_bad_rules_are_refused_when_armed(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaultRule(**kwargs)  # type: ignore[arg-type]


def test_drop_after_apply_applies_then_sends_nothing(served: Served) -> None:
    served.app.plan.add(FaultRule(kind="drop-after-apply", path="/items"))
    with httpx.Client(base_url=served.base_url) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/items", json={"n": 1})
        assert client.post("/items", json={"n": 2}).status_code == 201
    assert served.rec.applied == [b'{"n":1}', b'{"n":2}']


def test_slow_holds_the_response_past_a_client_timeout(served: Served) -> None:
    served.app.plan.add(FaultRule(kind="slow", path="/items", delay=0.3))
    with (
        httpx.Client(base_url=served.base_url, timeout=0.05) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("/items", json={"n": 1})
    assert eventually(lambda: served.rec.applied == [b'{"n":1}'])


def test_concurrency_gate_refuses_the_excess_with_its_body(
    serve: Callable[..., Served],
) -> None:
    body = {
        "type": "x",
        "title": "Too Many Requests",
        "status": 429,
        "o:errorDetails": [{"detail": "limit", "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED"}],
    }
    served = serve(concurrency_limit=1, limit_body=body, limit_retry_after=2)
    gate = served.app.gate
    assert gate is not None
    holder = threading.Thread(target=httpx.get, args=(served.base_url + "/hold",))
    holder.start()
    try:
        deadline = time.monotonic() + 5
        while gate.in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        refused = httpx.get(served.base_url + "/ok")
        control = httpx.get(served.base_url + CONTROL_PATH)  # never counted
    finally:
        served.rec.release.set()
        holder.join()
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "2")
    assert refused.json() == body
    assert control.status_code == 200
    deadline = time.monotonic() + 5  # the server leaves the gate just after the reply is sent
    while gate.in_flight and time.monotonic() < deadline:
        time.sleep(0.005)
    assert (gate.rejected, gate.peak, gate.in_flight) == (1, 1, 0)


def test_hostile_answer_kinds_over_the_control_endpoint(served: Served) -> None:
    rules = [
        {"kind": "answer", "path": "/ok", "status": 429, "headers": {"Retry-After": "nan"}},
        {"kind": "answer", "path": "/ok", "body": {"data": "not a list", "nextPage": "A"}},
        {"kind": "answer", "path": "/ok", "status": 409, "body": ""},
        {"kind": "huge", "path": "/ok", "size": 300_000},
        {
            "kind": "echo",
            "method": "POST",
            "path": "/items",
            "body": {"said": "{body}|{authorization}"},
        },
    ]
    with httpx.Client(base_url=served.base_url) as client:
        assert client.post(CONTROL_PATH, json=rules).status_code == 201
        limited = client.get("/ok")
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "nan")
        assert client.get("/ok").json() == {"data": "not a list", "nextPage": "A"}
        conflict = client.get("/ok")
        assert (conflict.status_code, conflict.content) == (409, b"")
        huge = client.get("/ok")
        assert "content-length" not in huge.headers
        assert len(huge.content) == 300_000 and huge.json()["data"] == []
        echoed = client.post("/items", content=b"client_secret=s", headers={"Authorization": "B x"})
        assert (echoed.status_code, echoed.json()) == (400, {"said": "client_secret=s|B x"})
        assert client.get("/ok").status_code == 200  # every rule used up
    assert served.rec.hits["items"] == 0  # none of them reached the app
