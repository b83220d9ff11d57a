"""Fault injection for the emulators: make a real HTTP client meet rate limits, outages, slow
answers and lost responses on demand, so retry and reconcile logic is tested over real sockets.

Usage (wrap the emulator's Starlette app; ``FaultMiddleware`` must be the outermost app)::

    from engine.emulators.faults import FaultPlan, FaultRule, with_faults

    app = with_faults(build_app(...), concurrency_limit=5,
                      limit_body={"o:errorDetails": [...]})     # NetSuite governance
    app.plan.add(FaultRule(kind="drop-after-apply", method="POST", path="/v1/accounts"))
    app.plan.add({"kind": "429", "path": "/v1/*", "times": 2, "retry_after": 1})

or over HTTP: ``POST /__ferry/faults`` with a rule object or a list of them, ``GET`` to list
(with remaining counts), ``DELETE`` to clear. A rule matches a method (``*`` for any) and a path:
a glob (``/v1/accounts/*``) or, when it starts with ``^``, a regular expression. The first rule
with attempts remaining applies, once per matching request, ``times`` times (null: always).

Kinds: ``429`` and ``503`` answer at once without reaching the app (nothing applied), with
``Retry-After`` when ``retry_after`` is set and ``body`` as the JSON body when given; ``slow``
lets the app answer, then holds the response ``delay`` seconds; ``drop-after-apply`` lets the app
apply the request, then closes the connection with no response at all; ``wrong-location``
lets the app apply the request and answer, with the ``Location`` header's last segment
replaced by ``body`` (another record's id).

Hostile answers, none of which reaches the app (nothing applied): ``answer`` sends ``status``
(default 200) with ``body`` (JSON; a string is sent as text) and ``headers``, which is how a test
makes a listing repeat a cursor, send a malformed row, ``Retry-After: nan`` or a bare 409;
``huge`` streams a ``size``-byte JSON body without ``Content-Length``; ``echo`` sends ``status``
(default 400) with ``body`` in which every ``{authorization}`` and ``{body}`` is replaced by the
request's ``Authorization`` header and body: a server quoting credentials back. ``headers`` is
added to ``429`` and ``503`` answers too.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import jsonio

CONTROL_PATH: Final = "/__ferry/faults"
STATS_PATH: Final = "/__ferry/stats"
# Requests that change nothing although their method could: token grants and queries sent as POST.
READ_ONLY_PATHS: Final = ("/oauth/*", "*/query/v1/suiteql")
KINDS: Final = (
    "429",
    "503",
    "slow",
    "drop-after-apply",
    "answer",
    "huge",
    "echo",
    "wrong-location",
)
_HUGE_CHUNK: Final = 64 * 1024
_DEFAULT_BODIES: Final = {
    "429": {"message": "Too many requests (injected fault)"},
    "503": {"message": "Service unavailable (injected fault)"},
}


class ConnectionDropped(RuntimeError):
    """Raised instead of dropping when the server gives no access to its transport (test apps)."""


@dataclass(frozen=True)
class FaultRule:
    """One fault to inject: which requests it hits, how, and how many times."""

    kind: str
    path: str = "*"
    method: str = "*"
    times: int | None = 1
    retry_after: float | None = None
    delay: float = 0.0
    body: Any = None
    status: int | None = None
    headers: dict[str, str] | None = None
    size: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}"
            )
        if self.times is not None and (not isinstance(self.times, int) or self.times < 1):
            raise ValueError("times must be a positive integer, or null for every request")
        if self.delay < 0 or (self.retry_after is not None and self.retry_after < 0):
            raise ValueError("delay and retry_after must not be negative")
        if self.kind == "slow" and self.delay <= 0:
            raise ValueError("a 'slow' fault needs a positive delay (seconds)")
        if self.kind == "wrong-location" and self.body is None:
            raise ValueError(
                "a 'wrong-location' fault needs a 'body' (the id the Location header should name)"
            )
        if self.kind == "huge" and (not isinstance(self.size, int) or self.size < 1):
            raise ValueError("a 'huge' fault needs a positive size (bytes)")
        if self.status is not None and not (
            isinstance(self.status, int) and 200 <= self.status < 600
        ):
            raise ValueError("status must be an HTTP status code from 200 to 599")
        if self.headers is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()
        ):
            raise ValueError("headers must map header names to string values")
        if self.path.startswith("^"):
            try:
                re.compile(self.path)  # fail on a bad pattern now, not on the next request
            except re.error as exc:
                raise ValueError(f"path {self.path!r} is not a valid regular expression") from exc

    @classmethod
    def from_json(cls, data: object) -> FaultRule:
        """Build from a control-endpoint object; unknown keys are errors, so typos show."""
        if not isinstance(data, Mapping):
            raise ValueError("a fault rule is a JSON object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise ValueError("a fault rule needs a 'kind'")
        fields = {str(k): _plain(v) for k, v in data.items()}
        if isinstance(fields["kind"], int | float):  # {"kind": 429} reads naturally in JSON
            fields["kind"] = str(int(fields["kind"]))
        try:
            return cls(**fields)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self.path.startswith("^"):
            return re.match(self.path, path) is not None
        return fnmatch.fnmatchcase(path, self.path)


def _plain(value: Any) -> Any:
    """Control bodies may carry Decimals (exact decoding); rules want plain numbers."""
    return float(value) if type(value).__name__ == "Decimal" else value


@dataclass
class _Armed:
    rule: FaultRule
    remaining: int | None
    hits: int = 0


@dataclass
class FaultPlan:
    """The rules in force; shared between the serving thread and tests, hence the lock."""

    _armed: list[_Armed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, rule: FaultRule | Mapping[str, Any]) -> FaultRule:
        """Arm a rule (a ``FaultRule`` or its JSON form) after the ones already armed."""
        if not isinstance(rule, FaultRule):
            rule = FaultRule.from_json(rule)
        with self._lock:
            self._armed.append(_Armed(rule, rule.times))
        return rule

    def extend(self, rules: Iterable[FaultRule | Mapping[str, Any]]) -> list[FaultRule]:
        """Arm several rules; all are checked before any is armed."""
        checked = [r if isinstance(r, FaultRule) else FaultRule.from_json(r) for r in rules]
        return [self.add(rule) for rule in checked]

    def clear(self) -> int:
        """Disarm every rule; return how many there were."""
        with self._lock:
            count = len(self._armed)
            self._armed.clear()
        return count

    def take(self, method: str, path: str) -> FaultRule | None:
        """Consume one use of the first matching rule with uses left."""
        with self._lock:
            for armed in self._armed:
                if armed.remaining != 0 and armed.rule.matches(method, path):
                    armed.hits += 1
                    if armed.remaining is not None:
                        armed.remaining -= 1
                    return armed.rule
        return None

    def describe(self) -> list[dict[str, Any]]:
        """The rules as JSON objects with ``remaining`` (null: unlimited) and ``hits``."""
        with self._lock:
            return [
                {**asdict(a.rule), "remaining": a.remaining, "hits": a.hits} for a in self._armed
            ]


def _writes(method: str, path: str) -> bool:
    """Whether a request can change the emulated data (what "writes nothing" tests count)."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not any(fnmatch.fnmatchcase(path, pattern) for pattern in READ_ONLY_PATHS)


