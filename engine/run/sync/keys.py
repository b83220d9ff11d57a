"""The fingerprints a write carries: the payload hash and the ``Idempotency-Key``.

Why the key covers the body: Zuora stores the status, headers and body of the first answer to
a key, failures included, and replays them for 24 hours (api-facts §1.6). A key made of the
mapping, source id and operation alone would make a create that Zuora refused, then fixed at
the source, get the stored refusal back on every retry for a day. With the payload hash in the
key a changed body is a new request, while a replay of the same intent (a resend after a lost
answer, or the crash-recovery path rendering the same record again) sends the same key and
gets the first answer back instead of a second record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from engine import jsonio

KEY_PREFIX = "ferry-"


def payload_hash(payload: Mapping[str, Any]) -> str:
    """A stable fingerprint of a payload (canonical JSON, SHA-256)."""
    return hashlib.sha256(jsonio.canonical(payload)).hexdigest()


def idempotency_key(
    mapping: str, source_id: str, operation: str, payload: Mapping[str, Any]
) -> str:
    """Deterministic per mapping, source record, operation and body: the same intent resent
    replays the first answer; a changed body is a new request (46 characters, well under
    Zuora's 255)."""
    parts = (mapping, source_id, operation, payload_hash(payload))
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{KEY_PREFIX}{digest[:40]}"


__all__ = ["idempotency_key", "payload_hash"]
