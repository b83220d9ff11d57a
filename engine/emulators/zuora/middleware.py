"""Request-level behaviour that wraps every endpoint: Zuora's response headers and idempotency.

``Idempotency-Key`` (POST and PATCH only, at most 255 characters) stores the status, headers and
body of the first answer, success or failure, and replays them for 24 hours; a second request
with the key while the first is still running gets ``409``, and reuse with another method or URL
gets ``422`` (docs/guides/idempotent-requests). This is what makes "the connection dropped after
the account was created" safe to resend.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.emulators.faults import send_json

from .codes import Category, Resource, ZuoraFault
from .store import Clock

REPLAY_WINDOW = timedelta(hours=24)
MAX_KEY = 255
MAX_TRACK_ID = 64


class ZuoraHeaders:
    """Adds ``Zuora-Request-Id`` to every answer and echoes ``Zuora-Track-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        track = dict(scope["headers"]).get(b"zuora-track-id")
        if track is not None and len(track) > MAX_TRACK_ID:
            fault = ZuoraFault(
                Resource.REQUEST,
                Category.INVALID_VALUE,
                f"Zuora-Track-Id is longer than {MAX_TRACK_ID} characters.",
            )
            await send_json(send, 400, fault.body())
            return
        extra = [(b"zuora-request-id", str(uuid.uuid4()).encode())]
        if track is not None:
            extra.append((b"zuora-track-id", track))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    h
                    for h in message.get("headers", [])
                    if h[0].lower() not in {b"zuora-request-id", b"zuora-track-id"}
                ]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class _Stored:
    method: str
    target: str
    started: datetime
    done: bool = False
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


class Idempotency:
    """ASGI middleware storing first answers per ``Idempotency-Key``; ``replays`` counts hits."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.entries: dict[str, _Stored] = {}
        self.replays = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY:
            fault = ZuoraFault(
                Resource.REQUEST,
                Category.INVALID_VALUE,
                f"Idempotency-Key is longer than {MAX_KEY} characters.",
            )
            await send_json(send, 400, fault.body())
            return
        target = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        entry, verdict = self._claim(key, scope["method"], target)
        if verdict is not None:
            await send_json(send, verdict[0], verdict[1])
        elif entry.done:
            await self._replay(entry, send)
        else:
            await self._first(key, entry, scope, receive, send)

    def _claim(self, key: str, method: str, target: str) -> tuple[_Stored, Any]:
        """Find or start the entry for ``key``; a verdict is a refusal ``(status, body)``."""
        now = self.clock()
        with self._lock:
            entry = self.entries.get(key)
            if entry is not None and now - entry.started > REPLAY_WINDOW:
                entry = None
            if entry is None:
                entry = self.entries[key] = _Stored(method, target, now)
                return entry, None
        if entry.method != method or entry.target != target:
            return entry, (
                422,
                _refusal(
                    Category.INVALID_VALUE,
                    "The Idempotency-Key was used with another method or URL.",
                ),
            )
        if not entry.done:
            return entry, (
                409,
                _refusal(
                    Category.LOCK_CONTENTION, "A request with this Idempotency-Key is in progress."
                ),
            )
        return entry, None

    async def _first(
        self, key: str, entry: _Stored, scope: Scope, receive: Receive, send: Send
    ) -> None:
        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                entry.body += message.get("body", b"")
                if not message.get("more_body", False):
                    entry.done = True
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if not entry.done:
                with self._lock:
                    self.entries.pop(key, None)

    async def _replay(self, entry: _Stored, send: Send) -> None:
        with self._lock:
            self.replays += 1
        await send(
            {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
        )
        await send({"type": "http.response.body", "body": entry.body})


def _key(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] not in {"POST", "PATCH"}:
        return None
    raw = dict(scope["headers"]).get(b"idempotency-key")
    return None if raw is None else raw.decode("latin-1")


def _refusal(category: Category, message: str) -> dict[str, Any]:
    return ZuoraFault(Resource.REQUEST, category, message).body()
