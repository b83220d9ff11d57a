"""NetSuite's error body (``nsError``) and the one exception the emulator raises to produce it.

Every failure the emulator reports goes through ``NsError`` so that all of them share the real
service's shape: ``type``, ``title``, ``status`` and ``o:errorDetails`` (each with ``detail``,
``o:errorCode`` and, when the error concerns a field, ``o:errorPath``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from engine import jsonio

_TYPE_BASE = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
_SECTIONS = {
    400: "#sec10.4.1",
    401: "#sec10.4.2",
    403: "#sec10.4.4",
    404: "#sec10.4.5",
    405: "#sec10.4.6",
    409: "#sec10.4.10",
    429: "",
    500: "#sec10.5.1",
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


@dataclass(frozen=True)
class Detail:
    """One entry of ``o:errorDetails``; ``extra`` carries ``o:errorQueryParam`` and the like."""

    detail: str
    code: str
    path: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path is not None:
            out["o:errorPath"] = self.path
        out.update(self.extra)
        return out


class NsError(Exception):
    """Raised anywhere in the emulator; the app turns it into an nsError response."""

    def __init__(self, status: int, details: list[Detail], headers: dict[str, str] | None = None):
        self.status = status
        self.details = details
        self.headers = headers or {}
        super().__init__("; ".join(d.detail for d in details))

    @classmethod
    def one(
        cls, status: int, code: str, detail: str, path: str | None = None, **extra: str
    ) -> NsError:
        """Shorthand for the common single-detail error."""
        return cls(status, [Detail(detail, code, path, dict(extra))])

    def body(self) -> dict[str, Any]:
        return {
            "type": _TYPE_BASE + _SECTIONS.get(self.status, ""),
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "o:errorDetails": [d.as_json() for d in self.details],
        }

    def response(self) -> Response:
        return Response(
            jsonio.dumps(self.body()),
            status_code=self.status,
            media_type="application/vnd.oracle.resource+json; type=error",
            headers=self.headers,
        )


def invalid_login(reason: str) -> NsError:
    """401 INVALID_LOGIN; the real reason goes in an emulator-only header, never in the body."""
    return NsError(
        401,
        [Detail(INVALID_LOGIN_DETAIL, "INVALID_LOGIN")],
        headers={"X-Ferry-Auth-Reason": reason},
    )


def not_found(kind: str = "record") -> NsError:
    return NsError.one(
        404,
        "NONEXISTENT_ID",
        f"The {kind} instance does not exist. Provide a valid {kind} instance ID.",
    )


def bad_content(detail: str, path: str | None = None) -> NsError:
    return NsError.one(400, "INVALID_CONTENT", detail, path)


def bad_param(param: str, detail: str) -> NsError:
    return NsError.one(400, "INVALID_PARAMETER", detail, None, **{"o:errorQueryParam": param})
