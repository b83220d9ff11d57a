"""``ferry render``: what a mapping produces for given records, without touching any endpoint.

The loader, compiler and renderer are imported by the handler, after the arguments are parsed:
``--help`` and a mistyped option answer without them.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from engine import jsonio
from engine.cli.common import EXIT_INVALID, EXIT_OK, Command, add_settings


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
    from engine import load_mapping
    from engine.check.pathhints import PathUsage
    from engine.check.specfile import load_document
    from engine.compile.preview import render_one, render_stream
    from engine.load.records import read_records
    from engine.transforms import InMemorySequenceStore

    plan = load_mapping(args.spec, args.settings, sequences=InMemorySequenceStore())
    doc = load_document(args.spec, kind="Mapping")
    usage = PathUsage(doc.mapping, doc.source)
    records = usage.watch(read_records(args.input))
    results: Iterator[dict[str, Any]]
    if args.explain:
        results = (render_one(plan, record, args.mode, True) for record in records)
    else:
        results = render_stream(plan, records, args.mode)
    failed = _write(results, out, args.pretty)
    for warning in usage.warnings():
        err.write(warning.render() + "\n")
    if failed:
        err.write(f"{failed} record(s) failed to render\n")
    return EXIT_INVALID if failed else EXIT_OK


def _write(results: Iterator[dict[str, Any]], out: TextIO, pretty: bool) -> int:
    """One JSON object per line, in batches; bytes straight to the stream's buffer when it has
    one (a terminal or a pipe), so the JSON is never decoded only to be encoded again.
    Returns how many results are errors."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
    failed, batch = 0, []
    encode = jsonio.encoder(pretty=pretty)
    try:
        for result in results:
            if result["action"] == "error":
                failed += 1
            batch.append(encode(result))
            if len(batch) == _BATCH:
                _flush(batch, out, buffer)
    finally:  # what was rendered before an unreadable line is still written
        _flush(batch, out, buffer)
    return failed


_BATCH = 1000


def _flush(batch: list[bytes], out: TextIO, buffer: Any) -> None:
    if not batch:
        return
    data = b"\n".join(batch) + b"\n"
    batch.clear()
    if buffer is not None:
        buffer.write(data)
    else:
        out.write(data.decode())


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
