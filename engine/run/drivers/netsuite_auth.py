"""NetSuite Token-Based Authentication (OAuth 1.0a, HMAC-SHA256) as an ``httpx.Auth`` flow.

Why a separate module: signing is the one part of the NetSuite driver that must match the
service byte for byte, so it is small, tested against Oracle's published known-answer vector,
and reused by the tests that check the emulator. The signature itself is computed by oauthlib
(a maintained RFC 5849 implementation); this module only decides *what* is signed:

* the realm is the account id in upper case with ``_SB1`` kept (``1234567_SB1``), while the host
  label is lower case with ``-`` (``1234567-sb1``) - the two spellings users mix up;
* query parameters are part of the signature (oauthlib collects them from the URL);
* a JSON body is never a parameter, and no ``oauth_body_hash`` is sent: the header carries exactly
  the parameters NetSuite documents. (The emulator also accepts a body hash, which authlib adds.)
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx
from oauthlib import oauth1

SIGNATURE_METHOD = "HMAC-SHA256"


def realm_for(account: str) -> str:
    """Return the OAuth realm for an account id: upper case, underscore kept (``1234567_SB1``)."""
    return account.strip().upper().replace("-", "_")


def host_label(account: str) -> str:
    """Return the host label for an account id: lower case, ``_`` -> ``-`` (``1234567-sb1``)."""
    return account.strip().lower().replace("_", "-")


def rest_base_url(account: str) -> str:
    """The SuiteTalk REST root of the real service for ``account`` (without a trailing slash)."""
    return f"https://{host_label(account)}.suitetalk.api.netsuite.com/services/rest"


class NetSuiteTBA(httpx.Auth):
    """Signs every request with NetSuite TBA credentials.

    ``nonce`` and ``timestamp`` factories exist so a test can reproduce a known signature; in
    normal use oauthlib generates a fresh random nonce and the current time for each request.
    Secrets are plain strings here: the driver reveals ``Secret`` values only when building this.
    """

    requires_request_body = False

    def __init__(
        self,
        *,
        account: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        nonce: Callable[[], str] | None = None,
        timestamp: Callable[[], str] | None = None,
    ) -> None:
        self.realm = realm_for(account)
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._nonce = nonce
        self._timestamp = timestamp

    def __repr__(self) -> str:
        return f"NetSuiteTBA(realm={self.realm!r}, consumer_key=***, token_id=***)"

    def authorization(self, method: str, url: str) -> str:
        """Return the ``Authorization`` header value for ``method`` on the exact ``url``."""
        client = oauth1.Client(
            self._consumer_key,
            client_secret=self._consumer_secret,
            resource_owner_key=self._token_id,
            resource_owner_secret=self._token_secret,
            signature_method=SIGNATURE_METHOD,
            realm=self.realm,
            nonce=self._nonce() if self._nonce else None,
            timestamp=self._timestamp() if self._timestamp else None,
        )
        # No body and no Content-Type: oauthlib then neither reads the JSON body as parameters
        # nor adds oauth_body_hash, which is what NetSuite's documentation describes.
        _, headers, _ = client.sign(url, http_method=method.upper())
        return str(headers["Authorization"])

    def sign(self, request: httpx.Request) -> None:
        """Sign ``request`` in place. The header depends on the request alone, so the endpoint
        signs before the request waits for a slot (``limiter.SignsAhead``): a slot then holds
        only the request's time on its way and answered."""
        request.headers["Authorization"] = self.authorization(request.method, str(request.url))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
