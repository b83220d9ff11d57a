"""The summary a run prints writes what it reports as it is: a value quoted in a reason (here a
record's currency) is never read as rich markup or an emoji code."""

from __future__ import annotations

from tests.sync.conftest import EnvFactory, attention, zuora_account

ODD = ":ok: [bold]AUD[/bold]"


def test_a_reason_is_printed_as_the_report_has_it(make_env: EnvFactory) -> None:
    account = zuora_account(1, currency=ODD)
    env = make_env(accounts=[account])

    result, report = env.sync()

    assert result.code == 1, result.err  # the currency is not in the table: invalid
    reason = attention(report, account["id"])["reason"]
    assert ODD in reason
    line = next(x for x in result.out.splitlines() if x.startswith("invalid: "))
    assert line.endswith(reason), line
