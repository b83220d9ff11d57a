"""Whether a synced record's write-back (tracking fields on the source) is still owed.

Why: a write-back Zuora refused (``success: false``) leaves the record quarantined, and the retry
on the next run finds its payload unchanged; without this check the retry would release it and
the tracking fields would never be written. Owed means: never confirmed (``tracked_at`` unset,
a crash or a refusal right after the create), or the record's last write-back intent did not
end ``done`` (an update's write-back refused). Only records in quarantine pay for the lookup.
"""

from __future__ import annotations

from engine.run.state.store import Link, StateStore


def writeback_owed(state: StateStore, link: Link, quarantined: bool) -> bool:
    """True when the tracking fields must be written back again for ``link``'s record."""
    if link.tracked_at is None:
        return True
    if not quarantined:
        return False
    writebacks = [
        i for i in state.intents(link.mapping, link.source_id) if i.operation == "writeback"
    ]
    return bool(writebacks) and writebacks[-1].status != "done"


__all__ = ["writeback_owed"]
