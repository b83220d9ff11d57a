"""``ferry transforms``: list the transforms a spec can use, with their docs and examples."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine import jsonio
from engine.cli.common import EXIT_OK, Command, add_format
from engine.errors import UsageError
from engine.schema import did_you_mean
from engine.transforms import default_registry
from engine.transforms.docs import render_markdown


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="show one transform in full")
    add_format(parser, ("text", "markdown", "json"), "text (default), markdown or json")


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    registry = default_registry()
    if args.format == "markdown":
        out.write(render_markdown(registry))
        return EXIT_OK
    chosen = list(registry)
    if args.name:
        if args.name not in registry:
            raise UsageError(
                f"no transform named {args.name!r}{did_you_mean(args.name, registry.names())}"
            )
        chosen = [registry.get(args.name)]
    if args.format == "json":
        items = [
            {
                "name": t.name,
                "summary": t.summary,
                "doc": t.doc,
                "params": t.params_schema,
                "accepts_missing": t.accepts_missing,
                "examples": [
                    {
                        "params": e.params,
                        "input": e.input,
                        "output": e.output,
                        "error": e.error,
                        "note": e.note,
                    }
                    for e in t.examples
                ],
            }
            for t in chosen
        ]
        out.write(jsonio.dumps_str(items, pretty=True, default_repr=True) + "\n")
        return EXIT_OK
    for t in chosen:
        out.write(f"{t.name:22} {t.summary}\n")
        if args.name:
            out.write(f"\n{t.doc}\n\nparameters:\n")
            for key, prop in t.params_schema.get("properties", {}).items():
                out.write(f"  {key}: {prop.get('description', '')}\n")
            for example in t.examples:
                shown = (example.error and f"error: {example.error}") or repr(example.output)
                out.write(
                    f"\n  {example.params or '(no parameters)'}: {example.input!r} -> {shown}"
                )
            out.write("\n")
    return EXIT_OK


COMMAND = Command(
    name="transforms",
    help="List the transforms specs can use (name, summary; one in full with its examples).",
    example=(
        "ferry transforms\nferry transforms split_before_space\nferry transforms --format markdown"
    ),
    arguments=_arguments,
    handler=_handle,
)
