"""Meaning-level diff of spec versions, and of the payloads they render (``ferry diff``).

    report = diff_paths(Path("old/"), Path("new/"), fixtures=Path("tests/fixtures"))
    report = diff_revision("main", [Path("mappings")])
    print(render(report, "markdown"))

Modules, one job each: ``model`` (what is reported), ``loading`` (the two sides), ``git``
(``--rev``), ``compare`` (both ways in, one report out), ``specs`` (matching and the version
check), ``mapping`` / ``fields`` / ``guards`` / ``settings_changes`` / ``comments`` (the
comparison rules), ``residual`` (keys without a rule), ``normal`` (normal forms), ``payloads``
(fixture impact), ``show`` / ``render`` / ``markdown`` (text, json, markdown).
"""

from __future__ import annotations

from engine.diff.compare import diff_paths, diff_revision
from engine.diff.model import (
    ABSENT,
    Category,
    Change,
    FieldDelta,
    FixtureImpact,
    RecordImpact,
    Report,
    Severity,
    SpecDiff,
    VersionProblem,
)
from engine.diff.render import FORMATS, render

__all__ = [
    "ABSENT",
    "FORMATS",
    "Category",
    "Change",
    "FieldDelta",
    "FixtureImpact",
    "RecordImpact",
    "Report",
    "Severity",
    "SpecDiff",
    "VersionProblem",
    "diff_paths",
    "diff_revision",
    "render",
]
