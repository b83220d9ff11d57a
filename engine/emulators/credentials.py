"""The emulators' documented test credentials, and the check that their install extra is there.

Why a module of its own: ``ferry emulate`` builds its ``--help`` (with these defaults) whenever
any command runs, and the emulators' web stack (starlette, uvicorn) is an install extra
(``ferry-engine[emulators]``). This module imports neither, so the CLI can show the defaults and
say which extra is missing without importing the emulators themselves.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from engine.errors import UsageError

SYSTEMS = ("zuora", "netsuite")
EXTRA = "emulators"
EXTRA_MODULES = ("starlette", "uvicorn")
INSTALL = f"pip install 'ferry-engine[{EXTRA}]'"

# Test defaults: documented, not secret, and accepted only by the emulators.
DEFAULT_CLIENT_ID = "ferry-test-client-0000-000000000000"
DEFAULT_CLIENT_SECRET = "ferry-test-secret-do-not-use-in-production"
DEFAULT_ACCOUNT = "1234567_SB1"
DEFAULT_CONSUMER_KEY = "ferry-test-consumer-key"
DEFAULT_CONSUMER_SECRET = "ferry-test-consumer-secret"
DEFAULT_TOKEN_ID = "ferry-test-token-id"
DEFAULT_TOKEN_SECRET = "ferry-test-token-secret"


@dataclass(frozen=True)
class ZuoraCredentials:
    """What the Zuora emulator accepts at ``POST /oauth/token``."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET


@dataclass(frozen=True)
class NetSuiteCredentials:
    """The TBA account, consumer and token the NetSuite emulator verifies signatures with."""

    account: str = DEFAULT_ACCOUNT
    consumer_key: str = DEFAULT_CONSUMER_KEY
    consumer_secret: str = DEFAULT_CONSUMER_SECRET
    token_id: str = DEFAULT_TOKEN_ID
    token_secret: str = DEFAULT_TOKEN_SECRET


TEST_ZUORA = ZuoraCredentials()
TEST_NETSUITE = NetSuiteCredentials()


def missing_extra() -> list[str]:
    """The emulators' packages that are not installed (empty when the extra is)."""
    return [name for name in EXTRA_MODULES if not _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # an import hook that refuses the package (as the tests install)
        return False


def require_extra(what: str) -> None:
    """Raise a ``UsageError`` (exit 2) naming the extra to install when it is missing."""
    missing = missing_extra()
    if missing:
        raise UsageError(
            f"{what} needs the '{EXTRA}' extra ({', '.join(missing)} not installed): {INSTALL}"
        )
