"""The state file's lock lets a sync's writers in first: a thread inside ``first()`` waiting
for it gets it at the next release, ahead of every other thread queued before it."""

from __future__ import annotations

import threading

from engine.run.state.mutex import FIRST_IN_A_ROW, StateMutex

from .conftest import eventually


def test_a_thread_inside_first_goes_before_the_threads_queued_ahead_of_it() -> None:
    mutex = StateMutex()
    order: list[str] = []

    def take(name: str, first: bool) -> None:
        _append_holding(mutex, first, order, name)

    holder = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with mutex.held():
            holder.set()
            assert release.wait(10)

    threads = [threading.Thread(target=hold)]
    threads[0].start()
    assert holder.wait(10)
    for n in range(3):
        threads.append(threading.Thread(target=take, args=(f"other{n}", False)))
        threads[-1].start()
    assert eventually(lambda: mutex.waiting == (0, 3), within=10)
    threads.append(threading.Thread(target=take, args=("writer", True)))
    threads[-1].start()
    assert eventually(lambda: mutex.waiting == (1, 3), within=10)
    release.set()
    for thread in threads:
        thread.join(10)

    assert order[0] == "writer"
    assert sorted(order[1:]) == ["other0", "other1", "other2"]
    assert mutex.waiting == (0, 0)


def test_the_lock_is_reentrant_and_first_ends_with_its_block() -> None:
    mutex = StateMutex()
    with mutex.first(), mutex.held(), mutex.held():
        pass
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(_take(mutex)))
    thread.start()
    thread.join(10)
    assert got == [True]  # released fully: another thread gets it


def _append_holding(mutex: StateMutex, first: bool, order: list[str], name: str) -> None:
    """Take the lock (as a writer when ``first``) and note the turn."""
    if first:
        with mutex.first(), mutex.held():
            order.append(name)
    else:
        with mutex.held():
            order.append(name)


def _take(mutex: StateMutex) -> bool:
    with mutex.held():
        return True


def test_first_threads_cannot_hold_the_others_off_for_more_than_a_few_turns() -> None:
    """The lock is handed over in turn: FIRST_IN_A_ROW first threads, then a waiting other."""
    mutex = StateMutex()
    order: list[str] = []
    holder, release = threading.Event(), threading.Event()

    def hold() -> None:
        with mutex.held():
            holder.set()
            assert release.wait(10)

    def take(name: str, first: bool) -> None:
        _append_holding(mutex, first, order, name)

    threads = [threading.Thread(target=hold)]
    threads[0].start()
    assert holder.wait(10)
    queued = [("other", False)] + [(f"first{n}", True) for n in range(FIRST_IN_A_ROW + 2)]
    for count, (name, first) in enumerate(queued, start=1):
        threads.append(threading.Thread(target=take, args=(name, first)))
        threads[-1].start()
        assert eventually(lambda n=count: sum(mutex.waiting) == n, within=10)
    release.set()
    for thread in threads:
        thread.join(10)

    firsts = [f"first{n}" for n in range(FIRST_IN_A_ROW + 2)]
    assert order == [*firsts[:FIRST_IN_A_ROW], "other", *firsts[FIRST_IN_A_ROW:]]
