"""Ferry's pytest plugin (entry point ``pytest11``): fixtures for snapshotting mappings."""

from __future__ import annotations
