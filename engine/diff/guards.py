"""Record guards compared by meaning: matched by name, else by what they test.

Why a module: record guards are a conjunction, so their order does not change which records
sync — except that the first failing guard decides between skipping a record and holding it
(``on_fail: hold``) and names the reason. So guards are matched (by name; then unnamed or
renamed ones by their normalised expression; then a lone leftover on each side as an edit),
a change to an expression says whether it loosened or tightened when that can be told from
its terms, and a reordering is reported only when it changes skip-versus-hold.
"""

from __future__ import annotations

from typing import Any

from engine.check.specfile import Document
from engine.diff import normal
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.source import JsonPath

Guard = tuple[dict[str, Any], JsonPath]
_EFFECT = {"tightened": ", fewer records sync", "loosened": ", more records sync"}


def _guards(doc: Document) -> list[Guard]:
    items = doc.data.get("when") or []
    return [(g if isinstance(g, dict) else {"expr": g}, ("when", i)) for i, g in enumerate(items)]


def _terms(guard: Guard) -> frozenset[str]:
    return normal.guard_terms(guard[0]["expr"])


def _subject(node: dict[str, Any]) -> str:
    return f"record guard '{node['name']}'" if node.get("name") else "record guard"


def match(olds: list[Guard], news: list[Guard]) -> list[tuple[Guard | None, Guard | None]]:
    """Pairs (old, new); ``None`` on one side for a guard added or removed."""
    left, right = list(olds), list(news)
    pairs: list[tuple[Guard | None, Guard | None]] = []
    passes = (
        lambda a, b: a[0].get("name") is not None and a[0].get("name") == b[0].get("name"),
        lambda a, b: _terms(a) == _terms(b),
    )
    for same in passes:
        for b in list(right):
            found = next((a for a in left if same(a, b)), None)
            if found is not None:
                pairs.append((found, b))
                left.remove(found)
                right.remove(b)
    if len(left) == 1 and len(right) == 1:
        pairs.append((left.pop(), right.pop()))
    pairs += [(a, None) for a in left] + [(None, b) for b in right]
    return pairs


class GuardComparer(Comparer):
    """The changes between the record guards of two Mapping documents."""

    def add(
        self,
        severity: Severity,
        category: Category,
        node: dict[str, Any],
        summary: str,
        before: Any,
        after: Any,
        paths: tuple[JsonPath | None, JsonPath | None],
    ) -> None:
        self.record(
            severity,
            category,
            _subject(node),
            summary,
            before,
            after,
            paths,
            cosmetic=severity is Severity.INFO,
        )

    def run(self) -> list[Change]:
        pairs = match(_guards(self.old), _guards(self.new))
        for a, b in pairs:
            if a is not None and b is not None:
                self.pair(a, b)
            elif b is not None:
                self.add(
                    Severity.RISKY,
                    Category.GUARD,
                    b[0],
                    "added: tightened, fewer records sync",
                    ABSENT,
                    b[0]["expr"],
                    (None, b[1]),
                )
            elif a is not None:
                self.add(
                    Severity.RISKY,
                    Category.GUARD,
                    a[0],
                    "removed: loosened, more records sync",
                    a[0]["expr"],
                    ABSENT,
                    (a[1], None),
                )
        self.order([(a, b) for a, b in pairs if a is not None and b is not None])
        return self.changes

    def pair(self, a: Guard, b: Guard) -> None:
        (x, xp), (y, yp) = a, b
        before, after = _terms(a), _terms(b)
        if before != after:
            relation = normal.guard_relation(before, after)
            self.add(
                Severity.RISKY,
                Category.GUARD,
                y,
                f"{relation}{_EFFECT.get(relation, '')}",
                x["expr"],
                y["expr"],
                ((*xp, "expr"), (*yp, "expr")),
            )
        on_a, on_b = x.get("on_fail", "skip"), y.get("on_fail", "skip")
        if on_a != on_b:
            what = (
                "now holds a failing record (retried on every run) instead of skipping it"
                if on_b == "hold"
                else "now skips a failing record instead of holding it"
            )
            self.add(
                Severity.RISKY,
                Category.GUARD,
                y,
                what,
                on_a,
                on_b,
                ((*xp, "on_fail"), (*yp, "on_fail")),
            )
        for key, what in (("name", "guard name"), ("reason", "skip reason")):
            if x.get(key, ABSENT) != y.get(key, ABSENT):
                self.add(
                    Severity.INFO,
                    Category.DESCRIPTION,
                    y,
                    f"{what} changed",
                    x.get(key, ABSENT),
                    y.get(key, ABSENT),
                    ((*xp, key), (*yp, key)),
                )

    def order(self, pairs: list[tuple[Guard, Guard]]) -> None:
        """Report guards whose order flipped when one holds and the other skips: a record
        failing both is decided by the first."""
        by_old = sorted(pairs, key=lambda p: p[0][1])
        for i, (_, first) in enumerate(by_old):
            for _, second in by_old[i + 1 :]:
                flipped = second[1] < first[1]
                differ = first[0].get("on_fail", "skip") != second[0].get("on_fail", "skip")
                if flipped and differ:
                    decides = second[0].get("on_fail", "skip")
                    names = f"{_subject(first[0])} and {_subject(second[0])}"
                    self.add(
                        Severity.RISKY,
                        Category.GUARD,
                        second[0],
                        f"moved before {_subject(first[0])}: a record failing both "
                        f"({names}) is now {'held' if decides == 'hold' else 'skipped'}",
                        first[1][1],
                        second[1][1],
                        (None, second[1]),
                    )
