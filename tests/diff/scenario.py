"""The worked example of ``docs/reviewing-changes.md``, built for real in a temporary folder.

A consultant's repository holding the shipped customer mapping, its settings and the fixture
records, committed on ``main``; then the change a pull request for a Japan launch makes to the
mapping: a JPY currency, e-mail case kept, the phone field dropped, the customer type written on
updates too, Sync to NetSuite required to be Yes, a comment — and ``metadata.version`` forgotten.
The snapshot tests and the documentation test use this one scenario, so the example in the docs
is always what ``ferry diff`` prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SPEC = "mappings/zuora-netsuite/customer.yaml"
FIXTURES = "tests/fixtures/zuora-netsuite"
COMMAND = ("diff", "--rev", "main", SPEC, "--fixtures", FIXTURES)

EDITS = (
    ('    EUR: {id: "4"}\n', '    EUR: {id: "4"}\n    JPY: {id: "6"}\n'),
    (
        "  - to: email\n    from: billTo.workEmail\n    transforms: [trim, lower]\n",
        "  # Keep the case people typed: NetSuite matches e-mail addresses case-insensitively.\n"
        "  - to: email\n    from: billTo.workEmail\n    transforms: [trim]\n",
    ),
    ("  - to: phone\n    from: billTo.workPhone\n", ""),
    ("    write: create\n  - to: companyName\n", "    write: always\n  - to: companyName\n"),
    ("\"record.SynctoNetSuite__NS != 'No'\"", "\"record.SynctoNetSuite__NS == 'Yes'\""),
)

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Consultant",
    "GIT_AUTHOR_EMAIL": "consultant@example.com",
    "GIT_COMMITTER_NAME": "Consultant",
    "GIT_COMMITTER_EMAIL": "consultant@example.com",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``, isolated from the machine's git configuration."""
    done = subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout


def edit(path: Path, edits: tuple[tuple[str, str], ...]) -> None:
    """Apply text replacements, each of which must apply exactly once."""
    text = path.read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"{path}: {old!r} found {text.count(old)} times"
        text = text.replace(old, new)
    path.write_text(text)


def consultant_repo(root: Path) -> Path:
    """The repository at ``root``, ``main`` committed and the pull request's edits applied."""
    specs = root / "mappings" / "zuora-netsuite"
    specs.mkdir(parents=True)
    for name in ("customer.yaml", "settings.yaml"):
        shutil.copy(ROOT / "mappings" / "zuora-netsuite" / name, specs / name)
    shutil.copytree(ROOT / FIXTURES, root / FIXTURES)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "Customer mapping as shipped")
    edit(root / SPEC, EDITS)
    return root
