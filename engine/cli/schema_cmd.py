"""``ferry schema``: print a kind's JSON Schema, or the Markdown reference generated from all."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine import jsonio
from engine.cli.common import EXIT_OK, Command
from engine.load.schema import API_VERSIONS, schema_for, transforms_schema
from engine.schemadoc import render_reference

KINDS = {k.lower(): k for k in API_VERSIONS["ferry/v1"]} | {"transforms": "transforms"}


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind",
        nargs="?",
        default="mapping",
        choices=sorted(KINDS),
        help="which schema (default: mapping)",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the Markdown reference of every kind instead"
    )
    parser.add_argument(
        "--builtins",
        action="store_true",
        help="transforms: only Ferry's own, without installed plugins "
        "(what schemas/transforms.v1.json holds for editors)",
    )


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.markdown:
        out.write(render_reference())
        return EXIT_OK
    kind = KINDS[args.kind]
    if kind == "transforms":
        schema = transforms_schema(plugins=not args.builtins)
    else:
        schema = schema_for("ferry/v1", kind)
    out.write(jsonio.dumps_str(schema, pretty=True) + "\n")
    return EXIT_OK


COMMAND = Command(
    name="schema",
    help="Print the JSON Schema of a spec kind, or the generated Markdown reference.",
    example=(
        "ferry schema mapping\nferry schema --markdown > docs/spec-reference.md\n"
        "ferry schema transforms --builtins > schemas/transforms.v1.json"
    ),
    arguments=_arguments,
    handler=_handle,
)
