"""The generated code's compiled code objects, kept between processes (``engine.diskcache``).

Why: compiling the generated source (``engine.compile.codegen``) is about 5 % of ``ferry
plan``'s start-up on the shipped folder (reading it back, an eighth of that), and the source
comes out the same every time its spec and settings do. Like Python's ``__pycache__`` (or
Jinja's bytecode cache), each code object is written once and read back by the next process.

An entry is named by a hash of everything the code object depends on: the source text, the
file name it reports, the interpreter (``engine.diskcache.key`` adds its cache tag; the magic
number is added here and checked in every entry's header), the compile flags and the
optimisation level. The source names the spec's file as it was given: the same spec given by
another path has entries of its own. The disk cache's rules hold (where, trust, damage,
bounds); this kind keeps ``MAX_ENTRIES`` entries, fewer than the others: a mapping's code is
5-40 kB marshalled.
"""

from __future__ import annotations

import sys
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Final

from engine import diskcache

MAX_ENTRIES = 512  # some 10 MB at most
KIND = "code"
_FLAGS: Final = 0  # compiled without inheriting this module's __future__ flags


def compiled(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, read from the cache when an earlier process
    compiled the same source (and written there when not)."""
    entry = diskcache.key(
        MAGIC_NUMBER, f"flags={_FLAGS} optimize={sys.flags.optimize}", filename, source
    )
    code = diskcache.load(KIND, entry)
    if isinstance(code, CodeType) and code.co_filename == filename:
        return code
    code = compile(source, filename, "exec", flags=_FLAGS, dont_inherit=True)
    diskcache.store(KIND, entry, code, limit=MAX_ENTRIES)
    return code


__all__ = ["KIND", "MAX_ENTRIES", "compiled"]
