"""One field's transforms fused into a single callable, for plugins and tests that run a list.

The step rules are ``engine.transforms.semantics``' (written there once, for every tier): ``None``
is no value (``MISSING``); a step that does not accept ``MISSING`` is skipped while there is no
value; ``OMIT`` ends the pipeline. The result is ``MISSING``, ``OMIT`` or a value; the renderer
decides what ``MISSING`` means (the field's missing-value policy).

Why generated code: a loop over steps pays for the iteration, tuple unpacking and flag tests on
every record. Like ``dataclasses`` builds ``__init__``, the pipeline is written out as straight-
line Python source once per field and compiled; the source is built from a fixed template and
step indexes only, never from spec text. In a quick measurement on 3 steps it was ~15% faster
than a tuple loop, ~35% faster than nested closures, and as fast as calling the steps by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from engine.errors import FerryError, TransformError
from engine.transforms.core import MISSING, OMIT, Fn
from engine.transforms.semantics import FROM_SOURCE, SENTINEL, normalized, step_lines


class Step(NamedTuple):
    """One bound transform: its callable, whether it takes MISSING, and its name for messages."""

    fn: Fn
    accepts_missing: bool = False
    name: str = ""


def compose(steps: Iterable[Step | tuple[Fn, bool] | tuple[Fn, bool, str]]) -> Fn:
    """Fuse steps into one ``value -> value`` callable with the module's MISSING/OMIT rules.

    A step is a ``Step`` or a plain ``(fn, accepts_missing[, name])`` tuple.

    ``TransformError``s pass through with a note naming the step; any other exception (a bug in
    a plugin's callable) becomes a ``TransformError`` naming the transform, the original kept as
    ``__cause__``, so only Ferry's own exceptions leave a pipeline.
    """
    bound = [Step(*s) for s in steps]
    if not bound:
        return _no_steps
    names = tuple(s.name or getattr(s.fn, "__name__", f"step {i}") for i, s in enumerate(bound))
    namespace: dict[str, Any] = {
        "MISSING": MISSING,
        "OMIT": OMIT,
        "FerryError": FerryError,
        "TransformError": TransformError,
        "_note": _noter(names),
        "_wrap": _wrapper(names),
    }
    lines = ["def pipeline(v):", f"    {SENTINEL.normalize}", "    i = 0", "    try:"]
    possible = FROM_SOURCE
    for i, step in enumerate(bound):
        namespace[f"f{i}"] = step.fn
        run, possible = step_lines(SENTINEL, step.accepts_missing, possible, f"f{i}({{}})".format)
        lines += [f"        i = {i}", *(f"        {line}" for line in run)]
    lines += [
        "    except FerryError as exc:",
        "        _note(i, exc)",
        "        raise",
        "    except Exception as exc:",
        "        raise _wrap(i, exc) from exc",
        "    return v",
    ]
    code = compile("\n".join(lines), f"<ferry pipeline {' | '.join(names)}>", "exec")
    exec(code, namespace)
    fused: Fn = namespace["pipeline"]
    return fused


def _noter(names: tuple[str, ...]) -> Any:
    def note(index: int, exc: FerryError) -> None:
        exc.add_note(f"in transform '{names[index]}'")

    return note


def _wrapper(names: tuple[str, ...]) -> Any:
    def wrap(index: int, exc: Exception) -> TransformError:
        return TransformError(f"transform '{names[index]}' failed: {type(exc).__name__}: {exc}")

    return wrap


def _no_steps(value: Any) -> Any:
    return normalized(value)
