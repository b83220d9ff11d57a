"""Secret references in configuration, and the log redaction that keeps their values out of logs.

Why: connection files are committed to git, so credentials must never be written in them. An option
that holds a credential takes a *reference*, resolved when the connection is built:

    ${env:ZUORA_CLIENT_SECRET}      an environment variable
    ${file:secrets/ns_token.txt}    a file, relative to the file that references it

Usage::

    from engine.run.secrets import Secret, resolve_secret, install_redaction

    install_redaction()                       # once, early; HttpEndpoint also calls it
    secret = resolve_secret("${env:TOKEN}", option="client_secret", base_dir=Path("."))
    secret                                    # Secret('***')
    headers = {"Authorization": f"Bearer {secret.reveal()}"}

A literal string where a secret is required is a ``ConfigError`` naming the option (the literal is
never echoed). Every resolved value is registered with the redactor, so it is scrubbed from every
log record even if a library logs it (httpx logs full URLs at INFO).
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, quote_plus

from engine.errors import ConfigError

MASK: Final = "***"
_REFERENCE = re.compile(r"^\$\{(?P<kind>[A-Za-z]+):(?P<target>[^}]+)\}$")
# Scrubbing shorter values would shred ordinary log text; no real credential is that short.
_MIN_REGISTERED_LENGTH: Final = 4
# A cut excerpt may end inside a secret the text quoted only in part; a tail that long which
# starts a secret is masked too (shorter ones are too common in ordinary text to tell apart).
MIN_PARTIAL: Final = 6


class Secret:
    """A credential whose value shows only through ``reveal()``: repr, str and format hide it."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source
        register_secret(value)

    def reveal(self) -> str:
        """Return the value; call it only where the value is put on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def is_reference(value: object) -> bool:
    """True when ``value`` is a ``${kind:target}`` reference (known kind or not)."""
    return isinstance(value, str) and _REFERENCE.match(value) is not None


def resolve_secret(value: object, *, option: str, base_dir: Path) -> Secret:
    """Resolve the reference held by ``option`` into a ``Secret``; anything else is an error."""
    if isinstance(value, Secret):
        return value
    if not is_reference(value):
        raise ConfigError(
            f"option '{option}' holds a credential and must be a reference such as "
            "${env:NAME} or ${file:PATH}, not a literal value"
        )
    text, source = _resolve(str(value), option=option, base_dir=base_dir)
    return Secret(text, source)


def resolve_value(value: object, *, option: str, base_dir: Path) -> object:
    """Resolve a reference in an ordinary option (``base_url: ${env:ZUORA_URL}``); others pass."""
    if not is_reference(value):
        return value
    return _resolve(str(value), option=option, base_dir=base_dir)[0]


def _resolve(reference: str, *, option: str, base_dir: Path) -> tuple[str, str]:
    match = _REFERENCE.match(reference)
    assert match is not None  # checked by the callers
    kind, target = match["kind"], match["target"].strip()
    if kind == "env":
        return _from_env(target, option), f"env:{target}"
    if kind == "file":
        path = (base_dir / target).resolve()
        return _from_file(path, option), f"file:{path}"
    raise ConfigError(f"option '{option}': unknown reference kind '{kind}' (use env or file)")


def _from_env(name: str, option: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(f"option '{option}': environment variable {name} is not set")
    if not value:
        raise ConfigError(f"option '{option}': environment variable {name} is empty")
    return value


def _from_file(path: Path, option: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"option '{option}': secret file {path} does not exist") from exc
    except UnicodeDecodeError as exc:
        reason = f"option '{option}': secret file {path} is not UTF-8 text"
        raise ConfigError(reason) from exc
    except OSError as exc:
        reason = f"option '{option}': secret file {path} cannot be read ({exc.strerror})"
        raise ConfigError(reason) from exc
    value = text.rstrip("\r\n")
    if not value:
        raise ConfigError(f"option '{option}': secret file {path} is empty")
    return value


class _Registry:
    """Every secret value seen in this process, compiled into one alternation for scrubbing.

    The alternation is compiled when text is first scrubbed after a secret was added, not per
    secret added: a run registers every credential of its Connections file at start-up, and
    most runs log nothing that needs scrubbing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None  # None: none compiled for _values yet

    def add(self, value: str) -> None:
        if len(value) < _MIN_REGISTERED_LENGTH:
            return
        forms = {value, quote(value, safe=""), quote_plus(value, safe="")}
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            self._pattern = None

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                if self._pattern is None and self._values:
                    ordered = sorted(self._values, key=len, reverse=True)
                    self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
                pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text

    @property
    def longest(self) -> int:
        with self._lock:
            return max((len(v) for v in self._values), default=0)

    def mask_partial_tail(self, text: str) -> str:
        """Mask the end of ``text`` when it is the first ``MIN_PARTIAL``+ characters of a secret."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            for size in range(min(len(value) - 1, len(text)), MIN_PARTIAL - 1, -1):
                if text.endswith(value[:size]):
                    return text[:-size] + MASK
        return text


_REGISTRY = _Registry()


@functools.cache
def _credential_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Credential-looking ``key=value`` pairs and ``Authorization`` values, compiled when text
    is first redacted (most runs redact nothing)."""
    keyed = re.compile(
        r"(?i)\b(client_secret|access_token|refresh_token|oauth_signature|oauth_token|token_secret"
        r"|password)(['\"]?\s*[:=]\s*['\"]?)([^'\"&\s,;}]+)"
    )
    authorization = re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)")
    return keyed, authorization


