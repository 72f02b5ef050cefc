"""Group commit of the access log (engine.store.group, Store.append): threads of one process that log
at the same moment share one INSERT, yet each caller returns only once its own rows are committed, and
one caller's failing rows never fail another's.  On both backends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from engine.store.group import MAX_ROWS, GroupInsert
from engine.store.schema import fiche_sequences


def _years(store) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.execute(select(fiche_sequences.c.year)).scalars())


class Gate:
    """A ``connect`` for GroupInsert whose first write waits until released; counts the statements."""

    def __init__(self, store) -> None:
        self.store = store
        self.entered = threading.Event()
        self.release = threading.Event()
        self.statements = 0

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        first = not self.entered.is_set()
        self.entered.set()
        if first:
            assert self.release.wait(30)
        with self.store.one_statement() as conn:
            self.statements += 1
            yield conn


def _run(group: GroupInsert, rows: list[dict], errors: dict[int, BaseException], key: int) -> None:
    try:
        group.insert(rows)
    except Exception as exc:
        errors[key] = exc


def _wait_pending(group: GroupInsert, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(group._pending) < count:
        assert time.monotonic() < deadline, "the callers never queued"
        time.sleep(0.001)


def _while_first_writes(store, first: list[dict], batch: list[list[dict]], during=None) -> tuple[Gate, dict]:
    """The first caller's write held at the gate while ``batch``'s callers queue; then all are let through.
    ``during`` runs once they have all queued, before the gate opens.  The gate and each caller's error."""
    gate = Gate(store)
    group = GroupInsert(fiche_sequences, gate.connect)
    errors: dict[int, BaseException] = {}
    threads = [threading.Thread(target=_run, args=(group, first, errors, 0))]
    threads[0].start()
    assert gate.entered.wait(30)
    threads += [threading.Thread(target=_run, args=(group, rows, errors, n + 1)) for n, rows in enumerate(batch)]
    for thread in threads[1:]:
        thread.start()
    _wait_pending(group, len(batch))
    if during is not None:
        during()
    gate.release.set()
    for thread in threads:
        thread.join(30)
    return gate, errors


def test_callers_arriving_during_a_write_share_the_next_statement(store):
    def nothing_written_yet() -> None:
        assert _years(store).isdisjoint(range(2101, 2107))

    batch = [[{"year": 2102 + n, "last": n}] for n in range(5)]
    gate, errors = _while_first_writes(store, [{"year": 2101, "last": 0}], batch, nothing_written_yet)
    assert errors == {}
    assert set(range(2101, 2107)) <= _years(store)
    assert gate.statements == 2  # the first caller's write, then the five waiting callers' together


def test_a_failing_caller_does_not_fail_the_others_in_its_batch(store):
    batch = [
        [{"year": 2112, "last": 0}],
        [{"year": 2113, "last": 0}, {"year": 2111, "last": 1}],  # 2111 again: this caller's rows fail
        [{"year": 2114, "last": 0}],
    ]
    _gate, errors = _while_first_writes(store, [{"year": 2111, "last": 0}], batch)
    assert set(errors) == {2} and isinstance(errors[2], IntegrityError)
    years = _years(store)
    assert {2111, 2112, 2114} <= years
    assert 2113 not in years  # the failing caller's rows: all or nothing


def test_a_lone_failure_is_the_callers_own(store):
    store.append(fiche_sequences, [{"year": 2121, "last": 0}])
    with pytest.raises(IntegrityError):
        store.append(fiche_sequences, [{"year": 2122, "last": 0}, {"year": 2121, "last": 1}])
    assert 2121 in _years(store) and 2122 not in _years(store)
    with pytest.raises(ValueError):
        store.append(fiche_sequences, [{"year": 2200 + n, "last": 0} for n in range(MAX_ROWS + 1)])
    with pytest.raises(ValueError):  # one statement names one list of columns
        store.append(fiche_sequences, [{"year": 2123, "last": 0}, {"last": 0, "year": 2124}])
    assert _years(store).isdisjoint({2123, 2124})


def test_many_threads_logging_at_once_lose_no_line(store):
    """16 threads × 10 appends of 3 rows: every row written once, whatever the grouping."""
    errors: dict[int, BaseException] = {}

    def worker(n: int) -> None:
        try:
            for k in range(10):
                base = 3000 + n * 100 + k * 3
                store.append(fiche_sequences, [{"year": base + i, "last": n} for i in range(3)])
        except Exception as exc:
            errors[n] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == {}
    with store.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(fiche_sequences).where(fiche_sequences.c.year >= 3000)
        ).scalar_one()
    assert count == 16 * 10 * 3
