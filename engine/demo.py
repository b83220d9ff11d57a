"""``make demo``: the main job on the embedded default — both emulators on loopback, a
realistic seeded data set, a SQLite state file, and the shipped Zuora–NetSuite mappings.

It syncs once (everything is created), then again (nothing is written: the second run finds
every record unchanged), and prints both summaries. Each invocation starts from fresh
emulators and a fresh state file under ``.demo/``, because the emulators keep data in memory.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from engine.cli import main as ferry
from engine.emulators import netsuite_seed, zuora_seed
from engine.emulators.launch import NetSuiteCredentials, ZuoraCredentials, build
from engine.emulators.server import start_in_thread

ROOT = Path(__file__).resolve().parent.parent
MAPPINGS = ROOT / "mappings" / "zuora-netsuite"
WORK = Path(".demo")
ACCOUNTS = 300


def _connections(zuora_url: str, netsuite_url: str, account: str) -> str:
    return f"""# Written by `make demo`: endpoints of the local emulators; secrets come from the env.
apiVersion: ferry/v1
kind: Connections
metadata: {{name: demo}}
endpoints:
  zuora:
    driver: zuora
    options:
      base_url: "{zuora_url}"
      client_id: "${{env:ZUORA_CLIENT_ID}}"
      client_secret: "${{env:ZUORA_CLIENT_SECRET}}"
  netsuite:
    driver: netsuite
    options:
      base_url: "{netsuite_url}"
      account: "{account}"
      consumer_key: "${{env:NETSUITE_CONSUMER_KEY}}"
      consumer_secret: "${{env:NETSUITE_CONSUMER_SECRET}}"
      token_id: "${{env:NETSUITE_TOKEN_ID}}"
      token_secret: "${{env:NETSUITE_TOKEN_SECRET}}"
      concurrency: 5
"""


def _credentials_to_env(z: ZuoraCredentials, n: NetSuiteCredentials) -> None:
    os.environ.update(
        ZUORA_CLIENT_ID=z.client_id, ZUORA_CLIENT_SECRET=z.client_secret,
        NETSUITE_CONSUMER_KEY=n.consumer_key, NETSUITE_CONSUMER_SECRET=n.consumer_secret,
        NETSUITE_TOKEN_ID=n.token_id, NETSUITE_TOKEN_SECRET=n.token_secret,
    )


def run_demo(work: Path = WORK, accounts: int = ACCOUNTS) -> int:
    """Seed, serve, sync twice; return the second run's exit code."""
    shutil.rmtree(work, ignore_errors=True)
    (work / "zuora").mkdir(parents=True)
    (work / "netsuite").mkdir(parents=True)
    zuora_seed.write(work / "zuora", n_accounts=accounts)
    netsuite_seed.write(work / "netsuite", n_customers=accounts // 5)
    z, n = ZuoraCredentials(), NetSuiteCredentials()
    zuora = start_in_thread(build("zuora", data=work / "zuora", zuora=z))
    netsuite = start_in_thread(build("netsuite", data=work / "netsuite", ns=n))
    try:
        _credentials_to_env(z, n)
        connections = work / "connections.yaml"
        connections.write_text(_connections(zuora.base_url, netsuite.base_url, n.account))
        print(f"Zuora emulator    {zuora.base_url}  ({accounts} accounts seeded)")
        print(f"NetSuite emulator {netsuite.base_url}")
        print(f"state             {work / 'state.sqlite'}\n")
        args = [str(MAPPINGS), "--connections", str(connections),
                "--state", str(work / "state.sqlite"), "--report-json"]
        code = 0
        for attempt, title in enumerate(("First sync", "Second sync (nothing changed)"), 1):
            print(f"== {title} ==")
            started = time.perf_counter()
            code = ferry(["sync", *args, str(work / f"run-{attempt}.json"), "--no-progress"])
            print(f"({time.perf_counter() - started:.1f} s, exit code {code})\n")
        print(f"Reports: {work}/run-1.json, {work}/run-2.json. "
              f"Try: ferry runs --state {work / 'state.sqlite'}")
        return code
    finally:
        zuora.stop()
        netsuite.stop()


if __name__ == "__main__":
    sys.exit(run_demo())
