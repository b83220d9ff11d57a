"""One JSON-path form everywhere: ``$.requires[0].mapping[1]``, indexes in brackets, never
``$.requires.0.mapping.1``."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

SHIPPED = ROOT / "mappings" / "zuora-netsuite"
DOTTED_INDEX = re.compile(r"\.\d")


def test_a_missing_requirement_is_located_with_bracketed_indexes(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    for name in ("invoice.yaml", "settings.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)

    result = ferry("validate", "--format", "json", tmp_path)

    assert result.code == 1
    problems = result.json()["problems"]
    paths = {p["json_path"] for p in problems if p["code"] == "meaning.requires"}
    assert {"$.requires[0].mapping[0]", "$.lines.requires[0].mapping[1]"} <= paths
    assert not [p["json_path"] for p in problems if DOTTED_INDEX.search(p["json_path"])]
