"""Why a held record's parent is not synced, told from what the state file knows.

Why: "waiting for parent zuora-netsuite/customer:X" sends the operator hunting. The state knows
better: the parent may itself be quarantined (held, invalid, rejected, failed: with its reason),
or the last run that read it skipped it (a guard said no: with the guard and its reason), or no
run has read it yet. The held line says which, so the fix is one step away.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.run.state.store import StateStore


def why_not_synced(state: StateStore, mappings: Sequence[str], source_id: str) -> str:
    """`` (...)``: the parent's own state, to follow ``mapping:source_id`` in a held reason."""
    for mapping in mappings:
        entry = state.quarantine_entry(mapping, source_id)
        if entry is not None:
            dismissed = ", dismissed" if entry.status == "dismissed" else ""
            return f" (which is itself {entry.kind}{dismissed} in {mapping}: {entry.reason})"
    for mapping in mappings:
        last = state.last_outcome(mapping, source_id)
        if last is not None and last["outcome"] == "skipped":
            reason = (last["detail"] or {}).get("reason") or "no reason recorded"
            return f" (which {mapping} skipped in run {last['run_id']}: {reason})"
    return " (no run has synced it yet)"
