"""The one HTTP layer every driver uses: limits, timeouts, retries, and one outcome classifier.

Why one layer: whether a failed call may be resent is the difference between a duplicate invoice
and a clean run, so it is decided in exactly one place. Drivers describe only what is specific to
their API (a ``classify`` hook for error bodies, an ``httpx.Auth`` flow for credentials).

Usage::

    from engine.run.drivers.http import HttpEndpoint, RetryPolicy, decode_json

    def classify(response: httpx.Response) -> DriverError | None:
        # called first on every response; return None to let the status code decide
        body = ...; return RejectedError("...", details=[...]) if ... else None

    api = HttpEndpoint("zuora", "https://rest.zuora.com", auth=MyAuth(), classify=classify,
                       concurrency=5, timeout=30.0, retry=RetryPolicy(max_attempts=4))
    resp = api.request("POST", "/v1/accounts", operation="create account",
                       json=payload, idempotent=False)          # only 2xx/3xx come back
    data = api.request_json("GET", "/v1/accounts/A1", operation="get account", idempotent=True)

Outcomes (``classify_status`` / ``classify_exception``): connect failure, 408, 503, a bare 409
(the request was refused, not applied) -> ``TransientError``; 429 -> ``RateLimitedError``
(``Retry-After`` in seconds or HTTP-date); read timeout or dropped connection after sending, other
5xx -> ``AmbiguousWriteError``; 401/403 -> ``AuthError``; 404 -> ``NotFoundError``; other 4xx ->
``RejectedError``. Transient and rate-limited calls are retried; ambiguous ones only when
``idempotent=True`` (``engine.run.drivers.retrying``, which imports tenacity only once a
request needs a second attempt). Only ``engine.errors.DriverError`` subclasses leave this module.

Hostile answers are bounded here too: a body is read as a stream and refused past
``max_response_bytes`` (``ResponseError`` naming the URL); a ``Retry-After`` above the cap pauses
the endpoint (``EndpointPausedError``) instead of stalling the run; a ``Retry-After`` of 0, a
negative or non-numeric one is ignored in favour of jittered backoff; every error's text is
redacted *before* it is cut (``secrets.redact_excerpt``), so no part of a credential an endpoint
echoes reaches a message, a report or the state file.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msgspec

from engine import jsonio
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
from engine.run.drivers.limiter import AdaptiveLimiter, SignsAhead
from engine.run.drivers.retrying import with_retries
from engine.run.drivers.tls import tls_context
from engine.run.secrets import install_redaction, redact, redact_excerpt

log = logging.getLogger(__name__)

Classifier = Callable[[httpx.Response], DriverError | None]
_BODY_EXCERPT = 300
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

RESPONSE_LIMIT_OPTION: dict[str, Any] = {
    "type": "integer",
    "minimum": 1024,
    "default": DEFAULT_MAX_RESPONSE_BYTES,
    "description": "Largest response body read, in bytes (default 64 MiB); a larger one is "
    "refused with an error naming the URL, so a runaway answer cannot exhaust memory.",
}
"""The ``max_response_bytes`` option, in every HTTP driver's ``options_schema``."""


class RetryPolicy(msgspec.Struct, frozen=True):
    """How hard to try: attempts in total, full-jitter backoff bounds, and the ``Retry-After`` cap.

    A ``Retry-After`` longer than ``retry_after_cap`` is not waited at all: the endpoint is
    paused (``EndpointPausedError`` carrying the server's figure) and the run stops for it.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(attempt-1))]."""
        return random.uniform(0, self._ceiling(attempt))

    def rate_limit_backoff(self, attempt: int) -> float:
        """Equal jitter: half the ceiling plus up to the other half. A refusal for load without
        a usable ``Retry-After`` is never resent at once, yet clients still spread out."""
        ceiling = self._ceiling(attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _ceiling(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))


