"""The one HTTP layer every driver uses: limits, timeouts, retries, and one outcome classifier.

Why one layer: whether a failed call may be resent is the difference between a duplicate invoice
and a clean run, so it is decided in exactly one place. Drivers describe only what is specific to
their API (a ``classify`` hook for error bodies, an ``httpx.Auth`` flow for credentials).

Usage::

    from engine.drivers.http import HttpEndpoint, RetryPolicy, decode_json

    def classify(response: httpx.Response) -> DriverError | None:
        # called first on every response; return None to let the status code decide
        body = ...; return RejectedError("...", details=[...]) if ... else None

    api = HttpEndpoint("zuora", "https://rest.zuora.com", auth=MyAuth(), classify=classify,
                       concurrency=5, timeout=30.0, retry=RetryPolicy(max_attempts=4))
    resp = api.request("POST", "/v1/accounts", operation="create account",
                       json=payload, idempotent=False)          # only 2xx/3xx come back
    data = api.request_json("GET", "/v1/accounts/A1", operation="get account", idempotent=True)

Outcomes (``classify_status`` / ``classify_exception``): connect failure, 408, 503 ->
``TransientError``; 429 -> ``RateLimitedError`` (``Retry-After`` in seconds or HTTP-date); read
timeout or dropped connection after sending, other 5xx -> ``AmbiguousWriteError``; 401/403 ->
``AuthError``; 404 -> ``NotFoundError``; 409 -> ``ConflictError``; other 4xx -> ``RejectedError``.
Transient and rate-limited calls are retried; ambiguous ones only when ``idempotent=True``.
Only ``engine.errors.DriverError`` subclasses leave this module.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from engine import jsonio
from engine.drivers.limiter import AdaptiveLimiter
from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    ConflictError,
    DriverError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from engine.secrets import install_redaction, redact

log = logging.getLogger(__name__)

Classifier = Callable[[httpx.Response], DriverError | None]
_BODY_EXCERPT = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in total, full-jitter backoff bounds, and the ``Retry-After`` cap.

    A ``Retry-After`` longer than ``retry_after_cap`` is waited only up to the cap; the final
    ``RateLimitedError`` still carries the server's figure for the caller to schedule by.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(attempt-1))]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(attempt - 1, 0))
        return random.uniform(0, ceiling)


def accept_all(response: httpx.Response) -> DriverError | None:
    """The default hook: no API-specific opinion, the status code decides."""
    return None


class HttpEndpoint:
    """One configured remote API: a client, a concurrency limit (``limiter``: adaptive on 429,
    see ``engine.drivers.limiter``) and a retry policy."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        classify: Classifier = accept_all,
        concurrency: int = 5,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        install_redaction()
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._auth = auth
        self._classify = classify
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._headers = dict(headers or {})
        self.limiter = AdaptiveLimiter(concurrency)
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or _new_client(concurrency, self._timeout)

    def __repr__(self) -> str:
        return f"HttpEndpoint({self.name!r}, {self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; return a successful response or raise a ``DriverError``.

        ``json`` is encoded with ``engine.jsonio`` (Decimals exact). ``path`` is joined to the
        base URL unless it is already absolute (a ``Location`` or next-page link).
        """
        body, body_headers = _encode_body(json, content)
        merged = {**self._headers, **body_headers, **(headers or {})}
        call = _Call(method.upper(), path, operation, params, merged, body)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.max_attempts),
            retry=tenacity.retry_if_exception(lambda exc: self._should_retry(exc, idempotent)),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(call, state),
            reraise=True,
        )
        try:
            return retrying(self._attempt, call)
        except DriverError as exc:
            _note_attempts(exc, call)
            raise

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` then ``decode_json``: the body with fractional numbers as ``Decimal``."""
        response = self.request(method, path, **kwargs)
        return decode_json(response, endpoint=self.name, operation=kwargs.get("operation", ""))

    def close(self) -> None:
        """Close the client when this endpoint created it (an injected one belongs to its owner)."""
        if self._owns_client:
            self._client.close()

    # -- one attempt -------------------------------------------------------------------------

    def _attempt(self, call: _Call) -> httpx.Response:
        call.attempts += 1
        with self.limiter.slot() as slot:
            started = time.monotonic()
            try:
                response = self._send(call)
                slot.refused = response.status_code == 429
            except DriverError:
                raise
            except Exception as exc:
                raise classify_exception(exc, self.name, call.operation) from exc
        elapsed = time.monotonic() - started
        log.debug(
            "%s %s: %s %s -> %s in %.3fs",
            self.name,
            call.operation,
            call.method,
            _safe_path(call.path),
            response.status_code,
            elapsed,
        )
        error = self._classify_response(response, call.operation)
        if error is not None:
            raise error
        return response

    def _send(self, call: _Call) -> httpx.Response:
        auth: Any = self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT
        return self._client.request(
            call.method,
            self._url(call.path),
            params=dict(call.params) if call.params else None,
            content=call.body,
            headers=call.headers,
            auth=auth,
            timeout=self._timeout,
        )

    def _classify_response(self, response: httpx.Response, operation: str) -> DriverError | None:
        """The hook first; then the status code. A failing hook never hides a 429 or 503."""
        try:
            error = self._classify(response)
        except DriverError as exc:
            error = exc
        except Exception as exc:  # a bug in a hook must still not leak a foreign exception
            error = self._hook_failed(response, operation, exc)
        if error is None:
            error = classify_status(response, self.name, operation)
        if error is not None:
            _fill_context(error, self.name, operation, response.status_code)
        return error

    def _hook_failed(self, response: httpx.Response, operation: str, exc: Exception) -> DriverError:
        log.warning("%s %s: response classifier failed: %r", self.name, operation, exc)
        error = classify_status(response, self.name, operation) or PermanentError(
            f"response classifier failed ({type(exc).__name__})",
            endpoint=self.name,
            operation=operation,
            status=response.status_code,
        )
        error.__cause__ = exc
        return error

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- retry decisions ---------------------------------------------------------------------

    def _should_retry(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, TransientError):  # includes RateLimitedError
            return True
        return isinstance(exc, AmbiguousWriteError) and idempotent

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.retry.retry_after_cap)
        return self.retry.backoff(state.attempt_number)

    def _log_retry(self, call: _Call, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s %s: attempt %d failed (%s: %s); retrying in %.2fs",
            self.name,
            call.operation,
            state.attempt_number,
            type(exc).__name__,
            exc,
            delay,
        )


