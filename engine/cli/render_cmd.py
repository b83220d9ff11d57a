"""``ferry render``: what a mapping produces for given records, without touching any endpoint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from engine import jsonio, load_mapping
from engine.cli.common import EXIT_INVALID, EXIT_OK, Command, add_settings
from engine.pathhints import PathUsage
from engine.preview import render_one
from engine.records import read_records
from engine.specfile import load_document
from engine.transforms import InMemorySequenceStore


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="a Mapping spec file")
    parser.add_argument(
        "--input",
        "-i",
        type=Path,
        required=True,
        metavar="RECORDS",
        help="records: .json (object or array), .jsonl/.ndjson, or .yaml",
    )
    add_settings(parser, "a Settings file (default: the spec's own `settings:`)")
    parser.add_argument(
        "--mode",
        choices=("create", "update"),
        default="create",
        help="render the payload of a create (default) or of an update",
    )
    parser.add_argument(
        "--explain", action="store_true", help="add, per field, where its value came from"
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON output")


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Offline: sequence-numbered fields show numbers from the sequence's start, taken from a
    # store that vanishes with the command (a sync's numbers live in its state file).
    plan = load_mapping(args.spec, args.settings, sequences=InMemorySequenceStore())
    doc = load_document(args.spec, kind="Mapping")
    usage = PathUsage(doc.data, doc.source)
    failed = 0
    for record in read_records(args.input):
        usage.see(record)
        result = render_one(plan, record, args.mode, args.explain)
        failed += result["action"] == "error"
        out.write(jsonio.dumps_str(result, pretty=args.pretty) + "\n")
    for warning in usage.warnings():
        err.write(warning.render() + "\n")
    if failed:
        err.write(f"{failed} record(s) failed to render\n")
    return EXIT_INVALID if failed else EXIT_OK


COMMAND = Command(
    name="render",
    help="Render records through a mapping (no endpoint is called); one JSON object per record.",
    example=(
        "ferry render mappings/zuora-netsuite/customer.yaml --input accounts.jsonl\n"
        "ferry render mappings/zuora-netsuite/customer.yaml -i account.json --explain --pretty"
    ),
    arguments=_arguments,
    handler=_handle,
)