def accept_all(response: httpx.Response) -> DriverError | None:
    """The default hook: no API-specific opinion, the status code decides."""
    return None


class HttpEndpoint:
    """One configured remote API: a client, a concurrency limit (``limiter``: adaptive on 429,
    see ``engine.run.drivers.limiter``) and a retry policy."""

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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.max_response_bytes = max_response_bytes
        install_redaction()
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._auth = auth
        self._sign_ahead = auth.sign if isinstance(auth, SignsAhead) else None
        self._classify = classify
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._headers = dict(headers or {})
        self.limiter = AdaptiveLimiter(concurrency)
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or _new_client(concurrency, self._timeout)
        self._paused: tuple[float, EndpointPausedError] | None = None  # (until, why)

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
        try:
            return with_retries(
                lambda: self._attempt(call),
                policy=self.retry,
                idempotent=idempotent,
                sleep=self._sleep,
                endpoint=self.name,
                operation=operation,
            )
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

    def url(self, path: str) -> str:
        """The URL a request to ``path`` goes to, without query string (for error messages)."""
        return _safe_path(self._url(path))

    def _attempt(self, call: _Call) -> httpx.Response:
        call.attempts += 1
        self._check_pause(call)
        try:
            request, auth = self._build(call)  # before the slot: it holds only the exchange
            with self.limiter.slot() as slot:
                started = time.monotonic()
                response = self._send(call, request, auth)
                slot.refused = response.status_code == 429
        except DriverError:
            raise
        except Exception as exc:
            raise classify_exception(exc, self.name, call.operation) from exc
        if log.isEnabledFor(logging.DEBUG):  # the path redacted only for a line written
            log.debug(
                "%s %s: %s %s -> %s in %.3fs",
                self.name,
                call.operation,
                call.method,
                _safe_path(call.path),
                response.status_code,
                time.monotonic() - started,
            )
        error = self._classify_response(response, call.operation)
        if error is not None:
            raise error
        return response

    def _build(self, call: _Call) -> tuple[httpx.Request, Any]:
        """This attempt's request and the auth still to run on it (none if signed here)."""
        request = self._client.build_request(
            call.method,
            self._url(call.path),
            params=dict(call.params) if call.params else None,
            content=call.body,
            headers=call.headers,
            timeout=self._timeout,
        )
        if self._sign_ahead is not None:
            self._sign_ahead(request)
            return request, None
        return request, self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT

    def _send(self, call: _Call, request: httpx.Request, auth: Any) -> httpx.Response:
        """Send, then read the body as a stream, refusing it past ``max_response_bytes``."""
        response = self._client.send(request, auth=auth, stream=True)
        try:
            body = self._read_capped(response, call)
        finally:
            response.close()
        return _with_body(response, body)

    def _read_capped(self, response: httpx.Response, call: _Call) -> bytes:
        limit = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(response, call, f"announces {declared} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(response, call, f"ran past {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, response: httpx.Response, call: _Call, what: str) -> ResponseError:
        return ResponseError(
            f"the response body from {_safe_path(str(response.request.url))} {what}; the limit "
            f"is {self.max_response_bytes} bytes (option max_response_bytes)",
            endpoint=self.name,
            operation=call.operation,
            status=response.status_code,
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
            error = self._pause_if_too_long(error)
        return error

    # -- pausing -----------------------------------------------------------------------------

    def _pause_if_too_long(self, error: DriverError) -> DriverError:
        """A ``Retry-After`` above the cap pauses the endpoint: waiting it out would stall the run
        (and resending sooner is what the server asked us not to do)."""
        wait = error.retry_after if isinstance(error, RateLimitedError) else None
        cap = self.retry.retry_after_cap
        if wait is None or wait <= cap:
            return error
        until = datetime.now(UTC).timestamp() + wait
        stamp = datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds")
        paused = EndpointPausedError(
            f"the endpoint asked to wait {wait:g} s (Retry-After), longer than the {cap:g} s a "
            f"run waits; {self.name} is paused until {stamp}: run again after that",
            retry_after=wait,
            endpoint=self.name,
            operation=error.operation,
            status=error.status,
            details=error.details,
        )
        paused.__cause__ = error
        self._paused = (time.monotonic() + wait, paused)
        return paused

    def _check_pause(self, call: _Call) -> None:
        """While paused, requests fail at once, without being sent."""
        paused = self._paused
        if paused is None:
            return
        until, why = paused
        left = until - time.monotonic()
        if left <= 0:
            self._paused = None
            return
        raise EndpointPausedError(
            f"not sent: {self.name} is paused for another {left:.0f} s ({why.args[0]})",
            retry_after=left,
            endpoint=self.name,
            operation=call.operation,
        )

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


class _Call(msgspec.Struct):
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
    return httpx.Client(
        timeout=timeout, limits=limits, follow_redirects=False, verify=tls_context()
    )


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


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A complete response holding ``body`` (already decoded, hence no content-encoding)."""
    dropped = {"content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
        history=response.history,
    )


def _fill_context(error: DriverError, endpoint: str, operation: str, status: int) -> None:
    """Hooks build errors from the body alone; give every error the same coordinates and text,
    redacted and cut (a hook quotes whatever the endpoint sent, credentials included)."""
    error.details = [_scrubbed(detail) for detail in error.details]
    if error.endpoint or error.operation:
        error.args = tuple(redact(a) if isinstance(a, str) else a for a in error.args)
        return
    message = str(error.args[0]) if error.args else type(error).__name__
    DriverError.__init__(
        error,
        redact_excerpt(message, _BODY_EXCERPT),
        endpoint=endpoint,
        operation=operation,
        status=status if error.status is None else error.status,
        details=error.details,
    )


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return redact_excerpt(value, _BODY_EXCERPT)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


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
    if status == 409:  # refused for the target's state (Zuora: same Idempotency-Key in flight)
        return TransientError(f"{reason} (not applied; retried)", **context)
    return RejectedError(reason, **context)


def classify_exception(exc: BaseException, endpoint: str, operation: str) -> DriverError:
    """Map a failure to get any response: before sending is transient, after is ambiguous."""
    context: dict[str, Any] = {"endpoint": endpoint, "operation": operation}
    reason = redact(_plain_failure(exc))
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


_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (httpx.ConnectTimeout, "connecting timed out"),
    (httpx.ConnectError, "cannot connect"),
    (httpx.PoolTimeout, "no free connection in time"),
    (httpx.ReadTimeout, "no answer in time"),
    (httpx.WriteTimeout, "sending timed out"),
    (httpx.TimeoutException, "timed out"),
    (httpx.RemoteProtocolError, "the server broke the connection"),
    (httpx.NetworkError, "the connection failed"),
    (httpx.DecodingError, "the answer could not be decoded"),
)


def _plain_failure(exc: BaseException) -> str:
    """What went wrong in words, with the library's detail: never a class name."""
    what = next((text for kind, text in _FAILURES if isinstance(exc, kind)), "error")
    detail = str(exc)
    return f"{what} ({detail})" if detail else what


def parse_retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP-date), or None when it gives
    no usable wait: absent, 0, negative, in the past, ``nan``, ``inf`` or unreadable. None means
    "back off with jitter": resending at once is what a rate-limited server least wants."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return None
    return seconds


def _seconds_until(http_date: str) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text.strip()
    except Exception:  # undecodable body: the status says enough
        return ""
    return f": {redact_excerpt(text, _BODY_EXCERPT)}" if text else ""


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
    "DEFAULT_MAX_RESPONSE_BYTES",
    "RESPONSE_LIMIT_OPTION",
    "Classifier",
    "HttpEndpoint",
    "RetryPolicy",
    "accept_all",
    "classify_exception",
    "classify_status",
    "decode_json",
    "parse_retry_after",
]