def register_secret(value: str) -> None:
    """Make ``value`` (and its URL-encoded forms) scrubbed from every log record from now on."""
    _REGISTRY.add(value)


def redact(text: str) -> str:
    """Scrub registered secret values and credential-looking ``key=value`` pairs from ``text``."""
    keyed, authorization = _credential_patterns()
    text = _REGISTRY.scrub(text)
    text = authorization.sub(lambda m: m[1] + MASK, text)
    return keyed.sub(lambda m: m[1] + m[2] + MASK, text)


def redact_excerpt(text: str, limit: int) -> str:
    """``text`` redacted, then cut to ``limit`` characters (with "…" when cut).

    Why this order: cutting first can split a secret, and a split secret no longer matches, so
    its first part would survive redaction into messages, reports and the state file. Only the
    head that can reach the excerpt is redacted (a body may be megabytes), and a tail that still
    starts a secret (the text itself quoted one in part) is masked as well.
    """
    head = text[: limit + _REGISTRY.longest + 1]
    clean = redact(head)
    if len(clean) <= limit and len(head) == len(text):
        return clean
    return _REGISTRY.mask_partial_tail(clean[:limit]) + "…"


class RedactingFilter(logging.Filter):
    """Scrubs a record's message, arguments and traceback text; clean records pass untouched.

    String arguments are scrubbed in place, so formatters that read ``record.args`` (uvicorn's
    access log) keep working; only when a secret hides in some other argument's text is the
    message merged with its arguments and the arguments dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template only, scrubbed
            record.msg, record.args = redact(str(record.msg)), None
            return True
        if redact(message) != message:
            _scrub_record(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def _scrub_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None


_FILTER: Final = RedactingFilter()
_INSTALL_LOCK = threading.Lock()
_installed = False
_LOGGERS: Final = ("", "httpx", "httpcore", "engine", "uvicorn")


def install_redaction() -> RedactingFilter:
    """Redact every log record in the process; safe to call many times.

    Logger filters only see records logged on that very logger (not its children, and httpcore
    logs on ``httpcore.http11`` etc.), so besides attaching the filter to the root, httpx and
    httpcore loggers and to the root's handlers, the record factory is wrapped: every record is
    scrubbed when it is created, whichever logger or handler it later meets.
    """
    global _installed
    with _INSTALL_LOCK:
        if not _installed:
            _wrap_record_factory()
            _installed = True
        for name in _LOGGERS:
            _attach(logging.getLogger(name))
        for handler in logging.getLogger().handlers:
            _attach(handler)
    return _FILTER


def _attach(target: logging.Filterer) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def _wrap_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
