"""The setting matrix both snapshot suites are built on: one case per (shipped mapping, setting,
value), grouped by (mapping, setting) so each group can be checked to render differently per
value; a value that renders like another would give a snapshot that cannot see it ignored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.compile.plan import Mode


@dataclass(frozen=True)
class Case:
    """One shipped mapping rendered with one setting changed on the shipped settings."""

    spec: str
    setting: str
    value: Any
    modes: tuple[Mode, ...] = ("create",)
    also: tuple[tuple[str, Any], ...] = ()  # other settings this case needs to show the change

    @property
    def id(self) -> str:
        shown = "null" if self.value is None else self.value
        return f"{Path(self.spec).stem}-{self.setting}={shown}"

    @property
    def settings(self) -> dict[str, Any]:
        return {**dict(self.also), self.setting: self.value}


def by_setting(cases: Iterable[Case]) -> dict[tuple[str, str], list[Case]]:
    """The cases of each (mapping, setting), in the order given."""
    groups: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        groups.setdefault((case.spec, case.setting), []).append(case)
    return groups


def group_ids(groups: dict[tuple[str, str], list[Case]]) -> list[str]:
    return [f"{Path(spec).stem}-{setting}" for spec, setting in groups]


def assert_each_renders_differently(group: Sequence[Case], outputs: Sequence[Any]) -> None:
    for i, first in enumerate(outputs):
        for j in range(i + 1, len(outputs)):
            assert first != outputs[j], f"{group[i].id} renders the same as {group[j].id}"
