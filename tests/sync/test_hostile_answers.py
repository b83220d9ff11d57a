"""``ferry sync`` against endpoints that answer badly, over real HTTP, with a real state file:
a malformed row is one invalid record (the rest sync), endless paging and oversized bodies end
the run with a classified error naming the URL, a day-long ``Retry-After`` stops the run at once,
and credentials an endpoint echoes never reach stdout, the report, the quarantine or the state."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx

from engine.emulators.launch import TEST_NETSUITE
from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    SyncEnv,
    ns_customer,
    zuora_account,
)

LISTING = "/object-query/accounts"
SUITEQL = "/services/rest/query/v1/suiteql"
UPSERT = "/services/rest/record/v1/customer/*"


def arm(base_url: str, *rules: dict[str, Any]) -> None:
    answer = httpx.post(base_url + "/__ferry/faults", json=list(rules))
    assert answer.status_code == 201, answer.text


def hits(base_url: str) -> list[int]:
    return [r["hits"] for r in httpx.get(base_url + "/__ferry/faults").json()["rules"]]


def listed_rows(env: SyncEnv) -> list[dict[str, Any]]:
    """The accounts as Zuora lists them to the driver (with the driver's expansions)."""
    params = {"pageSize": 50, "expand[]": ["billTo", "soldTo"], "sort[]": "updateddate.ASC"}
    answer = env.zuora_api().get(LISTING, params=params)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def last_run(env: SyncEnv) -> dict[str, Any]:
    with sqlite3.connect(f"file:{env.state}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone())


def quarantine(env: SyncEnv) -> list[dict[str, Any]]:
    listed = env.ferry("quarantine", "--state", env.state, "--format", "json")
    assert listed.code == 0, listed.err
    entries: list[dict[str, Any]] = listed.json()
    return entries


def test_malformed_rows_are_invalid_records_and_the_others_sync(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 5)])
    rows = listed_rows(env)
    no_id = {k: v for k, v in rows[1].items() if k != "id"}
    page = [rows[0], no_id, {**rows[2], "updatedDate": "2024-13-45T99:00:00Z"}, rows[3]]
    arm(
        env.zuora.base_url,
        {"kind": "answer", "method": "GET", "path": LISTING, "body": {"data": page}},
    )

    result, report = env.sync()

    assert result.code == 1, result.err  # records need attention; not an internal error
    assert "internal error" not in result.out + result.err
    assert report["status"] == "completed-with-errors"
    assert (report["totals"]["created"], report["totals"]["invalid"]) == (2, 2)
    synced = set(env.customers_by_zuora_id())
    assert synced == {rows[0]["id"], rows[3]["id"]}
    entries = {e["source_id"]: e for e in quarantine(env)}
    garbled = entries[rows[2]["id"]]
    assert (
        garbled["kind"] == "invalid"
        and "'2024-13-45T99:00:00Z' is not a date-time" in garbled["reason"]
    )
    [nameless] = [e for i, e in entries.items() if i.startswith("no-id:")]
    assert "has no 'id'" in nameless["reason"] and LISTING in nameless["reason"]

    # the next run, answered properly: the misdated record is retried from the quarantine by
    # id, the row that came without an id is read again (with it); nothing was lost
    second, report = env.sync()
    assert second.code == 0, second.out
    assert "stays in quarantine until dismissed" in second.out
    assert set(env.customers_by_zuora_id()) == {r["id"] for r in rows}
    assert [e["source_id"] for e in quarantine(env)] == [nameless["source_id"]]


def test_a_suiteql_row_without_id_holds_the_watermark_until_it_is_read_whole(
    make_env: EnvFactory,
) -> None:
    oldest = ns_customer(13, modified="2024-03-01T09:00:00Z")  # the one sent without its id
    env = make_env(
        customers=[ns_customer(11), ns_customer(12), oldest], customer_account_master="netsuite"
    )
    items = [{"id": "11"}, {"entityid": "C0013 Customer 13"}, {"id": "12"}]
    body = {"items": items, "hasMore": False, "totalResults": 2, "count": 3, "offset": 0}
    arm(env.netsuite.base_url, {"kind": "answer", "method": "POST", "path": SUITEQL, "body": body})

    result, report = env.sync()

    assert result.code == 1, result.out + result.err
    assert (report["totals"]["created"], report["totals"]["invalid"]) == (2, 1)
    [entry] = [e for e in quarantine(env) if e["mapping"] == NETSUITE_MAPPING]
    assert entry["source_id"].startswith("no-id:") and "a SuiteQL row of page 1" in entry["reason"]
    assert set(env.accounts_by_integration_id()) == {"11", "12"}

    second, _ = env.sync()  # answered properly: customer 13 is read, nothing was lost
    assert second.code == 0, second.out
    assert set(env.accounts_by_integration_id()) == {"11", "12", "13"}


def test_a_looping_cursor_fails_the_run_naming_url_and_page(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])
    rows = listed_rows(env)
    pages = [
        {"data": rows, "nextPage": "A"},
        {"data": [], "nextPage": "B"},
        {"data": [], "nextPage": "A"},
    ]
    arm(env.zuora.base_url, *[{"kind": "answer", "path": LISTING, "body": p} for p in pages])

    result, report = env.sync()

    assert result.code == 3, result.out
    expected = f"paging of {env.zuora.base_url}{LISTING} stopped at page 3"
    assert expected in report["error"] and expected in result.out + result.err
    run = last_run(env)
    assert run["status"] == "failed" and expected in run["error"]
    assert len(env.customers()) == 1  # the first page was synced before the loop showed


