"""Benchmark: ``capactif alerts`` over 200,000 stored fiches (800,000 events) with the projection.

    .venv/bin/python bench/bench_alerts_scale.py [--count 200000] [--backends sqlite,postgresql]
                                                 [--sqlite-store PATH] [--runs 1]

The store is filled through the store's own write path (``repository.add_fiches``, then three
contacts per fiche appended with :func:`engine.store.repository.append_events`, which keeps the
projection like every write): the seeded synthetic fiches of :mod:`engine.sample`, 85 % with
routing's lead, a fifth of those installed — about 4 events per fiche.  ``--sqlite-store PATH``
reuses (or keeps) a filled SQLite store.  Then, in the same process and on the same data:

* **baselines**: ``SELECT count(*) FROM events`` (the issue's floor), and the bare read of every
  fiche row (one SELECT, rows fetched) — the ratios are against these;
* **alerts** at the data's last day (``--as-of`` today for the data: nothing replayed) and 90 days
  earlier (the fiches changed since are replayed), what ``capactif alerts`` does once the store is
  open (load, the nine checks, sorting, the counts and the ten most urgent alerts said in full), for
  the committee; and at the last day with ``--all`` (every alert said: its sentences, names and
  routing's proposal — an alert says them only when read);
* **replay every history**: the same alerts by replaying every fiche — asserted equal to both runs;
* **the whole command**, as the committee's secretary runs it: ``capactif alerts --db STORE --as
  committee --as-of DAY`` in a process of its own (start-up, the rules, the store opened, the alerts,
  the summary printed), at both days, best of ``--runs`` after a first run that compiles the bytecode
  (a private ``PYTHONPYCACHEPREFIX``, as an installed capactif has its ``.pyc``) and reads the store
  into the page cache — the figure the 5 s target is about.

Prints each time, its ratio to the baselines, and the 5 s target (issue 19) met or not.  Figures go
to docs/performance.md under "Alerts at scale".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Boolean as sa_boolean
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from engine import network, sample
from engine.alerts import AlertFilter, AlertRun, alerts_at
from engine.charter import load_charter
from engine.routing import compile_rules, suggest
from engine.store import access, db, records, repository
from engine.store.schema import events, fiches

END = dt.date(2026, 6, 30)
TARGET = 5.0
COMMITTEE = access.Viewer(access.COMMITTEE)
PG = os.environ.get("CAPACTIF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def prepared(net: Any, count: int) -> list[Any]:
    """The sample with routing's lead on 85 % of the fiches, a fifth of those installed."""
    rng = random.Random(5)
    compiled = compile_rules(net.rules)
    out = []
    for fiche in sample.iter_fiches(net, count, seed=2026, end=END):
        update: dict[str, Any] = {}
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


def fill(url: str, net: Any, items: list[Any]) -> int:
    """Store the fiches (10,000 per transaction) and three contacts each; returns the event count."""
    store = db.open_store(url)
    coordinator = access.Viewer(access.COORDINATOR)
    rng = random.Random(9)
    try:
        for start in range(0, len(items), 10_000):
            batch = items[start : start + 10_000]
            with store.transaction() as conn:
                now = repository.server_now(conn)
                changes = repository.add_fiches(conn, batch, who=coordinator, network=net, at=END, now=now)
                rows, states = [], {}
                for change, fiche in zip(changes, batch, strict=True):
                    span = max((END - fiche.received).days, 1)
                    states[change.fiche] = records.to_dict(fiche)
                    for _ in range(3):
                        at = fiche.received + dt.timedelta(days=rng.randrange(span))
                        rows.append({"fiche_id": change.fiche, "version": 1, "kind": "contact", "at": at,
                                     "recorded_at": now, "by": fiche.lead or fiche.received_by,
                                     "actor": "coordinator", "account": None,
                                     "payload": {"text": "échange", "channel": "phone"}})  # fmt: skip
                repository.append_events(conn, rows, states)
        with store.transaction() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        store.dispose()


