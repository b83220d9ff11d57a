"""``Plan.render_many`` streams: it pulls one record, yields its payload, and only then pulls the
next, so a generator of any size is never materialised."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.compiler.specs import SpecWriter

SPEC = """\
when: ["record.status == 'Active'"]
fields:
  - {to: name, from: name}
  - {to: total.amount, from: amount, transforms: [{default: {value: 0}}]}
"""

COUNT = 200_000


class Source:
    """Records made on demand; ``pulled`` counts how many were taken so far."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pulled = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self.count):
            self.pulled += 1
            yield {"id": i, "status": "Closed" if i % 7 == 0 else "Active", "name": f"n{i}"}


def test_render_many_pulls_one_record_per_payload(specs: SpecWriter) -> None:
    plan = specs.plan(SPEC)
    source = Source(COUNT)

    stream = plan.render_many(source)
    assert source.pulled == 0  # nothing is read before the first payload is asked for

    seen = skipped = 0
    ahead = 0
    for payload in stream:
        seen += 1
        ahead = max(ahead, source.pulled - seen)
        if payload is None:
            skipped += 1
        elif seen in (2, COUNT):
            assert payload == {"name": f"n{seen - 1}", "total": {"amount": 0}}

    assert (seen, source.pulled, ahead) == (COUNT, COUNT, 0)
    assert skipped == len(range(0, COUNT, 7))


def test_render_many_can_stop_early(specs: SpecWriter) -> None:
    plan = specs.plan(SPEC)
    source = Source(COUNT)

    stream = plan.render_many(source, mode="update")
    first = [next(stream) for _ in range(3)]

    assert first == [
        None,
        {"name": "n1", "total": {"amount": 0}},
        {"name": "n2", "total": {"amount": 0}},
    ]
    assert source.pulled == 3
