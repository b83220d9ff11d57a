"""Ferry installed from its wheel, not from the source tree: the schemas travel with it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
    reason="building Ferry's wheel offline needs setuptools and wheel in this environment",
)
def test_a_wheel_install_validates_specs_outside_the_source_tree(tmp_path: Path) -> None:
    source, site, work = tmp_path / "src", tmp_path / "site", tmp_path / "work"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".demo", "tests", "docs"
        ),
    )
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    command += ["--no-build-isolation", "--target", str(site), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    shutil.rmtree(source)  # nothing may be read from the tree it was built from
    shutil.copytree(ROOT / "mappings", work / "mappings")
    (work / "broken.yaml").write_text(
        (work / "mappings" / "zuora-netsuite" / "customer.yaml")
        .read_text()
        .replace("  - to: companyName\n", "  - too: companyName\n")
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = "import engine, sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))"

    def ferry(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe, *argv],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import engine; print(engine.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout  # the installed copy, not ours

    valid = ferry("validate", "mappings")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "13 file(s) valid" in valid.stderr

    broken = ferry("validate", "broken.yaml")
    assert broken.returncode == 1
    assert "broken.yaml:" in broken.stdout + broken.stderr
    assert "too" in broken.stdout + broken.stderr

    schema = ferry("schema")
    assert schema.returncode == 0 and '"Mapping"' in schema.stdout