@dataclass
class _Call:
    """One logical request, resent as is on every attempt, and how many attempts it took."""

    method: str
    path: str
    operation: str
    params: Mapping[str, Any] | None
    headers: Mapping[str, str]
    body: bytes | str | None
    attempts: int = 0


def _new_client(concurrency: int, timeout: httpx.Timeout) -> httpx.Client:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.Client(timeout=timeout, limits=limits, follow_redirects=False)


def _encode_body(
    json: Any, content: bytes | str | None
) -> tuple[bytes | str | None, dict[str, str]]:
    if json is None:
        return content, {}
    if content is not None:
        raise ValueError("pass either json or content, not both")
    return jsonio.dumps(json), {"Content-Type": "application/json"}


def _note_attempts(exc: DriverError, call: _Call) -> None:
    if call.attempts > 1:
        exc.add_note(f"gave up after {call.attempts} attempts")


def _fill_context(error: DriverError, endpoint: str, operation: str, status: int) -> None:
    """Hooks build errors from the body alone; give every error the same coordinates and text."""
    if error.endpoint or error.operation:
        return
    message = str(error.args[0]) if error.args else type(error).__name__
    DriverError.__init__(
        error,
        message,
        endpoint=endpoint,
        operation=operation,
        status=status if error.status is None else error.status,
        details=error.details,
    )


def _safe_path(path: str) -> str:
    """The path without its query string, which may carry tokens."""
    return redact(path.split("?", 1)[0])


# -- the one classification ------------------------------------------------------------------


def classify_status(response: httpx.Response, endpoint: str, operation: str) -> DriverError | None:
    """Map a status code to an error class; None for success (2xx and 3xx)."""
    status = response.status_code
    if status < 400:
        return None
    context: dict[str, Any] = {"endpoint": endpoint, "operation": operation, "status": status}
    reason = f"{response.reason_phrase or 'error'}{_excerpt(response)}"
    if status == 429:
        return RateLimitedError(reason, retry_after=parse_retry_after(response), **context)
    if status in (408, 503):
        return TransientError(reason, **context)
    if status >= 500:
        return AmbiguousWriteError(reason, **context)
    if status in (401, 403):
        return AuthError(reason, **context)
    return _client_error(status, reason, context)


def _client_error(status: int, reason: str, context: dict[str, Any]) -> DriverError:
    if status == 404:
        return NotFoundError(reason, **context)
    if status == 409:
        return ConflictError(reason, **context)
    return RejectedError(reason, **context)


def classify_exception(exc: BaseException, endpoint: str, operation: str) -> DriverError:
    """Map a failure to get any response: before sending is transient, after is ambiguous."""
    context: dict[str, Any] = {"endpoint": endpoint, "operation": operation}
    reason = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return TransientError(f"not sent: {reason}", **context)
    if isinstance(
        exc,
        (
            httpx.TimeoutException,
            httpx.NetworkError,
            httpx.RemoteProtocolError,
            httpx.DecodingError,
        ),
    ):
        return AmbiguousWriteError(f"sent, no usable answer: {reason}", **context)
    return PermanentError(f"request failed: {reason}", **context)


def parse_retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds from now: either delta-seconds or an HTTP-date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text.strip()
    except Exception:  # undecodable body: the status says enough
        return ""
    if not text:
        return ""
    short = text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "…"
    return f": {redact(short)}"


def decode_json(response: httpx.Response, *, endpoint: str = "", operation: str = "") -> Any:
    """Decode a response body exactly (``jsonio.loads_exact``); bad JSON is a ``PermanentError``."""
    try:
        return jsonio.loads_exact(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PermanentError(
            f"response is not valid JSON ({type(exc).__name__} at {_error_position(exc)})",
            endpoint=endpoint,
            operation=operation,
            status=response.status_code,
        ) from exc


def _error_position(exc: Exception) -> str:
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    return f"line {line}, column {column}" if line is not None else "start"


__all__ = [
    "Classifier",
    "HttpEndpoint",
    "RetryPolicy",
    "accept_all",
    "classify_exception",
    "classify_status",
    "decode_json",
    "parse_retry_after",
]
