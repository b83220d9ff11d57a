"""Serve an ASGI emulator on loopback, either in a background thread (tests, demo) or in the
foreground (``ferry emulate``).

One place owns the server lifecycle so that tests, the demo and the CLI start emulators the same
way: bind first (port 0 picks a free port), then report the base URL once the server is ready.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass
class RunningServer:
    """A server running in a background thread; ``stop()`` shuts it down and joins the thread."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it every small response waits ~40 ms for
    # Nagle's algorithm and delayed ACKs to meet.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )


def start_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start ``app`` in a daemon thread and return once it accepts connections."""
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, host, actual_port))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"emulator:{actual_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"emulator on {host}:{actual_port} did not start")
        time.sleep(0.01)
    return RunningServer(f"http://{host}:{actual_port}", server, thread)


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Context manager form of ``start_in_thread``."""
    srv = start_in_thread(app, host, port)
    try:
        yield srv
    finally:
        srv.stop()


def serve_forever(app: Any, host: str, port: int, announce: Any) -> None:
    """Run in the foreground; ``announce(base_url)`` is called once the server is ready."""
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    config = _config(app, host, actual_port)
    server = uvicorn.Server(config)
    base_url = f"http://{host}:{actual_port}"

    def _watch() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.started:
            announce(base_url)

    threading.Thread(target=_watch, daemon=True).start()
    server.run(sockets=[sock])