#: The tables a filled store's alerts read or verify, copied as they are by :func:`copy_store`.
COPIED = ("fiches", "fiche_supports", "fiche_sequences", "events", "event_chain", "personal_data", "fiche_projection")


def copy_store(source: str, target: str) -> int:
    """Copy a filled SQLite store's rows into an empty migrated PostgreSQL store (COPY, the same rows):
    the write path was measured on SQLite, the read path is what is compared.  Returns the fiches."""
    import sqlite3

    import psycopg

    from engine.store.schema import metadata

    src = sqlite3.connect(source)
    url = make_url(target)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as dst:
        dst.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC times without a zone
        for name in ("event_chain", "fiche_sequences"):  # what the migration wrote (the chain's head)
            dst.execute(f'DELETE FROM "{name}"')
        for name in COPIED:
            table = metadata.tables[name]
            columns = [c.name for c in table.columns]
            flags = [isinstance(c.type, sa_boolean) for c in table.columns]
            quoted = ", ".join(f'"{c}"' for c in columns)
            with dst.cursor().copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {quoted} FROM "{name}"'):
                    copy.write_row([bool(v) if f and v is not None else v for v, f in zip(row, flags, strict=True)])
        dst.commit()
    return int(src.execute("SELECT count(*) FROM fiches").fetchone()[0])


def pg_database() -> tuple[str, Callable[[], None]]:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"capactif_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG).set(database=name).render_as_string(hide_password=False), drop


def stored(url: str) -> int:
    store = db.open_store(url)
    try:
        with store.transaction() as conn:
            return int(conn.execute(select(func.count()).select_from(fiches)).scalar_one())
    finally:
        store.dispose()


#: The figures of the last :func:`measure` of each backend (for :func:`measures`).
FIGURES: dict[str, dict[str, float]] = {}


def migrated(url: str) -> None:
    """Create or upgrade the store's tables (a new PostgreSQL database is empty)."""
    store = db.Store(db.resolve_url(url), db.make_engine(db.resolve_url(url)))
    try:
        db.upgrade(store)
    finally:
        store.dispose()


def measures(quick: bool) -> list[Any]:
    """For bench/run_all.py: alerts today and 90 days back on both backends (``quick``: 5,000 fiches)."""
    from measure import Measure

    count = 5_000 if quick else 200_000
    net = network.load(None)
    items = prepared(net, count)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            drop = None
            url = str(Path(tmp) / "alerts.sqlite") if backend == "sqlite" else ""
            if backend == "postgresql":
                url, drop = pg_database()
            try:
                migrated(url)
                fill(url, net, items)
                measure(backend, url, net, 1)
            finally:
                if drop:
                    drop()
            got = FIGURES[backend]
            for name, label in (
                ("command today", "the whole `capactif alerts` at the data's last day"),
                ("command past", "the whole `capactif alerts` 90 days earlier"),
                ("today", "alerts at the data's last day, once the store is open"),
                ("past", "alerts 90 days earlier, once the store is open"),
            ):
                out.append(
                    Measure(
                        "alerts",
                        f"{backend}: {label} ({count:,} fiches, {count * 4:,} events)",
                        got[name],
                        "s",
                        "SELECT count(*) FROM events",
                        got["count"],
                        f"< {TARGET:g} s at 200,000 fiches",
                        None if quick else got[name] < TARGET,
                    )
                )
    return out


def shown(run: Any) -> Any:
    """What ``capactif alerts`` shows by default once the alerts are computed: the counts per check and
    local network and the ten most urgent alerts, each said in full (an alert says its words when read)."""
    run.counts()
    run.summary()
    return run


def every(run: Any) -> Any:
    """What ``capactif alerts --all`` (or a data format) shows: every alert, each said in full."""
    run.say_all()
    run.counts()
    run.summary()
    for alert in run.alerts:
        alert.to_dict()
    return run


