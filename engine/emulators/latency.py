"""Emulated network and service latency: every request is answered no sooner than its latency.

Why: a loopback emulator answers in about a millisecond, so a client that wastes its concurrency
(one request after another, slots idle while other work runs) looks fast against it. Real
NetSuite and Zuora take 100-500 ms per call; with a per-request latency *inside* the
concurrency gate, each request holds its slot as long as a real one would, and throughput is
bounded by ``limit / latency`` the way it is against the real APIs.

What the latency means: the time from the request's arrival (the moment the emulator's
application sees it) to its answer, as "150 ms per request" means for a real service. The
emulator handles the request at once and holds the answer until the latency has passed since
arrival; its own processing is part of the latency, not added to it. (Sleeping first and then
handling made a "150 ms" request take 156-162 ms: the emulator's work on top.) A request whose
handling takes longer than the latency is answered when it is handled.

Usage (inside the gate, so a slow request keeps its slot)::

    app = ConcurrencyGate(Latency(routes, latency_ms=150, jitter_ms=20), 5, body=...)

Paths under ``/__ferry/`` (control and stats) are never delayed.
"""

from __future__ import annotations

import asyncio
import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Latency:
    """Answer each request ``latency_ms`` after it arrived, give or take up to ``jitter_ms``
    (uniform), never below zero: the wrapped app handles it at once, its answer is held."""

    def __init__(
        self, app: ASGIApp, latency_ms: float, jitter_ms: float = 0.0, *, seed: int | None = None
    ) -> None:
        if latency_ms < 0 or jitter_ms < 0:
            raise ValueError("latency and jitter must not be negative")
        self.app = app
        self.latency_ms = float(latency_ms)
        self.jitter_ms = float(jitter_ms)
        self._random = random.Random(seed)

    def delay(self) -> float:
        """The next request's delay, in seconds."""
        jitter = self._random.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        return max(self.latency_ms + jitter, 0.0) / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__ferry/"):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        answer_at = loop.time() + self.delay()  # the latency counts from arrival

        async def answer(message: Message) -> None:
            """Hold the answer's start until the latency has passed since arrival."""
            if message["type"] == "http.response.start":
                wait = answer_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            await send(message)

        await self.app(scope, receive, answer)


def with_latency(app: ASGIApp, latency_ms: float | None, jitter_ms: float | None) -> ASGIApp:
    """``app`` behind a ``Latency`` when a latency or jitter is set, else ``app`` itself."""
    if not latency_ms and not jitter_ms:
        return app
    return Latency(app, latency_ms or 0.0, jitter_ms or 0.0)


__all__ = ["Latency", "with_latency"]
