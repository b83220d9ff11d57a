"""HttpEndpoint against real loopback servers: every outcome class, retries, limits."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from engine.emulators.faults import FaultRule
from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    DriverError,
    EndpointPausedError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    ResponseError,
    TransientError,
)
from engine.run.drivers.http import HttpEndpoint, RetryPolicy, parse_retry_after
from engine.run.secrets import register_secret
from tests.emulated import tba

from .conftest import Served, eventually

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002, retry_after_cap=5.0)


class Waits(list[float]):
    """Records the waits the retry loop asks for, and waits only a moment (no timing in tests)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def make() -> Iterator[Callable[..., tuple[HttpEndpoint, Waits]]]:
    endpoints: list[HttpEndpoint] = []

    def build(base_url: str, **kwargs: Any) -> tuple[HttpEndpoint, Waits]:
        waits = Waits()
        kwargs.setdefault("retry", FAST)
        kwargs.setdefault("timeout", 5.0)
        endpoint = HttpEndpoint("test", base_url, sleep=waits, **kwargs)
        endpoints.append(endpoint)
        return endpoint, waits

    yield build
    for endpoint in endpoints:
        endpoint.close()


def test_success_returns_response_and_decodes_money_exactly(served: Served, make: Any) -> None:
    api, _ = make(served.base_url)
    body = api.request_json("GET", "/ok", operation="get thing", idempotent=True)
    assert body == {"amount": Decimal("10.10"), "id": "A1"}
    assert isinstance(body["amount"], Decimal)


def test_json_payload_is_encoded_with_exact_decimals(served: Served, make: Any) -> None:
    api, _ = make(served.base_url)
    api.request("POST", "items", operation="create", json={"a": Decimal("1.10")}, idempotent=False)
    assert served.rec.applied == [b'{"a":1.10}']


def test_connect_refused_is_transient_and_retried(make: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api, waits = make(f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError) as caught:
        api.request("POST", "/items", operation="create", json={}, idempotent=False)
    assert type(caught.value) is TransientError
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(waits) == FAST.max_attempts - 1
    assert "gave up after 3 attempts" in caught.value.__notes__


def test_503_is_retried_until_it_clears(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="503", path="/items", times=2))
    api, waits = make(served.base_url)
    api.request("POST", "/items", operation="create", json={"n": 1}, idempotent=False)
    assert served.rec.hits["items"] == 1
    assert served.app.plan.describe()[0]["hits"] == 2
    assert len(waits) == 2


def test_persistent_503_gives_up_as_transient(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="503", path="/items", times=None))
    api, _ = make(served.base_url)
    with pytest.raises(TransientError) as caught:
        api.request("POST", "/items", operation="create", json={}, idempotent=False)
    assert caught.value.status == 503
    assert served.app.plan.describe()[0]["hits"] == FAST.max_attempts
    assert served.rec.hits["items"] == 0


def test_429_waits_the_retry_after_seconds(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="429", path="/ok", retry_after=2))
    api, waits = make(served.base_url)
    api.request("GET", "/ok", operation="get", idempotent=True)
    assert waits == [2.0]
    assert served.rec.hits["ok"] == 1


def test_429_retry_after_above_the_cap_pauses_the_endpoint_without_waiting(
    served: Served, make: Any
) -> None:
    served.app.plan.add(FaultRule(kind="429", path="/ok", retry_after=86400, times=None))
    policy = RetryPolicy(max_attempts=5, base_delay=0.001, max_delay=0.001, retry_after_cap=0.5)
    api, waits = make(served.base_url, retry=policy)
    with pytest.raises(EndpointPausedError) as caught:
        api.request("GET", "/ok", operation="get", idempotent=True)
    assert waits == []  # neither the day asked for nor the cap: the run is told at once
    assert caught.value.retry_after == 86400
    assert caught.value.status == 429
    assert "asked to wait 86400 s" in str(caught.value)
    assert served.app.plan.describe()[0]["hits"] == 1

    with pytest.raises(EndpointPausedError, match="not sent: test is paused"):
        api.request("GET", "/ok", operation="get again", idempotent=True)
    assert served.app.plan.describe()[0]["hits"] == 1  # the paused endpoint was not asked again


def test_429_retry_after_as_http_date(served: Served, make: Any) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    api, _ = make(served.base_url, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(RateLimitedError) as caught:
        api.request(
            "GET", "/status/429", operation="get", params={"retry_after": when}, idempotent=True
        )
    assert caught.value.retry_after is not None
    assert 30 < caught.value.retry_after <= 90


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0.25", 0.25),
        ("-3", None),
        ("0", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
    ],
)
def test_parse_retry_after(header: str, expected: float | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header})
    assert parse_retry_after(response) == expected