def test_an_oversized_body_fails_the_run_naming_the_url(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])
    text = env.connections.read_text()
    secret_line = '      client_secret: "${env:ZUORA_CLIENT_SECRET}"\n'
    env.connections.write_text(
        text.replace(secret_line, secret_line + "      max_response_bytes: 65536\n")
    )
    arm(env.zuora.base_url, {"kind": "huge", "path": LISTING, "size": 5_000_000})

    result, report = env.sync()

    assert result.code == 3, result.out
    assert (
        f"the response body from {env.zuora.base_url}{LISTING} ran past 65536 bytes"
        in report["error"]
    )
    assert "max_response_bytes" in report["error"]
    assert last_run(env)["status"] == "failed"
    assert env.customers() == []


def test_a_day_long_retry_after_stops_the_run_at_once_and_loses_nothing(
    make_env: EnvFactory,
) -> None:
    accounts = [zuora_account(n) for n in range(1, 7)]
    env = make_env(accounts=accounts)
    arm(
        env.netsuite.base_url,
        {"kind": "429", "method": "PUT", "path": UPSERT, "retry_after": 86400, "times": None},
    )

    result, report = env.sync()

    assert result.code == 3, result.out
    assert "asked to wait 86400 s" in report["error"]
    assert last_run(env)["status"] == "failed"
    # each worker met the pause at most once; nothing waited out the day (or the cap)
    assert hits(env.netsuite.base_url)[0] <= 4
    assert env.customers() == [] and quarantine(env) == []

    httpx.delete(env.netsuite.base_url + "/__ferry/faults")
    again, report = env.sync()
    assert again.code == 0, again.out
    assert set(env.customers_by_zuora_id()) == {a["id"] for a in accounts}


def test_odd_refusals_are_retried_and_every_record_syncs_once(make_env: EnvFactory) -> None:
    accounts = [zuora_account(n) for n in range(1, 4)]
    env = make_env(accounts=accounts)
    limit = {"o:errorDetails": [{"o:errorCode": "SSS_REQUEST_LIMIT_EXCEEDED", "detail": "limit"}]}
    put = {"method": "PUT", "path": UPSERT}
    arm(
        env.netsuite.base_url,
        {**put, "kind": "answer", "status": 429, "headers": {"Retry-After": "nan"}, "body": {}},
        {**put, "kind": "answer", "status": 409, "body": ""},
        {**put, "kind": "answer", "status": 400, "body": limit},
    )

    result, report = env.sync()

    assert result.code == 0, result.out + result.err
    assert report["totals"]["created"] == 3
    assert hits(env.netsuite.base_url) == [1, 1, 1]
    assert sorted(len(v) for v in env.customers_by_zuora_id().values()) == [1, 1, 1]


def test_echoed_credentials_reach_no_output_and_no_state(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 3)])
    # NetSuite quotes the TBA header in its error detail, the consumer key across the 300th
    # character of the message ("INVALID_CONTENT: " + 92 + ~181 characters before the key)
    detail = "n" * 92 + "{authorization}"
    echo = {"o:errorDetails": [{"o:errorCode": "INVALID_CONTENT", "detail": detail}]}
    arm(
        env.netsuite.base_url,
        {"kind": "echo", "method": "PUT", "path": UPSERT, "body": echo, "times": None},
    )
    first, first_report = env.sync()
    assert first.code == 1 and first_report["totals"]["rejected"] == 2, first.out

    # Zuora quotes the bearer token in a listing error, across the 300-character excerpt
    httpx.delete(env.netsuite.base_url + "/__ferry/faults")
    arm(
        env.zuora.base_url, {"kind": "echo", "path": LISTING, "body": "z" * 283 + "{authorization}"}
    )
    second, second_report = env.sync()
    assert second.code == 3 and "Bad Request" in second_report["error"], second.out

    seen = "\n".join(
        [
            first.out + first.err + second.out + second.err,
            (env.root / "report.json").read_text(),
            str(first_report),
            env.ferry("quarantine", "--state", env.state, "--format", "json").out,
            env.ferry("quarantine", "--state", env.state, "--all").out,
            state_dump(env),
        ]
    )
    assert "***" in seen
    assert not pieces_of(TEST_NETSUITE.consumer_key, seen, 8)
    assert not pieces_of(TEST_NETSUITE.token_id, seen, 8)
    tokens = list(env.zuora.state.tokens.tokens)
    assert tokens and not any(pieces_of(token, seen, 10) for token in tokens)
    assert ZUORA_MAPPING in seen


def state_dump(env: SyncEnv) -> str:
    with sqlite3.connect(f"file:{env.state}?mode=ro", uri=True) as conn:
        return "\n".join(conn.iterdump())


LABELS = "oauth_consumer_key oauth_token"  # parameter names, not secrets ("consumer")


def pieces_of(secret: str, text: str, size: int) -> list[str]:
    """The ``size``-character pieces of ``secret`` that appear in ``text`` (other than in the
    header's parameter names)."""
    pieces = {secret[i : i + size] for i in range(len(secret) - size + 1)}
    return sorted({p for p in pieces if p not in LABELS} & _windows(text, size))


def _windows(text: str, size: int) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}
