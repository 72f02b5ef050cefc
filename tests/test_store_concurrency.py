"""Two technicians at once, with real concurrent connections: no lost update, no duplicate id."""

from __future__ import annotations

import threading

import pytest

from engine.errors import ConflictError
from engine.fiche import Fiche
from engine.store import access, queries, repository
from engine.store.verify import verify

CMA = access.Viewer("cma-63")


def make(network, **fields) -> Fiche:
    data = {"received": "2026-03-02", "commune": "63003", "kind": "creation", "naf": "10.71C"}
    return Fiche.model_validate({**data, **fields}, context=network.fiche_context())


def test_the_second_writer_gets_a_conflict(store, network, english):
    """Both read version 1; the first commit wins; the second gets ConflictError and writes nothing."""
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [make(network)], who=CMA, network=network)
    fid = change.fiche
    with pytest.raises(ConflictError) as exc, store.transaction(fid) as second:
        seen = queries.get(second, fid)
        with store.transaction(fid) as first:
            repository.assign_fiche(first, fid, who=CMA, network=network, lead="cma-63", expected_version=1)
        repository.assign_fiche(second, fid, who=CMA, network=network, lead="cci-ambert", expected_version=seen.version)
    assert str(exc.value) == (
        f"fiche {fid} was changed by someone else since you read it; nothing was written: run the command again"
    )
    with store.transaction() as conn:
        stored = queries.get(conn, fid)
        assert (stored.fiche["lead"], stored.version) == ("cma-63", 2)
        assert verify(conn).differences == []


def test_concurrent_assigns_never_lose_an_update(store, network):
    """Threads that read the same version then write: exactly one wins, the others get ConflictError."""
    coordinator = access.Viewer(access.COORDINATOR)
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [make(network)], who=coordinator, network=network)
    fid = change.fiche
    structures = ["cma-63", "cci-ambert", "adret", "adie"]
    barrier = threading.Barrier(len(structures), timeout=60)
    outcomes: dict[str, str] = {}

    def worker(sid: str) -> None:
        try:
            with store.transaction(fid) as conn:
                seen = queries.get(conn, fid)
                barrier.wait()
                repository.assign_fiche(
                    conn, fid, who=coordinator, network=network, supports=[sid], expected_version=seen.version
                )
            outcomes[sid] = "won"
        except ConflictError:
            outcomes[sid] = "lost"
        except BaseException as exc:  # reported by the assertion below, never swallowed
            outcomes[sid] = repr(exc)

    threads = [threading.Thread(target=worker, args=(sid,)) for sid in structures]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["lost", "lost", "lost", "won"]
    with store.transaction() as conn:
        stored = queries.get(conn, fid)
        assert verify(conn).differences == []
    winner = next(sid for sid, outcome in outcomes.items() if outcome == "won")
    assert (stored.version, stored.fiche["supporting"]) == (2, [winner])


def test_concurrent_adds_get_distinct_ids(store, network):
    """Fiches added at the same time from several connections get distinct, gapless ids."""
    barrier = threading.Barrier(4)
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            with store.transaction() as conn:
                changes = repository.add_fiches(conn, [make(network) for _ in range(5)], who=CMA, network=network)
            with lock:
                ids.extend(c.fiche for c in changes)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(ids) == [f"F-2026-{n:04d}" for n in range(1, 21)]
