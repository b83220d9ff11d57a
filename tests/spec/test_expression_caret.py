"""The caret under a bad JMESPath expression points at the offending character, as printed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

SPEC = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: caret, version: 1}
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity:
  match: [{from: id, to: externalId}]
fields:
  - to: companyName
    from: "name || ]"
"""


def test_the_caret_sits_under_the_bad_token(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)

    result = ferry("validate", spec)

    assert result.code == 1
    lines = result.err.splitlines() + result.out.splitlines()
    shown = next(i for i, line in enumerate(lines) if line.endswith("name || ]"))
    caret = lines[shown + 1]
    assert caret.strip() == "^"
    assert caret.index("^") == lines[shown].index("]")
