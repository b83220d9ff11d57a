"""The TLS context every HTTP client of a process shares.

Why: building one reads and parses the certificate bundle (40-50 ms of CPU), and httpx builds
a new one for every client it creates unless it is given one: every endpoint of a run paid for
it again at start-up. The context is the one httpx would build (``httpx.create_ssl_context()``:
certifi's authorities, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set), built once per value
of those two variables. Sharing it is safe: a context holds settings and trusted authorities,
and each connection wraps its own socket with it.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx


def tls_context() -> ssl.SSLContext:
    """The shared context for the environment's current ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``."""
    return _built(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _built(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One context per pair of values (the arguments are the cache's key: httpx reads the
    variables itself)."""
    return httpx.create_ssl_context()