def test_slow_answer_is_ambiguous_and_a_post_is_not_resent(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="slow", path="/items", delay=0.4))
    api, waits = make(served.base_url, timeout=0.1)
    with pytest.raises(AmbiguousWriteError) as caught:
        api.request("POST", "/items", operation="create", json={"n": 1}, idempotent=False)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert waits == []
    assert eventually(lambda: served.rec.hits["items"] == 1)  # applied: the caller reconciles


def test_slow_answer_is_retried_when_idempotent(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="slow", path="/ok", delay=0.4))
    api, waits = make(served.base_url, timeout=0.1)
    api.request("GET", "/ok", operation="get", idempotent=True)
    assert len(waits) == 1


def test_dropped_connection_after_apply_is_ambiguous_and_not_resent(
    served: Served, make: Any
) -> None:
    served.app.plan.add(FaultRule(kind="drop-after-apply", method="POST", path="/items"))
    api, waits = make(served.base_url)
    with pytest.raises(AmbiguousWriteError) as caught:
        api.request("POST", "/items", operation="create", json={"n": 1}, idempotent=False)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError | httpx.ReadError)
    assert served.rec.applied == [b'{"n":1}']
    assert waits == []


def test_dropped_connection_is_retried_when_idempotent(served: Served, make: Any) -> None:
    served.app.plan.add(FaultRule(kind="drop-after-apply", method="PUT", path="/items"))
    api, waits = make(served.base_url)
    response = api.request("PUT", "/items", operation="put", json={"n": 1}, idempotent=True)
    assert response.status_code == 201
    assert served.rec.applied == [b'{"n":1}', b'{"n":1}']
    assert len(waits) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RejectedError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (422, RejectedError),
        (500, AmbiguousWriteError),
    ],
)
def test_status_classes_are_not_retried_for_a_post(
    served: Served, make: Any, status: int, error: type[DriverError]
) -> None:
    api, waits = make(served.base_url)
    with pytest.raises(error) as caught:
        api.request("POST", f"/status/{status}", operation="create thing", idempotent=False)
    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.endpoint == "test"
    assert "test create thing" in str(caught.value)
    assert served.rec.hits["status"] == 1
    assert waits == []


def test_classify_hook_turns_a_200_into_an_error(served: Served, make: Any) -> None:
    def zuora_like(response: httpx.Response) -> DriverError | None:
        body = response.json()
        if body.get("success") is False:
            return RejectedError("business error", details=body["reasons"])
        return None

    api, _ = make(served.base_url, classify=zuora_like)
    failing = '{"success": false, "reasons": [{"code": 53100320, "message": "bad"}]}'
    with pytest.raises(RejectedError) as caught:
        api.request(
            "GET", "/status/200", operation="get", params={"body": failing}, idempotent=True
        )
    assert caught.value.details == [{"code": 53100320, "message": "bad"}]
    assert caught.value.status == 200
    assert str(caught.value).startswith("test get (HTTP 200): business error")
    ok = api.request(
        "GET", "/status/200", operation="get", params={"body": '{"success": true}'}, idempotent=True
    )
    assert ok.status_code == 200


def test_a_broken_classify_hook_never_leaks_its_exception(served: Served, make: Any) -> None:
    def broken(response: httpx.Response) -> DriverError | None:
        raise KeyError("oops")

    api, _ = make(served.base_url, classify=broken)
    with pytest.raises(PermanentError) as caught:
        api.request("GET", "/ok", operation="get", idempotent=True)
    assert isinstance(caught.value.__cause__, KeyError)
    with pytest.raises(TransientError):  # the status still decides when it says more
        api.request("GET", "/status/503", operation="get", idempotent=True)


def test_non_json_success_body_is_a_driver_error(served: Served, make: Any) -> None:
    api, _ = make(served.base_url)
    with pytest.raises(PermanentError, match="not valid JSON"):
        api.request_json(
            "GET", "/status/200", operation="get", params={"body": "<html>"}, idempotent=True
        )


def test_concurrency_limit_is_observed_server_side(serve: Callable[..., Served], make: Any) -> None:
    served = serve(concurrency_limit=3, limit_body={"error": "too many"})
    api, _ = make(served.base_url, concurrency=3)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            api.request("GET", "/count", operation="count", idempotent=True)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert 1 <= served.rec.peak <= 3
    assert served.app.gate is not None and served.app.gate.rejected == 0


def test_a_request_is_signed_before_it_waits_for_its_slot(
    serve: Callable[..., Served], make: Any
) -> None:
    """NetSuite's TBA header depends on the request alone, so it is made before the request
    waits for a slot: the slot is held only while the request is on its way and answered."""
    served = serve()
    released_at_signing: list[bool] = []  # whether the held request had been let go

    def timestamp() -> str:
        released_at_signing.append(served.rec.release.is_set())
        return str(int(time.time()))

    auth = tba(timestamp=timestamp)
    api, _ = make(served.base_url, concurrency=1, auth=auth, timeout=60.0)

    def send(path: str) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: api.request("GET", path, operation=path, idempotent=True)
        )
        thread.start()
        return thread

    held = send("/hold")  # takes the only slot until released
    assert eventually(lambda: api.limiter.in_flight == 1)
    waiting = send("/ok")
    signed_while_held = eventually(lambda: len(released_at_signing) == 2)
    served.rec.release.set()
    held.join()
    waiting.join()
    assert signed_while_held
    assert released_at_signing == [False, False]
    assert served.rec.hits["ok"] == 1
    assert served.rec.headers[0]["authorization"].startswith("OAuth ")


