"""Benchmark: ``capactif alerts`` over 200,000 stored fiches, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_alerts.py [--count 200000] [--backends sqlite,postgresql]

The store is filled with the seeded synthetic fiches of :mod:`engine.sample` (``fiche add`` without
suggestion: one ``created`` event each), 85 % of them with routing's lead, a fifth of those
installed, plus three contact events per fiche written with one bulk INSERT (realistic histories:
about 4 events per fiche).  Then, in the same run and on the same data:

* ``alerts`` — what the command does (set-based load at ``as_of``, every check), in fiches/s;
* ``replay all`` — the same alerts computed by replaying every fiche's history (the obvious
  implementation, and the reference the fast path is tested against), with the ratio;
* ``bare reads`` — the floor: one SELECT of every fiche row plus one GROUP BY over the events.

Figures go to docs/performance.md under "Alerts".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import fresh, pg_database, timed
from sqlalchemy import func, insert, select

from engine import network, sample
from engine.alerts import AlertFilter, alerts_at
from engine.charter import load_charter
from engine.routing import compile_rules, suggest
from engine.store import access, db, repository
from engine.store.schema import events, fiches

END = dt.date(2026, 6, 30)
COMMITTEE = access.Viewer(access.COMMITTEE)


def prepared(net, count: int) -> list:
    """The sample with routing's lead on 85 % of the fiches, a fifth of those installed."""
    rng = random.Random(5)
    compiled = compile_rules(net.rules)
    out = []
    for fiche in sample.iter_fiches(net, count, seed=2026, end=END):
        update = {}
        if rng.random() < 0.85:
            found = suggest(fiche, compiled)
            if found.lead is not None:
                update["lead"] = found.lead.structure
                update["supporting"] = [s.structure for s in found.supporting]
                installed = fiche.received + dt.timedelta(days=rng.randrange(30, 200))
                if rng.random() < 0.2 and installed <= END:
                    update |= {"stage": "installed", "installed_on": installed}
        out.append(fiche.model_copy(update=update) if update else fiche)
    return out


def fill(url: str, net, items: list) -> int:
    """Store the fiches (one transaction per 10,000) and three contacts each; returns the event count."""
    store = db.open_store(url)
    coordinator = access.Viewer(access.COORDINATOR)
    rng = random.Random(9)
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(items), 10_000):
        batch = items[start : start + 10_000]
        with store.transaction() as conn:
            changes = repository.add_fiches(conn, batch, who=coordinator, network=net, at=END)
            rows = []
            for change, fiche in zip(changes, batch, strict=True):
                span = max((END - fiche.received).days, 1)
                for _ in range(3):
                    at = fiche.received + dt.timedelta(days=rng.randrange(span))
                    rows.append({"fiche_id": change.fiche, "version": 1, "kind": "contact", "at": at,
                                 "recorded_at": now, "by": fiche.lead or fiche.received_by,
                                 "payload": {"text": "échange", "channel": "phone"}})  # fmt: skip
            conn.execute(insert(events), rows)
    with store.transaction() as conn:
        total = conn.execute(select(func.count()).select_from(events)).scalar_one()
    store.dispose()
    return total


def bench_backend(backend: str, net, items: list, workdir: Path) -> None:
    drop = None
    if backend == "sqlite":
        url = str(workdir / "alerts.sqlite")
    else:
        url, drop = pg_database()
    try:
        fresh(url)
        total, seconds = timed(lambda: fill(url, net, items))
        print(f"{backend:<10} filled {len(items):,} fiches, {total:,} events in {seconds:.0f} s")
        charter = load_charter(None)
        store = db.open_store(url)
        with store.transaction() as conn:
            _bare, floor = timed(lambda: (conn.execute(select(fiches)).all(), conn.execute(
                select(events.c.fiche_id, func.max(events.c.at)).group_by(events.c.fiche_id)).all()))  # fmt: skip
            run, fast = timed(lambda: alerts_at(conn, net, charter, END, AlertFilter(), COMMITTEE))
            past, past_s = timed(lambda: alerts_at(conn, net, charter, END - dt.timedelta(days=90), AlertFilter()))
            slow_run, slow = timed(
                lambda: alerts_at(conn, net, charter, END, AlertFilter(), COMMITTEE, replay_all=True)
            )
        store.dispose()
        assert [a.to_dict() for a in run.alerts] == [a.to_dict() for a in slow_run.alerts]
        n = run.fiches
        counts = run.counts()["by_check"]
        print(f"{backend:<10} alerts at {END}        {fast:6.1f} s  {n / fast:>9,.0f} fiches/s  "
              f"({len(run.alerts):,} alerts: {', '.join(f'{k} {v}' for k, v in counts.items() if v)})")  # fmt: skip
        print(f"{backend:<10} alerts 90 days earlier  {past_s:6.1f} s  {past.fiches / past_s:>9,.0f} fiches/s  "
              f"(fiches with later events replayed)")  # fmt: skip
        print(f"{backend:<10} replay every history    {slow:6.1f} s  {n / slow:>9,.0f} fiches/s  "
              f"(fast path {slow / fast:.1f}x faster, same alerts)")  # fmt: skip
        print(f"{backend:<10} bare reads (floor)      {floor:6.1f} s  {n / floor:>9,.0f} fiches/s  "
              f"(alerts cost {fast / floor:.1f}x the bare reads)")  # fmt: skip
    finally:
        if drop:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    net = network.load(None)
    items, seconds = timed(lambda: prepared(net, args.count))
    print(f"prepared {len(items):,} synthetic fiches in {seconds:.0f} s ({os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]})")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            bench_backend(backend, net, items, Path(tmp))


if __name__ == "__main__":
    main()
