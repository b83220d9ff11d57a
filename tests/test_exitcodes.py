"""One exit-code table: the README shows it as it is, and commands answer only with its codes."""

from __future__ import annotations

from pathlib import Path

from engine.exitcodes import EXIT_INVALID, EXIT_OK, EXIT_USAGE, TABLE, markdown_table
from tests.conftest import ROOT, run_ferry

VALID = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"


def test_the_readme_shows_the_one_table() -> None:
    assert markdown_table() in (ROOT / "README.md").read_text()


def test_validate_answers_with_codes_from_the_table(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: ferry/v1\nkind: Maping\n")

    codes = [
        run_ferry("validate", VALID).code,
        run_ferry("validate", broken).code,
        run_ferry("validate", tmp_path / "missing.yaml").code,
    ]

    assert codes == [EXIT_OK, EXIT_INVALID, EXIT_USAGE]
    assert all(code in TABLE for code in codes)
