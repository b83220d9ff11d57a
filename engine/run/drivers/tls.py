"""The TLS context every HTTP client of a process shares, its authorities loaded on first use.

Why shared: building one reads and parses the certificate bundle (40-50 ms of CPU), and httpx
builds a new one for every client it creates unless it is given one: every endpoint of a run
paid for it again at start-up. Sharing it is safe: a context holds settings and trusted
authorities, and each connection wraps its own socket with it.

Why loaded on first use: a run against endpoints served over plain HTTP (the emulators on
loopback, a proxy on the same host) never opens a TLS connection, and parsing the bundle was a
tenth of ``ferry plan``'s start-up. The context is the one ``httpx.create_ssl_context()`` builds
(``ssl.create_default_context``'s settings: certificates and host names verified, the
``SSLKEYLOGFILE`` of the environment; certifi's authorities, or ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when set), except that the authorities are loaded by the first
``wrap_socket`` / ``wrap_bio``, before that handshake: every TLS connection is verified against
them exactly as before, and a context whose authorities failed to load refuses to connect.
``authorities_loaded`` says whether a process has read them.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import threading
from typing import Any


class _OnFirstUse(ssl.SSLContext):
    """A client context that loads its trusted authorities before its first handshake."""

    _cafile: str | None
    _capath: str | None
    _loaded: bool
    _lock: threading.Lock

    def load_authorities(self) -> None:
        """Load the authorities once (thread-safe: connections open in parallel)."""
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                if self._cafile is None and self._capath is None:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())
                else:
                    self.load_verify_locations(cafile=self._cafile, capath=self._capath)
                self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_authorities()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_authorities()
        return super().wrap_bio(*args, **kwargs)


def tls_context() -> ssl.SSLContext:
    """The shared context for the environment's current ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``."""
    return _built(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def authorities_loaded() -> bool:
    """Whether this process has read the trusted authorities of any shared context: only a
    TLS connection needs them (``tests/infra/test_tls.py`` holds a run over HTTP to it)."""
    return any(context._loaded for context in _CONTEXTS)


_CONTEXTS: list[_OnFirstUse] = []


@functools.cache
def _built(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One context per pair of values, as httpx chooses: ``SSL_CERT_FILE`` first, then
    ``SSL_CERT_DIR``, else certifi's bundle (empty values count as unset, as in httpx)."""
    context = _OnFirstUse(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context._cafile = cert_file or None
    context._capath = None if cert_file else (cert_dir or None)
    context._loaded = False
    context._lock = threading.Lock()
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    _CONTEXTS.append(context)
    return context
