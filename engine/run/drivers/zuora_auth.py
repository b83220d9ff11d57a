"""Zuora OAuth 2.0 client credentials as an ``httpx.Auth`` flow.

Why a flow and not a header set once: tokens expire (an hour on Zuora) and a tenant can revoke
them at any time, so every request must carry a live token, fetched again shortly before expiry
and once more when the service answers 401. Keeping that inside the auth flow means the shared
HTTP layer's retries and classification see one request, and no driver method handles tokens.

The token lives only in memory, is registered with ``engine.run.secrets`` so log redaction
scrubs it,
and is never logged or put in an exception message. Failures of the token call itself become
``engine.errors`` classes: refused credentials are ``AuthError``; 429 and 503 are retryable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx
import msgspec

from engine import jsonio
from engine.errors import AuthError, DriverError, RateLimitedError, TransientError
from engine.run.drivers.http import parse_retry_after
from engine.run.secrets import Secret, register_secret

TOKEN_PATH = "/oauth/token"
FETCH_WAIT = 30.0
"""Seconds a thread waits for another's token fetch before it asks for a token itself."""
MAX_REFRESH_MARGIN = 60.0


class _Token(msgspec.Struct, frozen=True):
    value: str
    expires_at: float


class ZuoraOAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` to each request, fetching tokens as needed.

    ``clock`` is a monotonic seconds source; tests pass a fake one to expire tokens without
    sleeping. A token is renewed ``min(60 s, a tenth of its lifetime)`` before it expires.
    ``grants`` counts tokens fetched, so tests and diagnostics can see refreshes.
    """

    # Only the token answer is read here (``_fetch``); the API's own answers stay streamed, so
    # ``HttpEndpoint`` can refuse an oversized body before holding it all in memory.
    requires_response_body = False

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: Secret | str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._secret = client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        self._clock = clock
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self._fetching = threading.Lock()  # held by the thread fetching a token
        self.grants = 0

    def __repr__(self) -> str:
        return f"ZuoraOAuth(token_url={self.token_url!r}, client_id={self._client_id!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._live_token()
        if token is None:
            token = yield from self._fetch_once()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        self._forget(token)
        token = yield from self._fetch_once()
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _fetch_once(self) -> Generator[httpx.Request, httpx.Response, str]:
        """A live token, fetched by one thread at a time: threads that find none while another
        fetches one wait for it and use it (a plan's readers all start at once, and each asked
        for a token of its own). A fetch that takes longer than ``FETCH_WAIT`` is not waited
        for any more. httpx closes an abandoned flow, which releases the lock."""
        fetching = self._fetching.acquire(timeout=FETCH_WAIT)
        try:
            token = self._live_token()
            if token is None:
                token = yield from self._fetch()
            return token
        finally:
            if fetching:
                self._fetching.release()

    def _live_token(self) -> str | None:
        with self._lock:
            token = self._token
        if token is None or self._clock() >= token.expires_at:
            return None
        return token.value

    def _forget(self, value: str) -> None:
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch(self) -> Generator[httpx.Request, httpx.Response, str]:
        form = {
            "client_id": self._client_id,
            "client_secret": self._secret.reveal(),
            "grant_type": "client_credentials",
        }
        response = yield httpx.Request("POST", self.token_url, data=form)
        response.read()
        value, lifetime = _read_token(response)
        register_secret(value)
        margin = min(MAX_REFRESH_MARGIN, lifetime / 10)
        with self._lock:
            self._token = _Token(value, self._clock() + lifetime - margin)
            self.grants += 1
        return value


def _read_token(response: httpx.Response) -> tuple[str, float]:
    """The access token and its lifetime from a ``TokenResponse``, or the right error."""
    error = _token_error(response)
    if error is not None:
        raise error
    try:
        body = jsonio.loads(response.content)
        value = body["access_token"]
        lifetime = float(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError("token response is not a TokenResponse", operation="oauth token") from exc
    if not isinstance(value, str) or not value:
        raise AuthError("token response has no access_token", operation="oauth token")
    return value, lifetime


def _token_error(response: httpx.Response) -> DriverError | None:
    status = response.status_code
    context: dict[str, Any] = {"operation": "oauth token", "status": status}
    if status < 400:
        return None
    if status == 429:
        return RateLimitedError(
            "token endpoint rate limited", retry_after=parse_retry_after(response), **context
        )
    if status == 408 or status >= 500:  # asking for a token changes nothing: resend freely
        return TransientError("token endpoint unavailable", **context)
    reason = "invalid client credentials" if status in (400, 401, 403) else "token request failed"
    return AuthError(f"{reason} (check client_id and client_secret)", **context)


__all__ = ["TOKEN_PATH", "ZuoraOAuth"]
