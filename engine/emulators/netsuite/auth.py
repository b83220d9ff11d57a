"""Server-side verification of NetSuite Token-Based Authentication (OAuth 1.0a, HMAC-SHA256).

Why it is strict: a driver that signs slightly wrong (wrong realm case, query parameters left
out of the base string, the port dropped) must fail here exactly as it would against NetSuite,
not in production. The base string is rebuilt from the URL *as the server received it* and
from *every* ``oauth_*`` parameter in the header, so clients that add ``oauth_body_hash``
(authlib with ``force_include_body=True``, used by the ``netsuite`` PyPI package) verify too;
the body hash itself is then checked against the body. The HMAC is computed by oauthlib.

Failures are all ``401 INVALID_LOGIN`` with NetSuite's generic text; the actual reason goes in
the emulator-only ``X-Ferry-Auth-Reason`` header and in ``TbaVerifier.last_failure``.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from engine.emulators.netsuite.nserror import NsError, invalid_login
from engine.run.drivers.netsuite_auth import SIGNATURE_METHOD, realm_for

TIMESTAMP_WINDOW = 300
"""Seconds a request timestamp may differ from server time (NetSuite's own window: unverified)."""

_REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_nonce",
    "oauth_timestamp",
    "oauth_signature_method",
    "oauth_signature",
)


@dataclass(frozen=True)
class Credentials:
    """The one integration record and access token the emulated account accepts."""

    account: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


@dataclass(frozen=True)
class _SignedRequest:
    """The attributes oauthlib's ``verify_hmac_sha256`` reads from a request."""

    uri: str
    http_method: str
    params: list[tuple[str, str]]
    signature: str


class TbaVerifier:
    """Checks the ``Authorization`` header of each request; remembers nonces to refuse replays."""

    def __init__(
        self,
        creds: Credentials,
        *,
        now: Callable[[], float] = time.time,
        window: int = TIMESTAMP_WINDOW,
    ) -> None:
        self.creds = creds
        self.realm = realm_for(creds.account)
        self._now = now
        self._window = window
        self._nonces: dict[str, int] = {}
        self._expiry: list[tuple[int, str]] = []  # (timestamp, nonce), oldest first: a heap
        self._lock = threading.Lock()
        self.last_failure: str | None = None

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise ``NsError`` (401) unless the request is correctly signed and fresh."""
        try:
            self._verify(method, url, headers.get("authorization", ""), body)
        except _Refused as exc:
            self.last_failure = str(exc)
            raise invalid_login(str(exc)) from None

    def _verify(self, method: str, url: str, header: str, body: bytes) -> None:
        pairs = self._header_pairs(header)
        params = dict(pairs)
        missing = [k for k in _REQUIRED if not params.get(k)]
        if missing:
            raise _Refused(f"missing {', '.join(missing)}")
        self._check_identity(params)
        timestamp = self._check_timestamp(params["oauth_timestamp"])
        if "oauth_body_hash" in params:
            expected = base64.b64encode(hashlib.sha1(body).digest()).decode()
            if not hmac.compare_digest(params["oauth_body_hash"], expected):
                raise _Refused("oauth_body_hash does not match the body")
        self._check_signature(method, url, pairs, params["oauth_signature"])
        self._use_nonce(params["oauth_nonce"], timestamp)

    def _header_pairs(self, header: str) -> list[tuple[str, str]]:
        """The header's parameters, unescaped, the signature and realm included: read once
        for the checks and the signature base string alike."""
        if not header[:6].lower() == "oauth ":
            raise _Refused("no OAuth Authorization header")
        try:
            pairs = oauth_signature.collect_parameters(
                headers={"Authorization": header}, exclude_oauth_signature=False, with_realm=True
            )
        except ValueError as exc:
            raise _Refused(f"malformed Authorization header: {exc}") from None
        return [(str(k), str(v)) for k, v in pairs]

    def _check_identity(self, params: dict[str, str]) -> None:
        if params.get("realm") != self.realm:
            raise _Refused(f"realm {params.get('realm')!r} is not {self.realm!r}")
        if params["oauth_signature_method"] != SIGNATURE_METHOD:
            raise _Refused(f"signature method {params['oauth_signature_method']!r} unsupported")
        if params.get("oauth_version", "1.0") != "1.0":
            raise _Refused("oauth_version must be 1.0")
        if not hmac.compare_digest(params["oauth_consumer_key"], self.creds.consumer_key):
            raise _Refused("unknown consumer key")
        if not hmac.compare_digest(params["oauth_token"], self.creds.token_id):
            raise _Refused("unknown token")

    def _check_timestamp(self, text: str) -> int:
        if not text.isdigit():
            raise _Refused("oauth_timestamp is not a number")
        stamp = int(text)
        if abs(self._now() - stamp) > self._window:
            raise _Refused("oauth_timestamp outside the accepted window")
        return stamp

    def _check_signature(
        self, method: str, url: str, pairs: list[tuple[str, str]], sig: str
    ) -> None:
        query = url.partition("?")[2]
        try:
            params = oauth_signature.collect_parameters(uri_query=query) if query else []
        except ValueError as exc:
            raise _Refused(f"cannot read the request parameters: {exc}") from None
        # the query's parameters, then the header's but its signature and realm: what
        # ``collect_parameters`` gives for both, without reading the header a second time
        params += [(k, v) for k, v in pairs if k not in ("oauth_signature", "realm")]
        request = _SignedRequest(url, method.upper(), params, sig)
        if not oauth_signature.verify_hmac_sha256(
            request, self.creds.consumer_secret, self.creds.token_secret
        ):
            raise _Refused("signature does not match")

    def _use_nonce(self, nonce: str, stamp: int) -> None:
        with self._lock:
            # forget the nonces too old to be replayed: from the oldest, not by a scan of all
            # (a scan per request made the emulator's time grow with the requests served)
            horizon = self._now() - 2 * self._window
            while self._expiry and self._expiry[0][0] < horizon:
                _, old = heapq.heappop(self._expiry)
                if self._nonces.get(old, horizon) < horizon:
                    del self._nonces[old]
            if nonce in self._nonces:
                raise _Refused("nonce already used")
            self._nonces[nonce] = stamp
            heapq.heappush(self._expiry, (stamp, nonce))


class _Refused(Exception):
    """Internal: why a request was refused (never shown in the response body)."""


def received_url(scope: Mapping[str, object], host: str) -> str:
    """The URL as the client addressed it: scheme, ``Host`` header, raw path and raw query.

    The raw path matters: ``eid:ACME%20001`` must be signed and verified percent-encoded.
    """
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(scope.get("path", "/"))
    query = scope.get("query_string", b"")
    qs = query.decode("latin-1") if isinstance(query, bytes) else ""
    url = f"{scope.get('scheme', 'http')}://{host}{path}"
    return f"{url}?{qs}" if qs else url


__all__ = ["Credentials", "NsError", "TbaVerifier", "received_url"]
