"""The emulators are an install extra: without starlette and uvicorn, every other command works
and imports neither, and ``ferry emulate`` and the demo say which extra to install (exit 2).

Each test runs a child Python whose import system refuses starlette and uvicorn, as an install
without ``ferry-engine[emulators]`` would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BLOCK = """
import importlib.abc, sys
class _NoExtra(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("starlette", "uvicorn"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoExtra())
"""

IMPORT_ALL = """
import importlib, pathlib, sys
from engine.cli import main
root = pathlib.Path("engine")
names = sorted(
    ".".join(p.with_suffix("").parts).removesuffix(".__init__")
    for p in root.rglob("*.py")
    if "emulators" not in p.parts and "_mappings" not in p.parts and p.name != "demo.py"
)
for name in names:
    importlib.import_module(name)
code = main(["validate", "mappings/zuora-netsuite/customer.yaml"])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("starlette", "uvicorn"))
print(len(names), code, loaded)
"""


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )


def test_every_engine_module_but_the_emulators_imports_without_the_extra(
    tmp_path: Path,
) -> None:
    run = _python(IMPORT_ALL, tmp_path)

    assert run.returncode == 0, run.stderr
    count, code, loaded = run.stdout.split(maxsplit=2)
    assert int(count) > 50
    assert code == "0"
    assert loaded.strip() == "[]"


def test_emulate_without_the_extra_names_it(tmp_path: Path) -> None:
    run = _python("from engine.cli import main; sys.exit(main(['emulate', 'zuora']))", tmp_path)

    assert run.returncode == 2
    assert "pip install 'ferry-engine[emulators]'" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_demo_without_the_extra_names_it(tmp_path: Path) -> None:
    run = _python("import runpy; runpy.run_module('engine.demo', run_name='__main__')", tmp_path)

    assert run.returncode == 2
    assert "pip install 'ferry-engine[emulators]'" in run.stderr
    assert "Traceback" not in run.stderr
