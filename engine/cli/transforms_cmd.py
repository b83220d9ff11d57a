"""``ferry transforms``: list the transforms a spec can use, with their docs and examples."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any, TextIO

from engine import jsonio
from engine.cli.common import EXIT_OK, Command, add_format
from engine.errors import UsageError
from engine.load.yamltext import dump_yaml
from engine.suggest import did_you_mean
from engine.transforms import default_registry
from engine.transforms.core import MISSING, OMIT, Example
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
            if t.examples:
                out.write("\nexamples (transforms: items as a spec holds them):\n")
            for example in t.examples:
                out.write(f"  {example_line(t.name, example)}\n")
    return EXIT_OK


def example_line(name: str, example: Example) -> str:
    """One example as the ``transforms:`` item a spec holds, its input and output (in YAML too)
    in a comment: ``- truncate: {length: 8}    # Acme Corporation -> Acme Cor``."""
    item = dump_yaml([{name: dict(example.params)} if example.params else name], flow=True)
    result = f"error: {example.error}" if example.error else _shown(example.output)
    context = "".join(f", with {k} {_shown(v)}" for k, v in example.context.items())
    note = f" ({example.note})" if example.note else ""
    return f"- {item[1:-1]}    # {_shown(example.input)} -> {result}{context}{note}"


def _shown(value: Any) -> str:
    """A value as YAML; the markers for "no value" and "left out of the payload" in words."""
    if value is MISSING:
        return "(no value)"
    if value is OMIT:
        return "(not sent)"
    if isinstance(value, Decimal):  # an exact amount: its digits, as the payload carries them
        return str(value)
    return dump_yaml(value, flow=True)


COMMAND = Command(
    name="transforms",
    help="List the transforms specs can use (name, summary; one in full with its examples).",
    example=(
        "ferry transforms\nferry transforms split_before_space\nferry transforms --format markdown"
    ),
    arguments=_arguments,
    handler=_handle,
)
