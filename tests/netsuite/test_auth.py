"""Token-Based Authentication: Oracle's known-answer vector, and the emulator's verification of
requests signed by Ferry (oauthlib) and by authlib (the ``netsuite`` package's signer)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import warnings
from typing import Any

import httpx
import pytest

# authlib's first import installs an "always" filter for its own warnings; import that first,
# so the filter below, added after it, wins for the imports that warn ("use httpx2").
from authlib.deprecate import AuthlibDeprecationWarning

from engine.emulators.netsuite import (
    DEFAULT_ACCOUNT,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    DEFAULT_TOKEN_ID,
    DEFAULT_TOKEN_SECRET,
)
from engine.emulators.netsuite.auth import Credentials, TbaVerifier
from engine.emulators.netsuite.nserror import NsError
from engine.run.drivers.netsuite_auth import host_label, realm_for, rest_base_url

from .conftest import WRITE, Emulator, customer, tba

with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.encoding import to_bytes
    from authlib.integrations.httpx_client import OAuth1Auth
    from authlib.oauth1.rfc5849.client_auth import ClientAuth
    from authlib.oauth1.rfc5849.signature import generate_signature_base_string
    from authlib.oauth1.rfc5849.util import escape


def _authlib_hmac_sha256(client: Any, request: Any) -> str:
    """HMAC-SHA256 for authlib, registered the way the ``netsuite`` package does it: authlib
    builds the base string (independently of oauthlib), this only keys the HMAC."""
    text = generate_signature_base_string(request)
    key = escape(client.client_secret or "") + "&" + escape(client.token_secret or "")
    digest = hmac.new(to_bytes(key), to_bytes(text), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


ClientAuth.register_signature_method("HMAC-SHA256", _authlib_hmac_sha256)

KNOWN = {
    "account": "1234567",
    "consumer_key": "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
    "consumer_secret": "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
    "token_id": "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
    "token_secret": "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
}
KNOWN_URL = (
    "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
    "?script=6&deploy=1&customParam=someValue&testParam=someOtherValue"
)


def authlib_auth(**overrides: Any) -> OAuth1Auth:
    values = {
        "client_id": DEFAULT_CONSUMER_KEY,
        "client_secret": DEFAULT_CONSUMER_SECRET,
        "token": DEFAULT_TOKEN_ID,
        "token_secret": DEFAULT_TOKEN_SECRET,
        "signature_method": "HMAC-SHA256",
        "realm": DEFAULT_ACCOUNT,
        "force_include_body": True,
        **overrides,
    }
    return OAuth1Auth(**values)


def assert_invalid_login(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert body["o:errorDetails"][0]["detail"].startswith("Invalid login attempt.")
    assert reason in response.headers["X-Ferry-Auth-Reason"]


def test_known_answer_vector_from_oracle() -> None:
    auth = tba(**KNOWN, nonce=lambda: "fjaLirsIcCGVZWzBX0pg", timestamp=lambda: "1508242306")
    header = auth.authorization("POST", KNOWN_URL)
    assert header.startswith('OAuth realm="1234567"')
    assert 'oauth_signature="i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU%3D"' in header
    assert "oauth_body_hash" not in header


def test_realm_and_host_label_spellings() -> None:
    assert realm_for("1234567_sb1") == "1234567_SB1"
    assert realm_for("1234567-sb1") == "1234567_SB1"
    assert host_label("1234567_SB1") == "1234567-sb1"
    assert rest_base_url("1234567_SB1") == (
        "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    )


def test_ferry_signed_requests_with_query_and_body_are_accepted(ns: Emulator) -> None:
    created = ns.client.post("/record/v1/customer", json=customer(), headers=WRITE)
    assert created.status_code == 204
    got = ns.client.get("/record/v1/customer/1", params={"expandSubResources": "true"})
    assert got.status_code == 200
    assert "oauth_body_hash" not in str(got.request.headers["Authorization"])


def test_authlib_signed_requests_with_body_hash_are_accepted(ns: Emulator) -> None:
    auth = authlib_auth()
    url = ns.rest + "/record/v1/customer"
    created = ns.http.post(url, json=customer(), headers=WRITE, auth=auth)
    assert "oauth_body_hash" in created.request.headers["Authorization"]
    assert created.status_code == 204, created.text
    listed = ns.http.get(url, params={"limit": 5, "offset": 0}, auth=auth)
    assert listed.status_code == 200, listed.text
    assert listed.json()["totalResults"] == 1


def test_a_tampered_signature_is_refused(ns: Emulator) -> None:
    url = ns.rest + "/record/v1/customer"
    header = tba().authorization("GET", url)
    forged = header.replace('oauth_signature="', 'oauth_signature="A', 1)
    assert_invalid_login(ns.http.get(url, headers={"Authorization": forged}), "signature")


def test_a_signature_over_other_query_parameters_is_refused(ns: Emulator) -> None:
    header = tba().authorization("GET", ns.rest + "/record/v1/customer?limit=5")
    response = ns.http.get(
        ns.rest + "/record/v1/customer?limit=6", headers={"Authorization": header}
    )
    assert_invalid_login(response, "signature")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"token_id": "someone-else"}, "unknown token"),
        ({"consumer_key": "other-app"}, "unknown consumer key"),
        ({"token_secret": "wrong"}, "signature"),
        ({"account": "7654321_SB1"}, "realm"),
        ({"timestamp": lambda: str(int(time.time()) - 3600)}, "timestamp"),
    ],
)
def test_wrong_credentials_are_refused(
    ns: Emulator, overrides: dict[str, Any], reason: str
) -> None:
    response = ns.http.get(ns.rest + "/record/v1/customer", auth=tba(**overrides))
    assert_invalid_login(response, reason)
    assert ns.app.state.verifier.last_failure is not None


def test_a_realm_in_lower_case_is_refused(ns: Emulator) -> None:
    url = ns.rest + "/record/v1/customer"
    header = tba().authorization("GET", url).replace("1234567_SB1", "1234567_sb1")
    assert_invalid_login(ns.http.get(url, headers={"Authorization": header}), "realm")


def test_a_replayed_nonce_is_refused(ns: Emulator) -> None:
    auth = tba(nonce=lambda: "the-same-nonce-twice")
    url = ns.rest + "/record/v1/customer"
    assert ns.http.get(url, auth=auth).status_code == 200
    assert_invalid_login(ns.http.get(url, auth=auth), "nonce already used")


def test_a_body_that_does_not_match_its_hash_is_refused(ns: Emulator) -> None:
    url = ns.rest + "/record/v1/customer"
    body = b'{"companyName": "Acme"}'
    _, headers, _ = authlib_auth().prepare("POST", url, {"Content-Type": "application/json"}, body)
    response = ns.http.post(url, headers=headers, content=b'{"companyName": "Evil"}')
    assert_invalid_login(response, "oauth_body_hash")


def test_no_authorization_header_is_refused(ns: Emulator) -> None:
    assert_invalid_login(ns.http.get(ns.rest + "/record/v1/customer"), "no OAuth")


def test_a_nonce_is_forgotten_only_once_too_old_to_be_replayed() -> None:
    """Nonces are kept two timestamp windows (forgotten oldest first, not by a scan of all)."""
    clock = [1_000.0]
    creds = Credentials(
        DEFAULT_ACCOUNT,
        DEFAULT_CONSUMER_KEY,
        DEFAULT_CONSUMER_SECRET,
        DEFAULT_TOKEN_ID,
        DEFAULT_TOKEN_SECRET,
    )
    verifier = TbaVerifier(creds, now=lambda: clock[0], window=10)
    url = rest_base_url(DEFAULT_ACCOUNT) + "/record/v1/customer"

    def send(nonce: str) -> str | None:
        header = tba(nonce=lambda: nonce, timestamp=lambda: str(int(clock[0]))).authorization(
            "GET", url
        )
        try:
            verifier.verify("GET", url, {"authorization": header}, b"")
        except NsError:
            return verifier.last_failure
        return None

    assert send("early") is None
    clock[0] = 1_015.0
    assert send("later") is None
    assert send("early") == "nonce already used"
    clock[0] = 1_021.0  # "early" (1000) is now older than two windows; "later" (1015) is not
    assert send("early") is None
    assert send("later") == "nonce already used"