class FaultMiddleware:
    """Pure ASGI middleware applying a ``FaultPlan`` and serving the control endpoints."""

    def __init__(self, app: ASGIApp, plan: FaultPlan | None = None) -> None:
        self.app = app
        self.plan = plan if plan is not None else FaultPlan()
        self.gate: ConcurrencyGate | None = app if isinstance(app, ConcurrencyGate) else None
        self.requests: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.writes = 0
        # Requests being answered right now and the most at once (what a client had in flight,
        # refused ones included); read by ``/__ferry/stats``. One event loop: no lock needed.
        self.in_flight = self.peak = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == CONTROL_PATH:
            await self._control(scope, receive, send)
            return
        if scope["path"] == STATS_PATH:
            await self._stats(scope, send)
            return
        self.requests[scope["method"]] += 1
        query = scope.get("query_string", b"").decode("latin-1")
        self.paths[f"{scope['method']} {scope['path']}" + (f"?{query}" if query else "")] += 1
        if _writes(scope["method"], scope["path"]):
            self.writes += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self._serve(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.plan.take(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind in ("429", "503"):
            await _refuse(send, rule)
        elif rule.kind == "wrong-location":
            await self.app(scope, receive, _relocated(send, str(rule.body)))
        elif rule.kind == "slow":
            await self.app(scope, receive, _delayed(send, rule.delay))
        elif rule.kind in _ANSWERS:
            await _ANSWERS[rule.kind](scope, receive, send, rule)
        else:
            await self.app(scope, receive, _discard)
            await _drop_connection(receive)

    async def _stats(self, scope: Scope, send: Send) -> None:
        """Requests served so far, by method and by request line (``paths``: "GET
        /object-query/invoices?pageSize=50"), how many of them were writes, the most in flight
        at once (``peak_in_flight``: every request a client had open, refused ones included;
        ``peak_admitted``: those past the concurrency limit) and how many the limit refused with
        429 (benchmarks and tests count an emulator's work from outside it, over HTTP); DELETE
        resets the counts."""
        gate = self.gate
        counts, writes = dict(self.requests), self.writes
        body = {
            "requests": counts,
            "paths": dict(self.paths),
            "total": sum(counts.values()),
            "writes": writes,
            "peak_in_flight": self.peak,
            "peak_admitted": gate.peak if gate is not None else self.peak,
            "concurrency_limit": gate.limit if gate is not None else None,
            "refused_429": gate.rejected if gate is not None else 0,
        }
        if scope["method"] == "DELETE":
            self.requests.clear()
            self.paths.clear()
            self.writes = 0
            self.peak = self.in_flight
            if gate is not None:
                gate.reset()
        await send_json(send, 200, body)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method == "GET":
            await send_json(send, 200, {"rules": self.plan.describe()})
        elif method == "DELETE":
            await send_json(send, 200, {"cleared": self.plan.clear()})
        elif method == "POST":
            await self._add_rules(receive, send)
        else:
            await send_json(
                send, 405, {"error": "use GET, POST or DELETE"}, {"Allow": "GET, POST, DELETE"}
            )

    async def _add_rules(self, receive: Receive, send: Send) -> None:
        try:
            data = jsonio.loads_exact(await read_body(receive))
            if isinstance(data, Mapping) and "rules" in data:
                data = data["rules"]
            rules = self.plan.extend(data if isinstance(data, list) else [data])
        except ValueError as exc:  # JSON errors are ValueErrors too
            await send_json(send, 400, {"error": str(exc)})
            return
        await send_json(send, 201, {"added": [asdict(r) for r in rules]})


class ConcurrencyGate:
    """At most ``limit`` requests in flight; the excess is answered at once, like a governed API.

    ``body`` is the refusal body: bytes or text sent as is, anything else as JSON. ``peak`` and
    ``rejected`` let tests see what the server saw. Paths under ``/__ferry/`` are not counted.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        *,
        body: Any = None,
        status: int = 429,
        retry_after: float | None = 1.0,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.app, self.limit, self.status = app, limit, status
        self.body = body if body is not None else {"message": "Concurrency limit exceeded"}
        self.retry_after = retry_after
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.in_flight = self.peak = self.rejected = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__ferry/"):
            await self.app(scope, receive, send)
            return
        if not self._enter():
            await self._refuse(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _enter(self) -> bool:
        with self._lock:
            if self.in_flight >= self.limit:
                self.rejected += 1
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def reset(self) -> None:
        """Forget the refusals and the peak so far (``DELETE /__ferry/stats``)."""
        with self._lock:
            self.rejected = 0
            self.peak = self.in_flight

    async def _refuse(self, send: Send) -> None:
        headers = {"Content-Type": self.content_type, **self.headers}
        if self.retry_after is not None:
            headers["Retry-After"] = _seconds(self.retry_after)
        body = self.body
        raw = body.encode() if isinstance(body, str) else body
        await send_bytes(
            send, self.status, raw if isinstance(raw, bytes) else jsonio.dumps(raw), headers
        )


def with_faults(
    app: ASGIApp,
    plan: FaultPlan | None = None,
    *,
    concurrency_limit: int | None = None,
    limit_body: Any = None,
    limit_retry_after: float | None = 1.0,
    limit_headers: Mapping[str, str] | None = None,
) -> FaultMiddleware:
    """Wrap ``app`` for fault injection, optionally behind a ``ConcurrencyGate`` (``.gate``)."""
    inner: ASGIApp = app
    if concurrency_limit is not None:
        inner = ConcurrencyGate(
            app,
            concurrency_limit,
            body=limit_body,
            retry_after=limit_retry_after,
            headers=limit_headers,
        )
    return FaultMiddleware(inner, plan)


# -- the kinds ---------------------------------------------------------------------------------


async def _refuse(send: Send, rule: FaultRule) -> None:
    headers = {"Content-Type": "application/json"}
    if rule.retry_after is not None:
        headers["Retry-After"] = _seconds(rule.retry_after)
    headers.update(rule.headers or {})
    body = rule.body if rule.body is not None else _DEFAULT_BODIES[rule.kind]
    await send_bytes(send, int(rule.kind), jsonio.dumps(body), headers)


def _relocated(send: Send, record_id: str) -> Send:
    """Let the app answer, with the ``Location`` header naming ``record_id`` instead: a server
    that applied a write to one record and points at another."""

    async def send_moved(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, _moved(v, record_id) if k.lower() == b"location" else v)
                for k, v in message.get("headers", [])
            ]
            message = {**message, "headers": headers}
        await send(message)

    return send_moved


def _moved(location: bytes, record_id: str) -> bytes:
    return location.rstrip(b"/").rsplit(b"/", 1)[0] + b"/" + record_id.encode()


async def _answer(scope: Scope, receive: Receive, send: Send, rule: FaultRule) -> None:
    """Send the rule's own answer; a string body goes as text, anything else as JSON."""
    await _send_body(send, rule.status or 200, rule.body, rule.headers)


async def _echo(scope: Scope, receive: Receive, send: Send, rule: FaultRule) -> None:
    """Quote the request's credentials back, as a careless or hostile server might."""
    request_headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
    values = {
        "{authorization}": request_headers.get("authorization", b"").decode("latin-1"),
        "{body}": (await read_body(receive)).decode("utf-8", "replace"),
    }
    body = rule.body if rule.body is not None else "echo: {authorization} {body}"
    await _send_body(send, rule.status or 400, _fill(body, values), rule.headers)


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, text in values.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, Mapping):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


async def _send_body(send: Send, status: int, body: Any, headers: Mapping[str, str] | None) -> None:
    if isinstance(body, str):
        raw, kind = body.encode(), "text/plain; charset=utf-8"
    else:
        raw, kind = jsonio.dumps(body), "application/json"
    await send_bytes(send, status, raw, {"Content-Type": kind, **(headers or {})})


async def _huge(scope: Scope, receive: Receive, send: Send, rule: FaultRule) -> None:
    """Stream ``size`` bytes of valid JSON, chunked (no ``Content-Length``), never held whole."""
    head, tail = b'{"data": [], "padding": "', b'"}'
    headers = [(b"content-type", b"application/json"), *_raw_headers(rule.headers or {})]
    await send({"type": "http.response.start", "status": rule.status or 200, "headers": headers})
    await send({"type": "http.response.body", "body": head, "more_body": True})
    left = max(rule.size - len(head) - len(tail), 0)
    chunk = b"x" * _HUGE_CHUNK
    while left > 0:
        piece = chunk[: min(left, _HUGE_CHUNK)]
        left -= len(piece)
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": tail})


_ANSWERS: Final = {"answer": _answer, "echo": _echo, "huge": _huge}


def _delayed(send: Send, delay: float) -> Send:
    async def send_late(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(delay)
        await send(message)

    return send_late


async def _discard(message: Message) -> None:
    """Swallow the app's response: the client must never see it."""


async def _drop_connection(receive: Receive) -> None:
    """Close the socket with no response at all.

    ASGI has no "abort" message, and returning without a response makes uvicorn answer 500, so
    this reaches uvicorn's per-request cycle (the owner of ``receive``), aborts its transport and
    waits for uvicorn to notice the loss, after which it sends nothing more.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("connection dropped after the request was applied")
    transport.abort()
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


# -- small ASGI helpers (shared with the emulators) --------------------------------------------


async def read_body(receive: Receive) -> bytes:
    """Read a whole request body from ASGI ``receive``."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _raw_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def send_bytes(send: Send, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    """Send a complete response."""
    raw = _raw_headers(headers)
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> None:
    """Send ``payload`` as a JSON response."""
    merged = {"Content-Type": "application/json", **(headers or {})}
    await send_bytes(send, status, jsonio.dumps(payload), merged)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


__all__ = [
    "CONTROL_PATH",
    "KINDS",
    "ConcurrencyGate",
    "ConnectionDropped",
    "FaultMiddleware",
    "FaultPlan",
    "FaultRule",
    "read_body",
    "send_bytes",
    "send_json",
    "with_faults",
]
