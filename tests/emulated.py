"""What the end-to-end suites share: both emulators on loopback (they count their writes), a
Connections file for them, and copies of the shipped specs whose settings a test edits."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

from engine.emulators import stack
from engine.emulators.faults import CONTROL_PATH, STATS_PATH
from engine.emulators.launch import TEST_NETSUITE, TEST_ZUORA, build
from engine.emulators.server import RunningServer, start_in_thread
from engine.run.drivers.netsuite_auth import NetSuiteTBA
from tests.conftest import ROOT, CliResult, run_ferry

MAPPINGS = ROOT / "mappings" / "zuora-netsuite"


@dataclass
class Emulator:
    """One emulator served in this process; its store is read (never written) by tests, and its
    writes are counted by the emulator itself (``/__ferry/stats``), as the benchmarks read them."""

    app: Any
    server: RunningServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def state(self) -> Any:
        return self.app.state

    @property
    def store(self) -> Any:
        return self.app.state.store

    @property
    def writes(self) -> int:
        """Requests that could change data (token grants and queries are not counted)."""
        return int(httpx.get(self.base_url + STATS_PATH).json()["writes"])

    def reset_counts(self) -> None:
        httpx.delete(self.base_url + STATS_PATH).raise_for_status()

    # Fault rules over the control endpoint, as any client of the emulator would arm them.

    def arm_faults(self, *rules: dict[str, Any]) -> list[int]:
        """Arm rules after those already armed; returns their positions in ``fault_rules()``."""
        before = len(self.fault_rules())
        httpx.post(self.base_url + CONTROL_PATH, json=list(rules)).raise_for_status()
        return list(range(before, before + len(rules)))

    def fault_rules(self) -> list[dict[str, Any]]:
        """The armed rules with their ``hits`` and ``remaining`` counts."""
        return list(httpx.get(self.base_url + CONTROL_PATH).json()["rules"])

    def faults_hit(self, positions: list[int]) -> bool:
        """Whether any of the rules at ``positions`` has met a request yet."""
        rules = self.fault_rules()
        return any(rules[i]["hits"] for i in positions)

    def clear_faults(self) -> None:
        httpx.delete(self.base_url + CONTROL_PATH).raise_for_status()


def _serve(app: Any) -> Emulator:
    return Emulator(app, start_in_thread(app))


def serve_pair(zuora_data: Path, netsuite_data: Path) -> tuple[Emulator, Emulator]:
    """Both emulators, seeded; the first is stopped again if the second cannot start."""
    zuora = _serve(build("zuora", data=zuora_data))
    try:
        netsuite = _serve(build("netsuite", data=netsuite_data))
    except BaseException:
        zuora.server.stop()
        raise
    return zuora, netsuite


def credentials_env() -> dict[str, str]:
    """The environment the Connections file's references resolve against."""
    return stack.credentials_env(TEST_ZUORA, TEST_NETSUITE)


def write_connections(
    path: Path, zuora_url: str, netsuite_url: str, *, concurrency: int = 4
) -> Path:
    path.write_text(
        stack.connections_yaml(
            zuora_url, netsuite_url, TEST_NETSUITE.account, concurrency=concurrency
        )
    )
    return path


