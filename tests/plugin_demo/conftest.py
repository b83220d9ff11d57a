"""Only for this demo's home inside Ferry's own repository: a consultant's repository needs no
conftest. Ferry's suite runs this folder as a separate pytest session (see
``tests/test_pytest_plugin.py``); this keeps Ferry's own session from collecting it as part of
Ferry's tests, where paths would resolve against Ferry's rootdir instead of this one."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    return True if config.rootpath.resolve() != HERE else None
