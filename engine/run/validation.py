"""Everything ``ferry validate`` checks: the specs, then each Connections file against its drivers.

Why in the run stage: a Connections file's options are checked against each driver's own
options schema, and only the run stage knows the drivers; the specs' checks below it
(``engine.compile.deepcheck``) never import them. The drivers' checks are imported only when a
Connections file is among the documents: validating a mapping needs none of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.check.specfile import Document
from engine.compile.deepcheck import validate_specs
from engine.errors import Problem


def validate_paths(
    paths: Iterable[Path], *, catalogs: Path | None = None
) -> tuple[list[Document], list[Problem]]:
    """Validate files and folders; return the valid documents and all problems, best first.

    A Connections file with driver problems is not valid, as a spec with meaning problems is
    not (``engine.check.specfile``)."""
    docs, problems = validate_specs(paths, catalogs=catalogs)
    if not any(doc.kind == "Connections" for doc in docs):
        return docs, problems
    from engine.run.connections import document_problems

    valid: list[Document] = []
    for doc in docs:
        found = document_problems(doc)
        problems += found
        if not found:
            valid.append(doc)
    return valid, sorted(problems, key=lambda p: (p.rank, p.location))