def command_times(url: str, days: dict[str, dt.date], runs: int) -> dict[str, tuple[float, float]]:
    """Best wall time (and that run's CPU time) of ``capactif alerts --db URL --as committee --as-of DAY``
    per name of ``days``, each in a process of its own (see the module docstring)."""
    import shutil

    from bench_startup import LAST_CPU, capactif_command, wall_time

    left_out = ("PYTHONDONTWRITEBYTECODE", "CAPACTIF_DB", "CAPACTIF_AS", "CAPACTIF_RULES")
    env = {k: v for k, v in os.environ.items() if k not in left_out}
    pycache = tempfile.mkdtemp(prefix="capactif-bench-pycache-")
    cwd = tempfile.mkdtemp(prefix="capactif-bench-cwd-")  # no ./rules there: the bundled rules
    env |= {"PYTHONPYCACHEPREFIX": pycache, "CAPACTIF_HOME": str(Path(cwd) / "home")}
    out: dict[str, tuple[float, float]] = {}
    try:
        for name, day in days.items():
            command = [*capactif_command(), "alerts", "--db", url, "--as", "committee", "--as-of", day.isoformat()]
            wall_time(command, env, cwd)  # bytecode compiled, rules cached, the store in the page cache
            for _ in range(runs):
                seconds = wall_time(command, env, cwd)
                if name not in out or seconds < out[name][0]:
                    out[name] = (seconds, LAST_CPU[0])
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        shutil.rmtree(pycache, ignore_errors=True)
    return out


