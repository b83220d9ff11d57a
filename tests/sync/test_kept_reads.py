"""A plan's state store answers a read asked again from the rows it gave then (``keep_reads``),
and forgets them all when anything is written through it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.run.state import StateStore
from engine.run.state.rows import Link


def _link(source_id: str, destination_id: str) -> Link:
    return Link(
        mapping="zuora-netsuite/customer",
        source_id=source_id,
        source_system="zuora",
        destination_system="netsuite",
        destination_id=destination_id,
        external_id=None,
        payload_hash=None,
        payload=None,
        assigned=None,
        source_version=None,
        tracked_at=None,
        last_synced_at="2026-12-04T00:00:00Z",
        spec_name="zuora-netsuite/customer",
        spec_version=1,
    )


def _change_behind_its_back(path: Path, destination_id: str) -> None:
    """Another connection rewrites the row: what a store that keeps its reads does not see."""
    with sqlite3.connect(path) as other:
        other.execute("UPDATE crosswalk SET destination_id = ?", (destination_id,))


def test_a_read_asked_again_is_answered_as_before_until_the_store_writes(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore.open(path) as state:
        state.save_link(_link("A-1", "100"))
        state.keep_reads()
        assert state.link("zuora-netsuite/customer", "A-1").destination_id == "100"
        _change_behind_its_back(path, "200")
        assert state.link("zuora-netsuite/customer", "A-1").destination_id == "100"  # kept
        assert state.link("zuora-netsuite/customer", "A-2") is None

        state.save_link(_link("A-2", "300"))  # a write through the store forgets every read
        assert state.link("zuora-netsuite/customer", "A-1").destination_id == "200"
        assert state.link("zuora-netsuite/customer", "A-2").destination_id == "300"


def test_without_keep_reads_every_read_goes_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore.open(path) as state:
        state.save_link(_link("A-1", "100"))
        assert state.link("zuora-netsuite/customer", "A-1").destination_id == "100"
        _change_behind_its_back(path, "200")
        assert state.link("zuora-netsuite/customer", "A-1").destination_id == "200"
