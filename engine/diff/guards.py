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

from engine.diff import normal
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.source import JsonPath
from engine.model.nodes import Guard

_EFFECT = {"tightened": ", fewer records sync", "loosened": ", more records sync"}


def _terms(guard: Guard) -> frozenset[str]:
    return normal.guard_terms(guard.expr.text)


def _subject(node: Guard) -> str:
    return f"record guard '{node.name}'" if node.name else "record guard"


def _given(value: str | None) -> Any:
    return ABSENT if value is None else value


def match(olds: list[Guard], news: list[Guard]) -> list[tuple[Guard | None, Guard | None]]:
    """Pairs (old, new); ``None`` on one side for a guard added or removed."""
    left, right = list(olds), list(news)
    pairs: list[tuple[Guard | None, Guard | None]] = []
    passes = (
        lambda a, b: a.name is not None and a.name == b.name,
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
        node: Guard,
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
        pairs = match(list(self.old.mapping.guards), list(self.new.mapping.guards))
        for a, b in pairs:
            if a is not None and b is not None:
                self.pair(a, b)
            elif b is not None:
                self.add(
                    Severity.RISKY,
                    Category.GUARD,
                    b,
                    "added: tightened, fewer records sync",
                    ABSENT,
                    b.expr.text,
                    (None, b.path),
                )
            elif a is not None:
                self.add(
                    Severity.RISKY,
                    Category.GUARD,
                    a,
                    "removed: loosened, more records sync",
                    a.expr.text,
                    ABSENT,
                    (a.path, None),
                )
        self.order([(a, b) for a, b in pairs if a is not None and b is not None])
        return self.changes

    def pair(self, x: Guard, y: Guard) -> None:
        xp, yp = x.path, y.path
        before, after = _terms(x), _terms(y)
        if before != after:
            relation = normal.guard_relation(before, after)
            self.add(
                Severity.RISKY,
                Category.GUARD,
                y,
                f"{relation}{_EFFECT.get(relation, '')}",
                x.expr.text,
                y.expr.text,
                ((*xp, "expr"), (*yp, "expr")),
            )
        on_a, on_b = x.on_fail, y.on_fail
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
        for key, what, a, b in (
            ("name", "guard name", x.name, y.name),
            ("reason", "skip reason", x.reason, y.reason),
        ):
            if a != b:
                self.add(
                    Severity.INFO,
                    Category.DESCRIPTION,
                    y,
                    f"{what} changed",
                    _given(a),
                    _given(b),
                    ((*xp, key), (*yp, key)),
                )

    def order(self, pairs: list[tuple[Guard, Guard]]) -> None:
        """Report guards whose order flipped when one holds and the other skips: a record
        failing both is decided by the first."""
        by_old = sorted(pairs, key=lambda p: p[0].path)
        for i, (_, first) in enumerate(by_old):
            for _, second in by_old[i + 1 :]:
                flipped = second.path < first.path
                if flipped and first.on_fail != second.on_fail:
                    decides = second.on_fail
                    names = f"{_subject(first)} and {_subject(second)}"
                    self.add(
                        Severity.RISKY,
                        Category.GUARD,
                        second,
                        f"moved before {_subject(first)}: a record failing both "
                        f"({names}) is now {'held' if decides == 'hold' else 'skipped'}",
                        first.path[1],
                        second.path[1],
                        (None, second.path),
                    )
