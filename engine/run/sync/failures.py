"""How a run that cannot go on says why, in words an operator acts on.

Why a module of its own: the same failure (refused credentials, an endpoint that cannot be
reached) is met by the preflight, by reconciliation and in the middle of a mapping, and each must
name the endpoint *and where it is* (the base URL from the connections file), so the operator
knows which credentials or which network path to check. Internal class names never appear.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from engine.errors import AuthError, DriverError, FerryError, TransientError
from engine.run.drivers.base import Driver


def where(name: str, driver: Driver | None) -> str:
    """``endpoint 'zuora' (https://rest.zuora.com)``: the name and, when known, the base URL."""
    url = getattr(driver, "base_url", None)
    return f"endpoint '{name}'" + (f" ({url})" if isinstance(url, str) and url else "")


def endpoint_failure(exc: DriverError, endpoints: Mapping[str, Driver]) -> str:
    """An endpoint's failure, naming the endpoint, its base URL and what to check."""
    place = where(exc.endpoint, endpoints.get(exc.endpoint)) if exc.endpoint else "an endpoint"
    if isinstance(exc, AuthError):
        return f"{place} refused the credentials: {exc}; check the connections file's secrets"
    if isinstance(exc, TransientError) and exc.status is not None:
        return f"{place} is unavailable: {exc}; try again later"
    if isinstance(exc, TransientError):
        return f"{place} could not be reached: {exc}; check its base URL and the network"
    return f"{place} failed: {exc}"


def run_failure(exc: BaseException, endpoints: Mapping[str, Driver]) -> str:
    """The error a failed run records and reports."""
    if isinstance(exc, DriverError):
        return endpoint_failure(exc, endpoints)
    if isinstance(exc, FerryError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"internal error ({exc}); this is a bug in Ferry: run with FERRY_DEBUG=1 and report it"


def credential_problems(names: list[str], endpoints: Mapping[str, Driver]) -> list[str]:
    """Authenticate every endpoint in ``names`` (those the mappings use) once, before the first
    write; every refusal or unreachable endpoint is listed, not only the first, in ``names``'
    order. The checks run at once: each is a round trip, and the run waits for the slowest only."""
    checks = [getattr(endpoints[name], "check_credentials", None) for name in names]
    # a driver without credentials (files) has nothing to check
    callables = [check for check in checks if callable(check)]
    if not callables:
        return []
    with ThreadPoolExecutor(len(callables), thread_name_prefix="credentials") as pool:
        refusals = list(pool.map(_refusal, callables))
    return [endpoint_failure(exc, endpoints) for exc in refusals if exc is not None]


def _refusal(check: Callable[[], object]) -> DriverError | None:
    """The refusal a credential check met, if any (other errors end the run: raised)."""
    try:
        check()
    except DriverError as exc:
        return exc
    return None