def measure(backend: str, url: str, net: Any, runs: int) -> list[str]:
    """The measures of one backend, as table rows."""
    charter = load_charter(None)
    rules = compile_rules(net.rules)
    store = db.open_store(url)
    past = END - dt.timedelta(days=90)
    out = []
    try:
        with store.transaction(snapshot=True) as conn:
            best: dict[str, float] = {}
            cpu: dict[str, float] = {}
            runs_of: dict[str, Any] = {}
            for _ in range(runs):
                for name, work in (
                    ("count", lambda: conn.execute(select(func.count()).select_from(events)).scalar_one()),
                    ("rows", lambda: conn.execute(select(fiches)).all()),
                    ("today", lambda: shown(alerts_at(conn, net, charter, END, AlertFilter(), COMMITTEE, rules=rules))),
                    ("past", lambda: shown(alerts_at(conn, net, charter, past, AlertFilter(), COMMITTEE, rules=rules))),
                    ("all", lambda: every(alerts_at(conn, net, charter, END, AlertFilter(), COMMITTEE, rules=rules))),
                ):
                    started = time.process_time()
                    result, seconds = timed(work)
                    cpu[name] = min(cpu.get(name, 1e9), time.process_time() - started)
                    runs_of[name] = result
                    best[name] = min(best.get(name, seconds), seconds)
            full_today, replay_s = timed(
                lambda: alerts_at(conn, net, charter, END, AlertFilter(), COMMITTEE, rules=rules, replay_all=True)
            )
            full_past = alerts_at(conn, net, charter, past, AlertFilter(), COMMITTEE, rules=rules, replay_all=True)
    finally:
        store.dispose()
    for name, full in (("today", full_today), ("past", full_past)):
        # the summary shown (read from the checks' findings, only the most urgent made) against the replay's
        # alerts all made and counted one by one; then every alert of the run made and compared
        summary = runs_of[name].summary()
        replayed = AlertRun(full.as_of, full.rules_version, full.fiches, full.alerts, full.filters, full.network_names)
        assert summary == replayed.summary(), f"{backend} {name}: the summary differs from the replay's"
        assert runs_of[name].counts() == replayed.counts(), f"{backend} {name}: the counts differ"
        got = [a.to_dict() for a in runs_of[name].alerts]
        assert got == [a.to_dict() for a in full.alerts], f"{backend} {name}: the projection's alerts differ"
        assert runs_of[name].fiches == full.fiches
    commands = command_times(url, {"today": END, "past": past}, runs)
    fiches_n = runs_of["today"].fiches
    count, rows = best["count"], best["rows"]
    FIGURES[backend] = {"count": count, "rows": rows, "today": best["today"], "past": best["past"]}
    FIGURES[backend] |= {f"command {name}": seconds for name, (seconds, _cpu) in commands.items()}
    events_n = runs_of["count"]
    out.append(f"| {backend} | baseline: SELECT count(*) FROM events ({events_n:,} events) | {count:.3f} s | 1 | |")
    out.append(f"| {backend} | baseline: bare read of every fiche row ({fiches_n:,}) | {rows:.2f} s | "
               f"{rows / count:.0f} | |")  # fmt: skip
    for name, label in (
        ("today", f"alerts at {END}"),
        ("past", f"alerts at {past} (90 days earlier)"),
        ("all", f"alerts at {END}, --all (every alert said)"),
    ):
        seconds = best[name]
        run = runs_of[name]
        met = "met" if seconds < TARGET else "**not met**"
        ratio = f"{seconds / count:.0f} ({seconds / rows:.1f}× the bare read)"
        out.append(f"| {backend} | {label}: {len(run.alerts):,} alerts | **{seconds:.2f} s** (CPU of this process "
                   f"{cpu[name]:.2f} s) | {ratio} | "
                   f"< {TARGET:.0f} s: {met} |")  # fmt: skip
    for name, day in (("today", END), ("past", past)):
        seconds, used = commands[name]
        met = "met" if seconds < TARGET else "**not met**"
        out.append(f"| {backend} | the whole command `capactif alerts --as committee --as-of {day}` | "
                   f"**{seconds:.2f} s** (CPU of the process {used:.2f} s) | {seconds / count:.0f} | "
                   f"< {TARGET:.0f} s: {met} |")  # fmt: skip
    out.append(f"| {backend} | replay every history (reference; same alerts asserted) | {replay_s:.1f} s | "
               f"{replay_s / count:.0f} ({replay_s / best['today']:.1f}× alerts today) | |")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sqlite-store", default=None, help="reuse (or fill and keep) this SQLite store")
    parser.add_argument("--pg-url", default=None, help="reuse (or fill and keep) this PostgreSQL database")
    parser.add_argument("--fill-only", action="store_true", help="fill the stores, measure nothing")
    parser.add_argument(
        "--pg-from-sqlite", action="store_true", help="fill PostgreSQL by copying the SQLite store's rows (COPY)"
    )
    parser.add_argument("--runs", type=int, default=1, help="best of N for each measure")
    args = parser.parse_args()
    net = network.load(None)
    print(f"{dt.date.today()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")  # fmt: skip
    items: list[Any] | None = None
    table = ["| backend | measure | time | × count(*) | target |", "|---|---|---:|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            drop = None
            if backend == "sqlite":
                url = args.sqlite_store or str(Path(tmp) / "alerts.sqlite")
            elif args.pg_url:
                url = args.pg_url
            else:
                url, drop = pg_database()
            try:
                migrated(url)
                if backend == "postgresql" and args.pg_from_sqlite and args.sqlite_store and stored(url) == 0:
                    copied, seconds = timed(lambda: copy_store(args.sqlite_store, url))  # noqa: B023
                    print(f"{backend}: copied {copied:,} fiches from {args.sqlite_store} in {seconds:.0f} s")
                if (backend == "sqlite" and not Path(url).exists()) or stored(url) == 0:
                    if items is None:
                        items, seconds = timed(lambda: prepared(net, args.count))
                        print(f"prepared {len(items):,} synthetic fiches in {seconds:.0f} s")
                    start = time.perf_counter()
                    total = fill(url, net, items)
                    seconds = time.perf_counter() - start
                    print(f"{backend}: filled {len(items):,} fiches, {total:,} events in {seconds:.0f} s")
                if not args.fill_only:
                    table += measure(backend, url, net, args.runs)
            finally:
                if drop:
                    drop()
    print("\n".join(table))


if __name__ == "__main__":
    main()
