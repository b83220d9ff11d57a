"""Secret references, the Secret value, and redaction of logs, errors and reprs."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Generator
from pathlib import Path

import httpx
import pytest

from engine.errors import ConfigError, DriverError
from engine.run.drivers.http import HttpEndpoint, RetryPolicy
from engine.run.secrets import (
    RedactingFilter,
    Secret,
    install_redaction,
    redact,
    redact_excerpt,
    register_secret,
    resolve_secret,
    resolve_value,
)

from .conftest import Served

CANARY = "canary-7f3a9c1e-do-not-log"


def test_env_reference_resolves_to_a_hidden_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FERRY_TEST_TOKEN", "s3cr3t-value")
    secret = resolve_secret("${env:FERRY_TEST_TOKEN}", option="token", base_dir=Path())
    assert secret.reveal() == "s3cr3t-value"
    assert repr(secret) == "Secret('***')"
    assert str(secret) == f"{secret}" == f"{secret:>20}" == "***"
    assert "s3cr3t-value" not in repr({"token": secret})
    assert secret == Secret("s3cr3t-value") and secret != Secret("other-value")
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_missing_env_var_names_the_variable_and_option() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_secret(
            "${env:FERRY_SURELY_UNSET_VAR}", option="zuora.client_secret", base_dir=Path()
        )
    assert "FERRY_SURELY_UNSET_VAR" in str(caught.value)
    assert "zuora.client_secret" in str(caught.value)


def test_a_literal_where_a_secret_is_required_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_secret("hunter2-literal", option="client_secret", base_dir=Path())
    assert "client_secret" in str(caught.value)
    assert "hunter2-literal" not in str(caught.value)


def test_file_reference_is_relative_to_the_referencing_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token.txt").write_text("file-secret-1\n")
    secret = resolve_secret("${file:secrets/token.txt}", option="token", base_dir=tmp_path)
    assert secret.reveal() == "file-secret-1"
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_secret("${file:nope.txt}", option="token", base_dir=tmp_path)
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        resolve_secret("${file:empty.txt}", option="token", base_dir=tmp_path)


def test_unknown_reference_kind_and_plain_values(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="unknown reference kind 'vault'"):
        resolve_secret("${vault:x}", option="token", base_dir=Path())
    monkeypatch.setenv("FERRY_TEST_URL", "http://127.0.0.1:1")
    assert resolve_value("${env:FERRY_TEST_URL}", option="u", base_dir=Path()) == (
        "http://127.0.0.1:1"
    )
    assert resolve_value("plain", option="u", base_dir=Path()) == "plain"
    assert resolve_value(5, option="u", base_dir=Path()) == 5


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def.ghi",
        "{'authorization': 'Basic dXNlcjpwYXNz'}",
        "POST /oauth/token client_id=x&client_secret=abc123def&grant_type=client_credentials",
        '{"access_token": "eyJabc", "token_type": "bearer"}',
        'OAuth realm="1234567_SB1",oauth_token="tok123",oauth_signature="c2ln%3D"',
        "GET https://x/services?access_token=zzz999&limit=5",
    ],
)
def test_redact_scrubs_credential_shapes(text: str) -> None:
    cleaned = redact(text)
    for value in (
        "abc.def.ghi",
        "dXNlcjpwYXNz",
        "abc123def",
        "eyJabc",
        "tok123",
        "c2ln%3D",
        "zzz999",
    ):
        assert value not in cleaned
    assert "***" in cleaned


def test_registered_values_are_scrubbed_in_plain_and_url_encoded_forms() -> None:
    register_secret("p@ss word/42")
    assert redact("a p@ss word/42 b p%40ss%20word%2F42 c p%40ss+word%2F42") == "a *** b *** c ***"


def test_a_secret_registered_after_text_was_scrubbed_is_scrubbed_too() -> None:
    """The registered values are compiled when text is scrubbed, not when a value is added:
    one added after a scrub must reach the next one."""
    register_secret("first-secret-4711")
    assert redact("x first-secret-4711") == "x ***"
    register_secret("second-secret-0815")

    assert redact("first-secret-4711 second-secret-0815") == "*** ***"


def test_redacting_filter_scrubs_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(CANARY)
    logger = logging.getLogger("tests.infra.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger="tests.infra.redaction"):
        logger.info("token is %s", CANARY)
        try:
            raise RuntimeError(f"failed with {CANARY}")
        except RuntimeError:
            logger.exception("boom")
    assert CANARY not in caplog.text
    assert "token is ***" in caplog.text


@pytest.fixture
def canary_auth() -> Generator[httpx.Auth, None, None]:
    secret = Secret(CANARY)

    class BearerAndQuery(httpx.Auth):
        def auth_flow(
            self, request: httpx.Request
        ) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["Authorization"] = f"Bearer {secret.reveal()}"
            request.url = request.url.copy_add_param("access_token", secret.reveal())
            yield request

    yield BearerAndQuery()


def test_a_canary_secret_never_reaches_logs_errors_or_reprs(
    served: Served, canary_auth: httpx.Auth, caplog: pytest.LogCaptureFixture
) -> None:
    install_redaction()
    policy = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.001)
    api = HttpEndpoint(
        "canary", served.base_url, auth=canary_auth, retry=policy, sleep=lambda _: None
    )
    failures: list[DriverError] = []
    with caplog.at_level(logging.DEBUG):
        for path, params in [
            ("/status/401", {"body": f"bad token {CANARY}"}),
            ("/status/503", {}),
            ("/status/500", {"body": CANARY}),
        ]:
            try:
                api.request("GET", path, operation="probe", params=params, idempotent=True)
            except DriverError as exc:
                failures.append(exc)
                logging.getLogger("engine.test").exception("call failed: %r", exc)
    api.close()
    assert len(failures) == 3
    assert all(h["authorization"] == f"Bearer {CANARY}" for h in served.rec.headers)
    texts = [caplog.text, repr(api)]
    texts += [r.getMessage() for r in caplog.records]
    for failure in failures:
        texts += [str(failure), repr(failure), *getattr(failure, "__notes__", [])]
    assert "access_token=***" in caplog.text  # httpx logged the URL, scrubbed
    for text in texts:
        assert CANARY not in text


def test_filter_keeps_record_args_usable_for_formatters() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/x?access_token=abc99"), None
    )
    RedactingFilter().filter(record)
    assert record.args == ("GET", "/x?access_token=***")
    clean = logging.LogRecord("x", logging.INFO, __file__, 1, "%s items", (5,), None)
    RedactingFilter().filter(clean)
    assert clean.args == (5,)


def test_redact_excerpt_redacts_before_cutting() -> None:
    secret = "excerpt-s3cret-0123456789"
    register_secret(secret)
    text = "a" * 10 + secret + "b" * 100
    cut = redact_excerpt(text, 20)  # the cut falls inside the secret
    assert cut == "a" * 10 + "***" + "b" * 7 + "…"
    assert redact_excerpt("short " + secret, 300) == "short ***"


def test_redact_excerpt_masks_a_partial_secret_at_the_cut() -> None:
    secret = "partial-s3cret-abcdefgh"
    register_secret(secret)
    quoted_in_part = "x" * 14 + secret[:12]  # the text itself holds only a prefix
    assert redact_excerpt(quoted_in_part + "y" * 50, 26) == "x" * 14 + "***…"
    assert redact_excerpt("x" * 14 + "part", 18) == "x" * 14 + "part"  # 4 characters: kept
