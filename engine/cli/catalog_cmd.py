"""``ferry catalog``: pull a tenant's object catalogs into the project; show an object's fields.

The catalogs, the spec checks and the drivers are imported by the handlers, after the arguments
are parsed: ``ferry catalog --help`` needs none of them. ``PROJECT_FOLDER`` is the catalog
store's own (a test keeps them equal), written here for the help text.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine import jsonio
from engine.cli.common import EXIT_OK, Command, add_format
from engine.errors import UsageError
from engine.suggest import did_you_mean

if TYPE_CHECKING:
    from engine.check.catalog import Catalog, CatalogField, Catalogs

PROJECT_FOLDER = "catalogs"
"""``engine.check.catalog.store.PROJECT_FOLDER``: a project's pulled catalogs."""


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    pulling = actions.add_parser(
        "pull", help="read each tenant's object metadata through the drivers; write catalogs"
    )
    pulling.add_argument(
        "--connections", type=Path, required=True, metavar="FILE", help="a Connections file"
    )
    pulling.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"the project's catalog folder (default: {PROJECT_FOLDER}/ beside the "
        "connections file)",
    )
    pulling.add_argument(
        "objects",
        nargs="*",
        metavar="OBJECT",
        help="[endpoint:]object to pull (default: every object with a shipped catalog)",
    )
    showing = actions.add_parser("show", help="list an object's fields")
    showing.add_argument("object", metavar="OBJECT", help="[endpoint:]object, e.g. zuora:account")
    showing.add_argument(
        "--catalogs",
        type=Path,
        metavar="DIR",
        help="the project's catalog folder (default: ./catalogs, then the shipped catalogs)",
    )
    add_format(showing, ("text", "json"), "text for people (default), json for tools")


def _pull(args: argparse.Namespace, out: TextIO) -> int:
    from engine.check.catalog.pull import pull
    from engine.check.specfile import load_document
    from engine.model.nodes import Connections
    from engine.run.sync.connect import close_endpoints, open_endpoints

    doc = load_document(args.connections, kind="Connections")
    model = doc.model
    assert isinstance(model, Connections)
    kinds = {name: e.driver for name, e in model.endpoints.items()}
    target = args.out or args.connections.parent / PROJECT_FOLDER
    drivers = open_endpoints(args.connections)
    try:
        written = pull(drivers, kinds, args.objects, target)
    finally:
        close_endpoints(drivers)
    for item in written:
        extra = f" (+ {', '.join(item.added)})" if item.added else ""
        out.write(f"wrote {item.path}{extra}\n")
    return EXIT_OK


def _find(name: str, catalogs: Catalogs) -> Catalog:
    endpoint, _, obj = name.rpartition(":")
    endpoints = [endpoint] if endpoint else sorted(catalogs.endpoints())
    found = [c for e in endpoints if (c := catalogs.get(e, obj)) is not None]
    if len(found) == 1:
        return found[0]
    known = [f"{e}:{o}" for e in sorted(catalogs.endpoints()) for o in catalogs.objects(e)]
    if found:
        raise UsageError(
            f"'{name}' is ambiguous; name the endpoint: "
            + ", ".join(f"{c.endpoint}:{c.object}" for c in found)
        )
    raise UsageError(
        f"no catalog for '{name}'{did_you_mean(name, known)} (catalogs: {', '.join(known)})"
    )


def _flags(field: CatalogField) -> str:
    if not field.writable:
        return "read-only"
    parts = ["required"] if field.required else []
    if not field.creatable:
        parts.append("update only")
    elif not field.updatable:
        parts.append("create only")
    return ", ".join(parts)


def _rows(fields: dict[str, CatalogField] | object, depth: int = 0) -> list[list[str]]:
    rows: list[list[str]] = []
    for field in getattr(fields, "values", lambda: [])():
        kind = field.type + (f" ({field.format})" if field.format else "")
        if field.max_length is not None:
            kind += f" ≤{field.max_length}"
        notes = [n for n in (_flags(field), "custom" if field.custom else "") if n]
        if field.enum:
            notes.append("one of " + ", ".join(field.enum))
        if field.references:
            notes.append("→ " + ", ".join(field.references))
        rows.append(["  " * depth + field.name, kind, "; ".join(notes)])
        rows += _rows(field.fields, depth + 1)
    return rows


def _show(args: argparse.Namespace, out: TextIO) -> int:
    from engine.check.catalog import Catalogs
    from engine.check.catalog.model import DISPLAY
    from engine.check.catalog.store import SHIPPED_DIR

    own = args.catalogs or (Path.cwd() / PROJECT_FOLDER)
    catalogs = Catalogs(((own,) if own.is_dir() else ()) + (SHIPPED_DIR,))
    catalog = _find(args.object, catalogs)
    if args.format == "json":
        out.write(jsonio.dumps_str(catalog.as_json(), pretty=True) + "\n")
        return EXIT_OK
    origin = "pulled from the tenant" if catalog.origin == "pulled" else "shipped with Ferry"
    out.write(
        f"{DISPLAY.get(catalog.endpoint, catalog.endpoint)} {catalog.object} "
        f"({catalog.api_name}; {origin}: {catalog.path})\n"
    )
    rows = _rows(catalog.fields)
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for name, kind, notes in rows:
        out.write(f"  {name:<{widths[0]}}  {kind:<{widths[1]}}  {notes}".rstrip() + "\n")
    return EXIT_OK


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _pull(args, out) if args.action == "pull" else _show(args, out)


COMMAND = Command(
    name="catalog",
    help="Object catalogs: pull a tenant's fields into the project, or show an object's fields.",
    example=(
        "ferry catalog pull --connections connections.yaml\n"
        "ferry catalog pull --connections connections.yaml zuora:account netsuite:customer\n"
        "ferry catalog show zuora:account"
    ),
    arguments=_arguments,
    handler=_handle,
)
