"""Endpoint drivers: the HTTP clients for Zuora and NetSuite, files, paging and limits.

A regular package (not a namespace one) so tools that read the import graph, such as
import-linter, see it.

Importing httpx imports its command-line client (``httpx._main``) whenever that client's own
dependencies are installed, and rich, click and pygments are (Ferry's progress bar and its
emulators' server need them): about 0.1 s of every ``ferry plan`` and ``ferry sync`` start, for a
``httpx.main`` nothing here calls. So, before any driver imports httpx, that module is marked
as absent (``sys.modules[name] = None`` makes its import fail, and httpx then defines a
``main`` that explains the missing extra); nothing else of httpx changes. When httpx is already
imported, nothing is done.
"""

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