def test_injected_client_and_default_headers_are_used(served: Served, make: Any) -> None:
    with httpx.Client(headers={"X-Client": "injected"}) as client:
        api, _ = make(served.base_url, client=client, headers={"X-Endpoint": "e"})
        api.request("GET", "/ok", operation="get", idempotent=True, headers={"X-Call": "c"})
        api.close()  # an injected client belongs to its owner
        assert not client.is_closed
    seen = served.rec.headers[0]
    assert (seen["x-client"], seen["x-endpoint"], seen["x-call"]) == ("injected", "e", "c")


# -- hostile answers ---------------------------------------------------------------------------


def test_a_bare_409_is_transient_and_retried_even_for_a_post(served: Served, make: Any) -> None:
    api, waits = make(served.base_url)
    with pytest.raises(TransientError) as caught:
        api.request("POST", "/status/409", operation="create thing", idempotent=False)
    assert type(caught.value) is TransientError
    assert caught.value.status == 409
    assert served.rec.hits["status"] == FAST.max_attempts
    assert len(waits) == FAST.max_attempts - 1


@pytest.mark.parametrize("header", ["0", "-5", "nan", "inf", "soon"])
def test_an_unusable_retry_after_backs_off_with_jitter_instead_of_at_once(
    served: Served, make: Any, header: str
) -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=0.2, retry_after_cap=5.0)
    api, waits = make(served.base_url, retry=policy)
    with pytest.raises(RateLimitedError) as caught:
        api.request(
            "GET", "/status/429", operation="get", params={"retry_after": header}, idempotent=True
        )
    assert caught.value.retry_after is None
    assert len(waits) == 1 and 0.1 <= waits[0] <= 0.2  # half the ceiling at least


@pytest.mark.parametrize(
    ("rule", "what"),
    [
        ({"kind": "huge", "size": 2_000_000}, "ran past 65536 bytes"),  # chunked, no length
        ({"kind": "answer", "body": "x" * 70_000}, "announces 70000 bytes"),
    ],
)
def test_a_body_over_the_size_limit_is_refused_naming_the_url(
    served: Served, make: Any, rule: dict[str, Any], what: str
) -> None:
    served.app.plan.add({**rule, "path": "/ok"})
    api, waits = make(served.base_url, max_response_bytes=65_536)
    with pytest.raises(ResponseError) as caught:
        api.request("GET", "/ok", operation="get thing", params={"token": "t"}, idempotent=True)
    message = str(caught.value)
    assert f"the response body from {served.base_url}/ok {what}" in message
    assert "max_response_bytes" in message and "token" not in message
    assert waits == []  # not retried: the same request would get the same body


def test_an_echoed_secret_cut_at_the_excerpt_boundary_leaves_no_prefix(
    served: Served, make: Any
) -> None:
    secret = "Zs3cr3t-" + "k" * 40
    register_secret(secret)
    padding = "p" * 280  # the secret starts 20 characters before the 300-character cut
    served.app.plan.add({"kind": "echo", "path": "/ok", "body": padding + "{authorization}"})
    api, _ = make(served.base_url, headers={"Authorization": secret})
    with pytest.raises(RejectedError) as caught:
        api.request("GET", "/ok", operation="get", idempotent=True)
    assert_no_piece_of(secret, str(caught.value))
    assert "***" in str(caught.value)


def test_a_secret_quoted_by_an_error_hook_is_redacted(served: Served, make: Any) -> None:
    secret = "hook-s3cret-" + "q" * 30
    register_secret(secret)

    def quoting(response: httpx.Response) -> DriverError | None:
        return RejectedError(response.text, details=[{"detail": response.text}])

    served.app.plan.add({"kind": "echo", "path": "/ok", "body": "refused: {authorization}"})
    api, _ = make(served.base_url, classify=quoting, headers={"Authorization": secret})
    with pytest.raises(RejectedError) as caught:
        api.request("GET", "/ok", operation="get", idempotent=True)
    assert_no_piece_of(secret, str(caught.value) + repr(caught.value.details))


def assert_no_piece_of(secret: str, text: str, size: int = 6) -> None:
    """No ``size``-character piece of ``secret`` appears in ``text``."""
    pieces = {secret[i : i + size] for i in range(len(secret) - size + 1)}
    leaked = sorted(p for p in pieces if p in text)
    assert not leaked, f"pieces of the secret leaked: {leaked[:3]}"
