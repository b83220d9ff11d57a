"""OAuth 2.0 client credentials (``POST /oauth/token``) and the bearer check on every other call.

Tokens are opaque random strings kept in memory with their expiry, measured on the emulator's
clock so tests can expire them without sleeping. A missing, unknown or expired token is answered
``401 {"message": ...}`` with Zuora's ``WWW-Authenticate`` header, which is the signal a client
must take to fetch a new token and retry once.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.emulators.faults import send_json

from .store import Clock
from .web import JsonResponse

TOKEN_PATH = "/oauth/token"
WWW_AUTHENTICATE = "Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API"
SCOPE = "entity.1a2b7a37-3e7d-4cb3-b0e2-883de9e766cc platform.write service.events.read"


@dataclass
class TokenStore:
    """Issued tokens and their expiry; ``issued`` counts grants so tests can see refreshes."""

    client_id: str
    client_secret: str
    ttl: int
    clock: Clock
    tokens: dict[str, datetime] = field(default_factory=dict)
    issued: int = 0
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue(self, client_id: str, client_secret: str) -> str | None:
        good = secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(
            client_secret, self.client_secret
        )
        if not good:
            return None
        token = secrets.token_hex(16)
        with self._lock:
            self.tokens[token] = self.clock() + timedelta(seconds=self.ttl)
            self.issued += 1
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self.tokens.get(token)
            if expiry is not None and expiry <= self.clock():
                del self.tokens[token]
                expiry = None
            if expiry is None:
                self.refused += 1
        return expiry is not None

    def revoke_all(self) -> None:
        """Forget every token, as a tenant-side revocation would (tests of the 401 path)."""
        with self._lock:
            self.tokens.clear()


async def _token(request: Request) -> Response:
    tokens: TokenStore = request.app.state.tokens
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        return JsonResponse(
            {
                "error": "invalid_request",
                "error_description": "use application/x-www-form-urlencoded",
            },
            status_code=400,
        )
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return JsonResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials",
            },
            status_code=400,
        )
    token = tokens.issue(form.get("client_id", ""), form.get("client_secret", ""))
    if token is None:
        return JsonResponse(
            {
                "error": "invalid_client",
                "error_description": "Invalid client_id or client_secret",
                "message": "Failed to authenticate.",
            },
            status_code=401,
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    return JsonResponse(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": tokens.ttl,
            "scope": SCOPE,
            "jti": str(uuid.uuid4()),
        },
        headers={"Cache-Control": "no-store"},
    )


routes = [Route(TOKEN_PATH, _token, methods=["POST"])]


class BearerAuth:
    """ASGI middleware: every path but the token endpoint needs a live bearer token."""

    def __init__(self, app: ASGIApp, tokens: TokenStore) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == TOKEN_PATH:
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token and self.tokens.valid(token.strip()):
            await self.app(scope, receive, send)
            return
        message = "Authentication error" if header else "Missing authentication token"
        await send_json(send, 401, {"message": message}, {"WWW-Authenticate": WWW_AUTHENTICATE})
