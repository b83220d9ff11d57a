"""``ferry render``: what a mapping produces for given records, without touching any endpoint."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, TextIO

from engine import jsonio, load_mapping
from engine.cli.common import EXIT_INVALID, EXIT_OK, Command
from engine.errors import RenderError
from engine.explain import explain
from engine.plan import Plan
from engine.records import read_records
from engine.runner import offline_context


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
    parser.add_argument(
        "--settings",
        type=Path,
        metavar="FILE",
        help="a Settings file (default: the spec's own `settings:`)",
    )
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


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _explained(plan: Plan, record: dict[str, Any], mode: str) -> dict[str, Any]:
    story = explain(plan, record, mode=mode, context=offline_context(plan, record))  # type: ignore[arg-type]
    return {
        "guards": [_jsonable(g) for g in story.guards],
        "fields": [_jsonable(f) for f in story.fields],
    }


def render_one(plan: Plan, record: dict[str, Any], mode: str, with_explain: bool) -> dict[str, Any]:
    """The output object for one record: key, action, and payload, reason or error."""
    key = plan.key_of(record)
    try:
        outcome = plan.evaluate(record, mode=mode, context=offline_context(plan, record))  # type: ignore[arg-type]
    except RenderError as exc:
        return {"key": key, "action": "error", "error": str(exc)}
    result: dict[str, Any] = {"key": key, "action": outcome.action}
    if outcome.action == "render":
        result["payload"] = outcome.payload
    else:
        result["reason"] = outcome.reason
        result["guard"] = outcome.guard
    if with_explain:
        result["explain"] = _explained(plan, record, mode)
    return result


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    plan = load_mapping(args.spec, args.settings)
    failed = 0
    for record in read_records(args.input):
        result = render_one(plan, record, args.mode, args.explain)
        failed += result["action"] == "error"
        out.write(jsonio.dumps_str(result, pretty=args.pretty) + "\n")
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
