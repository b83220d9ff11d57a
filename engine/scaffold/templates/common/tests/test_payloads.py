"""What this project's mappings send: one snapshot per fixture file.

Each file `fixtures/<folder>/<name>.yaml` holds source records for the mapping
`mappings/<folder>/<name>.yaml`; the test renders them offline and compares the results (payloads,
skips and errors) with the snapshot committed under `tests/__snapshots__/`. Add a fixture file to
cover another mapping. After an intended change, run `pytest --snapshot-update`, review the
snapshot diff, and commit it with the spec.
"""

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.pytest_plugin import RenderFunction

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures").rglob("*.yaml"))


def _name(fixture: Path) -> str:
    return fixture.relative_to(ROOT / "fixtures").with_suffix("").as_posix().replace("/", ".")


@pytest.mark.parametrize("fixture", FIXTURES, ids=_name)
def test_payloads(
    fixture: Path, ferry_render: RenderFunction, snapshot_json: SnapshotAssertion
) -> None:
    spec = Path("mappings") / fixture.relative_to(ROOT / "fixtures")
    assert ferry_render(spec, fixture) == snapshot_json
