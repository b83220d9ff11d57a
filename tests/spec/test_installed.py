"""Ferry installed from its wheel, not from the source tree: the schemas, the shipped mappings
and ``ferry init``'s templates travel with it, and a client project works on day one."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
        reason="building Ferry's wheel offline needs setuptools and wheel in this environment",
    ),
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ferry's wheel, built once from a copy of the tree that is then deleted: nothing may be
    read from the tree it was built from."""
    work = tmp_path_factory.mktemp("wheel")
    source, dist = work / "src", work / "dist"
    anywhere = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__")

    def ignore(folder: str, names: list[str]) -> set[str]:
        at_root = {"tests", "docs", ".demo"} if Path(folder) == ROOT else set()
        return set(anywhere(folder, names)) | (at_root & set(names))

    shutil.copytree(ROOT, source, symlinks=True, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index"]
    command += ["--no-build-isolation", "--wheel-dir", str(dist), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    shutil.rmtree(source)
    [built] = dist.glob("ferry_engine-*.whl")
    return built


def test_a_wheel_install_validates_specs_outside_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    site, work = tmp_path / "site", tmp_path / "work"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    command += ["--target", str(site), str(wheel)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
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


def test_a_client_project_works_on_day_one(wheel: Path, tmp_path: Path) -> None:
    """A fresh venv, the wheel installed with its dependencies (from the package index or the
    local wheel cache), then what a consultant does first: ``ferry init``, ``ferry validate``,
    ``pytest``."""
    venv = tmp_path / "venv"
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)

    def run(*argv: str | Path, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )

    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    installed = run(
        bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, "pytest", "syrupy"
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = run(bin_dir / "python", "-c", "import engine; print(engine.__file__)")
    assert where.stdout.startswith(str(venv)), where.stdout

    init = run(bin_dir / "ferry", "init", "client", "--from", "zuora-netsuite")
    client = tmp_path / "client"
    validate = run(bin_dir / "ferry", "validate", "mappings/", cwd=client)
    tests = run(bin_dir / "python", "-m", "pytest", "-p", "no:cacheprovider", cwd=client)

    assert init.returncode == 0, init.stdout + init.stderr
    assert "first snapshots recorded: 1 snapshot generated." in init.stdout
    assert validate.returncode == 0, validate.stdout + validate.stderr
    specs = len(list((ROOT / "mappings" / "zuora-netsuite").glob("*.yaml")))
    assert f"{specs} file(s) valid" in validate.stderr
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout and "1 snapshot passed" in tests.stdout
    assert "ferry-engine" in tests.stdout  # the plugin is registered by the new distribution
    catalogs = ROOT / "schemas" / "catalogs"  # shipped through engine/_schemas when present
    for catalog in sorted(catalogs.rglob("*.json")) if catalogs.is_dir() else []:
        relative = catalog.relative_to(catalogs)
        assert (client / "catalogs" / relative).read_bytes() == catalog.read_bytes(), relative
