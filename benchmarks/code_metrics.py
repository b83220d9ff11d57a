"""Size of the code, as issue 11 measures it: module count, the largest modules, and the
median and 90th-percentile function length (lines, decorators excluded), from ``ast``.

    python benchmarks/code_metrics.py [ROOT]       # ROOT defaults to this checkout's engine/

Why a script: "easy to change" is argued with numbers before and after a refactor; reading them
the same way each time makes the comparison honest. Emulators are counted apart, as the issue
does (they are a tool around the engine, not a stage of it).
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "engine"


def _lengths(tree: ast.AST) -> list[int]:
    return [
        (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def measure(root: Path) -> dict[str, object]:
    """The numbers for the package at ``root``."""
    modules = sorted(p for p in root.rglob("*.py") if "_mappings" not in p.parts)
    sizes: dict[str, int] = {}
    lengths: list[int] = []
    emulator_lines = 0
    for path in modules:
        text = path.read_text()
        rel = path.relative_to(root.parent).as_posix()
        sizes[rel] = text.count("\n")
        if "emulators" in path.parts:
            emulator_lines += sizes[rel]
            continue
        lengths += _lengths(ast.parse(text))
    ordered = sorted(lengths)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    return {
        "modules": len(modules),
        "modules_outside_emulators": sum("emulators" not in m.parts for m in modules),
        "lines": sum(sizes.values()),
        "emulator_lines": emulator_lines,
        "over_600": [name for name, size in sizes.items() if size > 600],
        "largest": largest,
        "functions": len(ordered),
        "median_function_lines": statistics.median(ordered) if ordered else 0,
        "p90_function_lines": ordered[int(0.9 * (len(ordered) - 1))] if ordered else 0,
    }


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else ROOT
    for key, value in measure(root).items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
