"""PyYAML's binding of libyaml, imported without compiling the regular expressions PyYAML's
pure-Python modules compile as they load.

Why: the binding (``yaml._yaml``) imports the whole ``yaml`` package, and its modules compile
about twenty regular expressions at import: the pure-Python reader's class of every printable
character, the resolver's YAML 1.1 scalars, the constructor's timestamp. Ferry reads only
libyaml's events (``engine.load.fastparse``), which use none of them, and compiling them was 68
M of the 98 M instructions of importing the binding: about 7 % of ``ferry plan`` of the shipped
folder after one mapping changed, where the changed file's parse is the first in the process.

So while the binding is imported, a pattern that a module of the ``yaml`` package compiles in
the importing thread is a stand-in (``PatternOnUse``) that compiles it when it is first used:
PyYAML's pure-Python loader, if anything in the process uses it, reads as it always does
(``tests/spec/test_libyaml_binding.py``). Every other call of ``re.compile`` (another module's,
another thread's) gets a compiled pattern as always, and ``re.compile`` is the standard library's
own again once the import is over.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_PACKAGE = "yaml"
_import_lock = threading.Lock()


class PatternOnUse:
    """Stands for ``re.compile(source, flags)`` until an attribute of the pattern is asked for
    (``match``, ``search``, ``pattern``...): then compiles it, once, and answers from it. PyYAML
    uses its patterns only through their methods, never as an argument of ``re``'s functions."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:  # two threads may both compile it: the same pattern either way
            compiled = self._compiled = re.compile(self._source, self._flags)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"PatternOnUse({self._source!r}, {self._flags!r})"


def import_binding() -> tuple[Any, type[Exception]] | None:
    """libyaml's parser class (``yaml._yaml.CParser``) and PyYAML's error class; None when PyYAML
    or its C extension is not installed."""
    try:
        with _import_lock:
            if f"{_PACKAGE}._yaml" in sys.modules or _PACKAGE in sys.modules:
                binding = importlib.import_module(f"{_PACKAGE}._yaml")  # nothing left to spare
            else:
                with _patterns_compiled_on_use(_PACKAGE):
                    binding = importlib.import_module(f"{_PACKAGE}._yaml")
        return binding.CParser, importlib.import_module(_PACKAGE).YAMLError
    except ImportError:  # pragma: no cover - only on installs without libyaml
        return None


@contextmanager
def _patterns_compiled_on_use(package: str) -> Iterator[None]:
    """Within the block, ``re.compile`` called by a module of ``package`` in this thread gives a
    ``PatternOnUse``; any other caller, the standard library's compiled pattern."""
    compile_now: Callable[..., Any] = re.compile
    thread = threading.get_ident()

    def compile_for(source: Any, flags: int = 0) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if (
            threading.get_ident() == thread
            and isinstance(source, str | bytes)
            and (caller == package or caller.startswith(package + "."))
        ):
            return PatternOnUse(source, flags)
        return compile_now(source, flags)

    re.compile = compile_for  # type: ignore[assignment]
    try:
        yield
    finally:
        if re.compile is compile_for:
            re.compile = compile_now


__all__ = ["PatternOnUse", "import_binding"]
