"""Ferry's one exception tree, and the located problems that spec errors carry.

Every error a user can meet is a ``FerryError``; foreign exceptions (httpx, JSON, sqlite3,
ruamel.yaml) are mapped at the edge where they arise, keeping the original as ``__cause__``.
Callers catch these classes, never a library's.

    FerryError
    ├── SpecError              a spec (or settings / connections file) is invalid: .problems
    ├── UsageError             bad CLI arguments, unreadable input file            (exit 2)
    ├── ConfigError            runtime configuration: a missing ${env:NAME}, an unknown endpoint
    ├── TransformError         a transform refused a value; raised without context, the
    │   │                      renderer wraps it into a RenderError
    ├── RenderError            one record failed to render: spec location, field, record key
    ├── DriverError            an endpoint failed; .retry says what the caller may do next
    │   ├── TransientError         nothing was applied; resend freely       (retry=not_sent)
    │   │   └── RateLimitedError   429 / concurrency limit; .retry_after      (retry=safe)
    │   │       └── EndpointPausedError  asked to wait longer than a run waits: stop the run
    │   ├── AmbiguousWriteError    the request left; its outcome is unknown  (retry=reconcile)
    │   └── PermanentError         resending cannot help                      (retry=never)
    │       ├── AuthError
    │       ├── NotFoundError
    │       ├── ConflictError
    │       ├── RejectedError      the endpoint refused the record: .details
    │       └── ResponseError      an unusable answer: malformed envelope, body over the size
    │                              limit, paging that never ends (names the URL)
    ├── StateError             the state store cannot be used
    │   ├── StateLockedError       another run holds the state file
    │   └── StateCorruptError      integrity check failed; never start from empty
    └── SyncError              a run cannot proceed (preflight failed, dependency missing)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec


class Location(msgspec.Struct, frozen=True, order=True):
    """A place in a file; line and column are 1-based, as editors show them."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with a spec, located precisely enough for an editor to jump to it.

    ``json_path`` is the JSON path of the offending value (``$.fields[2].from``); ``field`` names
    the destination field the problem concerns, when there is one, because consultants think in
    destination fields rather than list indexes. ``rank`` orders problems best first: syntax before
    schema before meaning, then by position. ``severity`` is ``error`` or ``warning`` (something
    Ferry cannot be sure of offline, such as a tenant's custom field; ``--strict`` makes it an
    error).
    """

    location: Location
    message: str
    json_path: str = "$"
    code: str = "spec"
    field: str | None = None
    hint: str | None = None
    rank: int = 50
    severity: str = "error"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def render(self) -> str:
        """Return the ``file:line:col: message`` line that people read."""
        label = "warning: " if self.is_warning else ""
        text = f"{self.location}: {label}{self.message}"
        if self.field:
            text += f" (field '{self.field}')"
        text += f" [at {self.json_path}]"
        if self.hint:
            # A hint's later lines (a caret under an expression) line up under its first line.
            prefix = "    hint: "
            text += "\n" + prefix + self.hint.replace("\n", "\n" + " " * len(prefix))
        return text

    def as_json(self) -> dict[str, Any]:
        """Return the same facts as a JSON-ready dict, for ``--format json``."""
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "json_path": self.json_path,
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "hint": self.hint,
            "severity": self.severity,
        }


class FerryError(Exception):
    """Base of every error Ferry raises on purpose."""


class SpecError(FerryError):
    """A spec file is invalid; ``problems`` lists every problem found, best first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.rank, p.location))
        first = self.problems[0].render() if self.problems else "invalid spec"
        more = len(self.problems) - 1
        super().__init__(first + (f"\n(+{more} more problems)" if more > 0 else ""))


class UsageError(FerryError):
    """Wrong command-line arguments or an input file that cannot be read."""


class ConfigError(FerryError):
    """Runtime configuration cannot be resolved (missing secret, unknown endpoint or object)."""


class TransformError(FerryError):
    """A transform cannot take the value it was given; the renderer adds field and record."""


class RenderError(FerryError):
    """One record failed to render, with everything needed to find the cause.

    The original exception stays as ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        field: str | None = None,
        record_key: str | None = None,
    ) -> None:
        self.location = location
        self.field = field
        self.record_key = record_key
        parts = [str(location)] if location else []
        if record_key is not None:
            parts.append(f"record {record_key!r}")
        if field:
            parts.append(f"field '{field}'")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class RetryClass(StrEnum):
    """What a caller may do after a failed endpoint call; decided in one place per driver."""

    NOT_SENT = "retryable-not-sent"
    SAFE = "retryable-safe"
    AMBIGUOUS = "ambiguous"
    PERMANENT = "permanent"


class DriverError(FerryError):
    """An endpoint call failed. ``retry`` tells the runtime whether and how to try again."""

    retry: RetryClass = RetryClass.PERMANENT

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        operation: str = "",
        status: int | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.operation = operation
        self.status = status
        self.details: list[dict[str, Any]] = details or []
        where = " ".join(p for p in (endpoint, operation) if p)
        code = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{where}{code}: {message}" if where else f"{message}{code}")


class TransientError(DriverError):
    """The endpoint did not apply the request (connect error, 503 before processing)."""

    retry = RetryClass.NOT_SENT


class RateLimitedError(TransientError):
    """The endpoint refused for load (429, concurrency limit); wait ``retry_after`` seconds."""

    retry = RetryClass.SAFE

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class EndpointPausedError(RateLimitedError):
    """The endpoint asked to wait (``Retry-After``) longer than a run waits: the run stops for
    that endpoint instead of stalling, and says how long was asked; run again after that."""


class AmbiguousWriteError(DriverError):
    """The request was sent but no answer came back: reconcile before resending a write."""

    retry = RetryClass.AMBIGUOUS


class PermanentError(DriverError):
    """Resending the same request cannot succeed."""


class AuthError(PermanentError):
    """Credentials were refused (after one refresh, where the auth flow can refresh)."""


class NotFoundError(PermanentError):
    """The record does not exist on the endpoint."""


class ConflictError(PermanentError):
    """The endpoint refused because of the record's state (locked number, duplicate key)."""


class RejectedError(PermanentError):
    """The endpoint refused the record's content; ``details`` carries its reasons."""


class ResponseError(PermanentError):
    """The endpoint answered with something no record can be read from: a malformed envelope,
    a body over the configured size limit, or paging that never ends. The message names the URL
    (and the page, for paging); one malformed *row* is not this, it is a record-level problem."""


class StateError(FerryError):
    """The state store cannot be used."""


class StateLockedError(StateError):
    """Another run holds the state file."""


class StateCorruptError(StateError):
    """The state file failed its integrity check; Ferry never starts silently from empty."""


class SyncError(FerryError):
    """A run cannot proceed: a preflight check failed or a dependency is missing."""
