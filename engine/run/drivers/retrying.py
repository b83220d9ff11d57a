"""Whether, when and how often a failed request is sent again; tenacity only once one is.

Why a module of its own, and why the first attempt is made here directly: almost every request
succeeds at once, and importing tenacity cost a short command such as ``ferry plan`` about 7 ms
(24 M instructions) that nothing used. So ``with_retries`` makes the first attempt itself; only
when it fails with an error worth retrying, and the policy allows more than one attempt, is
tenacity imported and given the rest of the sequence. Tenacity still runs that whole sequence
as it would have from the start: its first attempt replays the failure already seen (nothing is
sent), so its waits, its log lines ("attempt 1 failed ...; retrying in ...") and its stop after
``max_attempts`` count the first attempt exactly as before, and the caller's count of attempts
holds real ones only.

What is retried (one place, as ``engine.run.drivers.http`` says why): transient failures and
refusals for load (``TransientError``, ``RateLimitedError`` included) always; an ambiguous
failure (``AmbiguousWriteError``) only for an idempotent request; a paused endpoint
(``EndpointPausedError``) never. The waits are ``RetryPolicy``'s: a usable ``Retry-After`` up to
the cap, else ``rate_limit_backoff`` after a 429 and ``backoff`` after anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from engine.errors import (
    AmbiguousWriteError,
    DriverError,
    EndpointPausedError,
    RateLimitedError,
    TransientError,
)

if TYPE_CHECKING:
    import tenacity

    from engine.run.drivers.http import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")


def with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    idempotent: bool,
    sleep: Callable[[float], None],
    endpoint: str,
    operation: str,
) -> T:
    """``attempt()``'s result, trying again under ``policy`` while the failure allows it.

    The last failure propagates as it was raised (``reraise``); ``endpoint`` and ``operation``
    only name the request in the log line before each wait.
    """
    try:
        return attempt()
    except DriverError as exc:
        if policy.max_attempts <= 1 or not should_retry(exc, idempotent):
            raise
        first = exc
    # Outside the ``except``: later failures must not carry the first one as their context.
    retrying = _retrying(policy, idempotent, sleep, endpoint, operation)
    return retrying(_Replay(first, attempt))


def should_retry(exc: BaseException, idempotent: bool) -> bool:
    """Whether a request that failed with ``exc`` may be sent again."""
    if isinstance(exc, EndpointPausedError):
        return False
    if isinstance(exc, TransientError):  # includes RateLimitedError
        return True
    return isinstance(exc, AmbiguousWriteError) and idempotent


class _Replay(Generic[T]):
    """Tenacity's attempts: the first raises the failure already seen, without sending
    anything; every later one is a real attempt."""

    def __init__(self, failure: DriverError, attempt: Callable[[], T]) -> None:
        self._failure: DriverError | None = failure
        self._attempt = attempt

    def __call__(self) -> T:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        return self._attempt()


def _retrying(
    policy: RetryPolicy,
    idempotent: bool,
    sleep: Callable[[float], None],
    endpoint: str,
    operation: str,
) -> tenacity.Retrying:
    import tenacity  # here, not at the top: only a request that failed once pays for it

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        retry=tenacity.retry_if_exception(lambda exc: should_retry(exc, idempotent)),
        wait=lambda state: _wait(policy, state),
        sleep=sleep,
        before_sleep=lambda state: _log_retry(endpoint, operation, state),
        reraise=True,
    )


def _wait(policy: RetryPolicy, state: tenacity.RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RateLimitedError):
        if exc.retry_after is not None:  # positive and finite (parse_retry_after)
            return min(exc.retry_after, policy.retry_after_cap)
        return policy.rate_limit_backoff(state.attempt_number)
    return policy.backoff(state.attempt_number)


def _log_retry(endpoint: str, operation: str, state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "%s %s: attempt %d failed (%s: %s); retrying in %.2fs",
        endpoint,
        operation,
        state.attempt_number,
        type(exc).__name__,
        exc,
        delay,
    )
