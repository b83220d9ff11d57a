"""``ferry emulate``: run the Zuora or NetSuite emulator on loopback, in the foreground."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from engine.cli.common import EXIT_OK, Command
from engine.emulators.credentials import (
    SYSTEMS,
    NetSuiteCredentials,
    ZuoraCredentials,
    require_extra,
)
from engine.errors import UsageError


def _arguments(parser: argparse.ArgumentParser) -> None:
    z, n = ZuoraCredentials(), NetSuiteCredentials()
    parser.add_argument("system", choices=SYSTEMS, help="which API to emulate")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--data", type=Path, help="seed data folder (see docs/emulators.md)")
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        help="requests in flight before 429 (NetSuite default 5, Zuora unlimited)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="delay every request this many milliseconds while it holds its slot (default 0)",
    )
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=0.0,
        help="vary each delay uniformly by up to this many milliseconds either way (default 0)",
    )
    zuora = parser.add_argument_group("zuora credentials (test defaults shown)")
    zuora.add_argument("--client-id", default=z.client_id)
    zuora.add_argument("--client-secret", default=z.client_secret)
    netsuite = parser.add_argument_group("netsuite credentials (test defaults shown)")
    netsuite.add_argument("--account", default=n.account)
    netsuite.add_argument("--consumer-key", default=n.consumer_key)
    netsuite.add_argument("--consumer-secret", default=n.consumer_secret)
    netsuite.add_argument("--token-id", default=n.token_id)
    netsuite.add_argument("--token-secret", default=n.token_secret)


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.data is not None and not args.data.is_dir():
        raise UsageError(f"{args.data}: no such folder")
    if args.concurrency_limit is not None and args.concurrency_limit < 1:
        raise UsageError(f"--concurrency-limit must be at least 1, not {args.concurrency_limit}")
    for option in ("latency_ms", "jitter_ms"):
        if getattr(args, option) < 0:
            flag = "--" + option.replace("_", "-")
            raise UsageError(f"{flag} must not be negative, not {getattr(args, option):g}")
    # The emulators' web stack is an install extra: imported here, never when the CLI loads.
    require_extra("ferry emulate")
    from engine.emulators.launch import build
    from engine.emulators.server import serve_forever

    app = build(
        args.system,
        data=args.data,
        concurrency_limit=args.concurrency_limit,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        zuora=ZuoraCredentials(args.client_id, args.client_secret),
        ns=NetSuiteCredentials(
            args.account, args.consumer_key, args.consumer_secret, args.token_id, args.token_secret
        ),
    )

    def announce(base_url: str) -> None:
        out.write(f"{args.system} emulator ready at {base_url}\n")
        out.flush()

    serve_forever(app, args.host, args.port, announce)
    return EXIT_OK


COMMAND = Command(
    name="emulate",
    help="Serve a local emulator of the Zuora or NetSuite API on loopback (Ctrl-C to stop).",
    example="ferry emulate zuora --port 8701\nferry emulate netsuite --port 8702 --data seed/ns\n"
    "ferry emulate netsuite --latency-ms 150 --concurrency-limit 5",
    arguments=_arguments,
    handler=_handle,
)
