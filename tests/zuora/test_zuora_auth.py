"""OAuth: token issue, refusal, expiry on the server clock, refresh before expiry and on 401."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from engine.emulators.zuora import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from engine.errors import AuthError
from engine.run.drivers.zuora import ZuoraDriver
from engine.run.drivers.zuora_auth import ZuoraOAuth

from .conftest import MovableClock, Zuora, account_body, start


def test_token_response_shape(zuora: Zuora) -> None:
    form = {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "grant_type": "client_credentials",
    }
    response = httpx.post(zuora.base_url + "/oauth/token", data=form)
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert {"access_token", "scope", "jti"} <= body.keys()


@pytest.mark.parametrize(
    ("form", "status"),
    [
        (
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": "wrong",
                "grant_type": "client_credentials",
            },
            401,
        ),
        (
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "grant_type": "password",
            },
            400,
        ),
    ],
)
def test_token_refusals(zuora: Zuora, form: dict[str, str], status: int) -> None:
    assert httpx.post(zuora.base_url + "/oauth/token", data=form).status_code == status


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_calls_without_a_live_token_get_401(zuora: Zuora, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(zuora.base_url + "/object-query/accounts", headers=headers)
    assert response.status_code == 401
    assert "message" in response.json()
    assert "Bearer realm=Zuora API" in response.headers["WWW-Authenticate"]


def test_bad_credentials_raise_auth_error(zuora: Zuora) -> None:
    driver = zuora.driver(client_secret="not-the-secret")
    with pytest.raises(AuthError, match="client credentials"):
        driver.find("account", {"accountNumber": "nobody"})
    driver.close()


def test_token_expired_on_the_server_is_refreshed_once(zuora: Zuora) -> None:
    driver = zuora.driver()
    assert isinstance(driver.auth, ZuoraOAuth)
    driver.find("account", {"accountNumber": "nobody"})
    zuora.clock.advance(hours=2)  # the server now considers the token expired
    refused = zuora.app.state.tokens.refused
    assert driver.find("account", {"accountNumber": "nobody"}) == []
    assert zuora.app.state.tokens.refused == refused + 1
    assert driver.auth.grants == 2
    driver.close()


def test_revoked_token_is_refreshed_on_401(zuora: Zuora) -> None:
    driver = zuora.driver()
    created = driver.create("account", account_body())
    zuora.app.state.tokens.revoke_all()
    assert driver.get("account", created.id) is not None
    assert isinstance(driver.auth, ZuoraOAuth) and driver.auth.grants == 2
    driver.close()


def test_threads_that_find_no_token_share_one_grant(zuora: Zuora) -> None:
    """A plan's readers send their first requests at once: one of them asks for the token,
    the others wait for it (the grant answered slowly, so they all find none meanwhile)."""
    zuora.app.state.faults.add(
        {"kind": "slow", "method": "POST", "path": "/oauth/token", "delay": 0.3}
    )
    driver = zuora.driver()
    threads = 6
    together = threading.Barrier(threads)

    def find(_: int) -> object:
        together.wait(timeout=30)
        return driver.find("account", {"accountNumber": "nobody"})

    try:
        with ThreadPoolExecutor(threads) as pool:
            found = list(pool.map(find, range(threads)))
    finally:
        driver.close()
    assert found == [[]] * threads
    assert isinstance(driver.auth, ZuoraOAuth) and driver.auth.grants == 1


def test_token_is_renewed_before_it_expires(zuora: Zuora) -> None:
    now = [1000.0]
    auth = ZuoraOAuth(
        token_url=zuora.base_url + "/oauth/token",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        clock=lambda: now[0],
    )
    options = {
        "base_url": zuora.base_url,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    driver = ZuoraDriver(name="zuora", options=options, auth=auth)
    refused = zuora.app.state.tokens.refused
    driver.find("account", {"accountNumber": "nobody"})
    now[0] += 3000  # still valid: no new token
    driver.find("account", {"accountNumber": "nobody"})
    assert auth.grants == 1
    now[0] += 560  # inside the last minute of the hour: renewed before the server refuses
    driver.find("account", {"accountNumber": "nobody"})
    assert auth.grants == 2
    assert zuora.app.state.tokens.refused == refused
    driver.close()


@pytest.fixture(scope="module")
def instant_expiry() -> Iterator[Zuora]:
    yield from start(MovableClock(), token_ttl=0)


def test_a_second_401_is_an_auth_error(instant_expiry: Zuora) -> None:
    driver = instant_expiry.driver()
    with pytest.raises(AuthError) as caught:
        driver.find("account", {"accountNumber": "nobody"})
    assert caught.value.status == 401
    driver.close()


def test_token_never_reaches_the_logs(zuora: Zuora, caplog: pytest.LogCaptureFixture) -> None:
    driver = zuora.driver()
    with caplog.at_level(logging.DEBUG):
        driver.create("account", account_body())
        zuora.app.state.tokens.revoke_all()
        driver.find("account", {"accountNumber": "nobody"})
    tokens = list(zuora.app.state.tokens.tokens)
    assert tokens and not any(token in caplog.text for token in tokens)
    assert DEFAULT_CLIENT_SECRET not in caplog.text
    driver.close()
