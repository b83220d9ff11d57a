"""The shared TLS context: a run over plain HTTP never reads the trusted authorities, and an
HTTPS endpoint is verified against them (an unknown certificate is refused, a trusted one
accepted) exactly as when they were loaded up front."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from engine.emulators import stack, zuora_seed
from engine.errors import TransientError
from engine.run.drivers.http import HttpEndpoint, RetryPolicy
from tests.conftest import ROOT

ONCE = RetryPolicy(max_attempts=1)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that no authority signed, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on loopback with a self-signed certificate: its URL and certificate."""
    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


def test_an_https_endpoint_whose_certificate_no_authority_signed_is_refused(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _cert = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    endpoint = HttpEndpoint("tls", url, retry=ONCE)
    try:
        with pytest.raises(TransientError) as caught:
            endpoint.request("GET", "/ok", operation="read", idempotent=True)
    finally:
        endpoint.close()

    assert "CERTIFICATE_VERIFY_FAILED" in repr(caught.value.__cause__)


def test_an_https_endpoint_is_verified_against_the_authorities_of_ssl_cert_file(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.run.drivers.tls import authorities_loaded, tls_context

    url, cert = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    endpoint = HttpEndpoint("tls", url, retry=ONCE)
    try:
        assert endpoint.request_json("GET", "/ok", operation="read", idempotent=True) == {
            "ok": True
        }
    finally:
        endpoint.close()

    assert authorities_loaded()
    assert tls_context().cert_store_stats()["x509_ca"] == 1  # the one in SSL_CERT_FILE


# `ferry plan` in a fresh interpreter; prints its exit code and how many authorities the
# shared context holds afterwards (the standard library's own count).
PLAN = """
import json, sys
from engine.cli import main
code = main(sys.argv[1:])
from engine.run.drivers.tls import authorities_loaded, tls_context
print(json.dumps([code, authorities_loaded(), tls_context().cert_store_stats()["x509_ca"]]))
"""


def test_a_plan_against_endpoints_over_http_reads_no_authorities(tmp_path: Path) -> None:
    (tmp_path / "zuora").mkdir()
    zuora_seed.write(tmp_path / "zuora", n_accounts=2)
    spec = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
    with stack.running(tmp_path, zuora_data=tmp_path / "zuora") as emulators:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                PLAN,
                "plan",
                "--connections",
                str(emulators.connections),
                "--state",
                str(tmp_path / "state.sqlite"),
                str(spec),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **emulators.env},
        )

    assert "would create" in done.stdout or "created" in done.stdout, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, False, 0]