def zuora_client(base_url: str) -> httpx.Client:
    """An HTTP client of the Zuora emulator holding a bearer token, as a Zuora user's own
    integration would; tests change Zuora through it, never through the store."""
    client = httpx.Client(base_url=base_url, timeout=30)
    token = client.post(
        "/oauth/token",
        data={
            "client_id": TEST_ZUORA.client_id,
            "client_secret": TEST_ZUORA.client_secret,
            "grant_type": "client_credentials",
        },
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def netsuite_client(base_url: str) -> httpx.Client:
    """An HTTP client of the NetSuite emulator's REST API, signed with TBA."""
    return httpx.Client(base_url=base_url + "/services/rest", auth=tba(), timeout=30)


def tba(**overrides: Any) -> NetSuiteTBA:
    """Ferry's TBA signer with the credentials the NetSuite emulator verifies (any of them, or
    the nonce and timestamp sources, overridable)."""
    return NetSuiteTBA(**{**asdict(TEST_NETSUITE), **overrides})


def copy_specs(folder: Path, names: Iterable[str] | None = None) -> Path:
    """Shipped specs (all, or the named ones) and the settings, copied for a test to edit."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [MAPPINGS / n for n in names] if names is not None else MAPPINGS.glob("*.yaml")
    for path in sorted(chosen):
        shutil.copy(path, folder / path.name)
    return folder


def update_settings(
    path: Path, settings: dict[str, Any], numbering: dict[str, dict[str, Any]] | None = None
) -> None:
    """Set ``settings:`` keys (``cutover_dates`` merged into the file's) and
    ``destination_numbering.<record type>`` keys in a Settings file, keeping its comments."""
    yaml = YAML()
    doc = yaml.load(path.read_text())
    for key, value in settings.items():
        if key == "cutover_dates" and isinstance(value, dict):
            value = {**dict(doc["settings"]["cutover_dates"]), **value}
        doc["settings"][key] = value
    for record_type, values in (numbering or {}).items():
        doc["destination_numbering"][record_type] = {
            **dict(doc["destination_numbering"][record_type]),
            **values,
        }
    with path.open("w") as handle:
        yaml.dump(doc, handle)


@dataclass
class Stage:
    """What every end-to-end world stands on: both emulators serving seed folders, a copy of
    the shipped specs, a Connections file for the emulators and a state path (not created)."""

    root: Path
    zuora: Emulator
    netsuite: Emulator
    specs: Path
    connections: Path
    state: Path
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def settings_path(self) -> Path:
        return self.specs / "settings.yaml"

    def reset_counts(self) -> None:
        self.zuora.reset_counts()
        self.netsuite.reset_counts()

    @property
    def writes(self) -> int:
        """Writes that reached either emulator since the last ``reset_counts``."""
        return self.zuora.writes + self.netsuite.writes

    def zuora_api(self) -> httpx.Client:
        """A Zuora REST client, as a user's integration would hold (closed with the stage)."""
        client = zuora_client(self.zuora.base_url)
        self._clients.append(client)
        return client

    def netsuite_api(self) -> httpx.Client:
        """A signed NetSuite REST client (closed with the stage)."""
        client = netsuite_client(self.netsuite.base_url)
        self._clients.append(client)
        return client

    def sync_cli(self, report: Path, *extra: str | Path) -> tuple[CliResult, dict[str, Any]]:
        """``ferry sync`` of the copied specs through the CLI; its result and JSON report."""
        return self._reported("sync", report, "--no-progress", *extra)

    def plan_cli(self, report: Path, *extra: str | Path) -> tuple[CliResult, dict[str, Any]]:
        """``ferry plan`` of the copied specs through the CLI; its result and JSON report."""
        return self._reported("plan", report, *extra)

    def _reported(
        self, command: str, report: Path, *extra: str | Path
    ) -> tuple[CliResult, dict[str, Any]]:
        report.unlink(missing_ok=True)
        result = run_ferry(
            command,
            self.specs,
            "--connections",
            self.connections,
            "--state",
            self.state,
            *extra,
            "--report-json",
            report,
        )
        return result, json.loads(report.read_text()) if report.exists() else {}

    def zuora_update_account(self, account_id: str, body: dict[str, Any]) -> None:
        answer = self.zuora_api().put(f"/v1/accounts/{account_id}", json=body)
        assert answer.status_code == 200 and answer.json().get("success"), answer.text

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self.zuora.server.stop()
        self.netsuite.server.stop()


def stage_parts(
    root: Path, zuora_data: Path, netsuite_data: Path, specs: Iterable[str] | None = None
) -> dict[str, Any]:
    """The fields of a ``Stage`` under ``root``: emulators serving the seed folders, the specs
    copied (all, or the named ones), the Connections file written."""
    zuora, netsuite = serve_pair(zuora_data, netsuite_data)
    connections = write_connections(root / "connections.yaml", zuora.base_url, netsuite.base_url)
    return {
        "root": root,
        "zuora": zuora,
        "netsuite": netsuite,
        "specs": copy_specs(root / "specs", specs),
        "connections": connections,
        "state": root / "state.sqlite",
    }
