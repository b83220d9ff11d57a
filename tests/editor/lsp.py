"""A minimal Language Server Protocol client over stdio, enough to ask yaml-language-server what
an editor would show: completion items, hover text and diagnostics.

Why hand-written: the protocol is JSON-RPC with a ``Content-Length`` header; a client library
would be a dependency for forty lines. The server also asks the client questions
(``workspace/configuration``, capability registration); they are answered here as VS Code would.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

TIMEOUT = 60.0


class LanguageServer:
    """One server process; ``request`` waits for its answer, notifications are collected."""

    def __init__(self, command: list[str], root: Path, settings: Mapping[str, Any]) -> None:
        self.settings = settings
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._published: queue.Queue[str] = queue.Queue()
        self._next_id = 0
        self.process = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_offline_env(),
        )
        assert self.process.stdin and self.process.stdout
        self._in: IO[bytes] = self.process.stdin
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "didChangeConfiguration": {}},
                    "textDocument": {
                        "completion": {"completionItem": {"documentationFormat": ["markdown"]}},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "publishDiagnostics": {},
                    },
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": dict(settings)})

    # -- the wire --------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self._in.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._in.flush()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:
                self._send({"id": message["id"], "result": self._answer(message)})
            elif "id" in message:
                self._answers.put(message)
            elif message.get("method") == "textDocument/publishDiagnostics":
                uri = message["params"]["uri"]
                self.diagnostics[uri] = message["params"]["diagnostics"]
                self._published.put(uri)

    def _answer(self, message: dict[str, Any]) -> Any:
        if message["method"] == "workspace/configuration":
            return [
                self.settings.get(i.get("section", ""), None) for i in message["params"]["items"]
            ]
        return None  # capability registration, progress tokens: accepted

    # -- what tests call ---------------------------------------------------------------------------

    def request(self, method: str, params: Mapping[str, Any]) -> Any:
        self._next_id += 1
        self._send({"id": self._next_id, "method": method, "params": dict(params)})
        while True:
            answer = self._answers.get(timeout=TIMEOUT)
            if answer["id"] == self._next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer.get("result")

    def notify(self, method: str, params: Mapping[str, Any]) -> None:
        self._send({"method": method, "params": dict(params)})

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        document = {
            "uri": uri,
            "languageId": "yaml",
            "version": 1,
            "text": path.read_text() if text is None else text,
        }
        self.notify("textDocument/didOpen", {"textDocument": document})
        return uri

    def wait_for_diagnostics(self, uri: str) -> list[dict[str, Any]]:
        while uri not in self.diagnostics:
            self._published.get(timeout=TIMEOUT)
        return self.diagnostics[uri]

    def completion(self, uri: str, line: int, character: int) -> list[str]:
        result = self.request(
            "textDocument/completion",
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            },
        )
        items = result.get("items", []) if isinstance(result, dict) else result or []
        return [item["label"] for item in items]

    def hover(self, uri: str, line: int, character: int) -> str:
        result = self.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            },
        )
        contents = (result or {}).get("contents", "")
        return contents.get("value", "") if isinstance(contents, dict) else str(contents)

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def _offline_env() -> dict[str, str]:
    """No network: every HTTP(S) request goes to a proxy on a closed loopback port, so a schema
    the server tried to fetch would fail to load (and the completion tests with it)."""
    import os

    dead = "http://127.0.0.1:9"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return env | {
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
        "NO_PROXY": "",
        "no_proxy": "",
    }
