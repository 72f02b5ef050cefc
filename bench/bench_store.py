"""Benchmark of the store: importing fiches and `fiche list` with filters, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_store.py [--count 100000] [--backends sqlite,postgresql]

For each backend: ``capactif fiche import`` of a CSV of COUNT synthetic fiches (engine/sample.py),
end to end (read, validate, allocate ids, store fiches, supports and ``created`` events, one
transaction), next to a baseline in the same run: a bare ``INSERT`` of the same fiche rows alone (no
validation, no events).  Then ``fiche list`` with filters, in rows per second, next to a baseline
reading every fiche row with one bare ``SELECT``.  PostgreSQL uses a database created for the run
and dropped after.  Figures go to docs/performance.md under "Store".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measure, at_least_rate, reference

from engine import network, sample
from engine.app import Workspace
from engine.app import fiches as fiche_cases
from engine.identity import Identity
from engine.output import to_csv
from engine.store import db, queries, records
from engine.store.exporting import COLUMNS, flat
from engine.store.schema import fiches

PG = os.environ.get("CAPACTIF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
END = dt.date(2026, 6, 30)


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


#: CPU seconds of this process in the last :func:`import_csv` and bare INSERT (the database server's own
#: work on PostgreSQL is not in it): on a shared machine it varies far less with the load than wall time.
LAST_CPU = {"import": 0.0, "insert": 0.0}


def pg_database() -> tuple[str, callable]:  # type: ignore[valid-type]
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"capactif_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG).set(database=name).render_as_string(hide_password=False), drop


def fresh(url: str) -> None:
    url = db.resolve_url(url)
    store = db.Store(url, db.make_engine(url))
    db.upgrade(store)
    store.dispose()


def import_csv(url: str, csv_path: Path) -> int:
    """What ``capactif fiche import FILE --as coordinator`` does once its workspace is open; fiches stored."""
    with Workspace.open(db=url) as ws:
        ws.network  # noqa: B018 - the rules are loaded before the clock starts, as for any command
        ws.store  # noqa: B018
        start, cpu = time.perf_counter(), time.process_time()
        done = fiche_cases.import_file(ws, Identity("coordinator"), csv_path)
        LAST_CPU["import"] = time.process_time() - cpu
        return len(done.changes), time.perf_counter() - start  # type: ignore[return-value]


def bench_backend(backend: str, csv_path: Path, rows: list[dict], workdir: Path, count: int,
                  lists: bool = True) -> tuple[float, float, float, float]:  # fmt: skip
    """Import rate and bare-INSERT rate (rows/s) on ``backend``, then both per CPU second of this process;
    then the list timings when ``lists``."""
    drops = []
    if backend == "sqlite":
        url, baseline_url = str(workdir / "bench.sqlite"), str(workdir / "baseline.sqlite")
    else:
        url, drop = pg_database()
        baseline_url, drop2 = pg_database()
        drops = [drop, drop2]
    try:
        fresh(url)
        fresh(baseline_url)
        stored, seconds = import_csv(url, csv_path)
        assert stored == count
        base = db.open_store(baseline_url)
        cpu = time.process_time()
        with base.transaction() as conn:
            _, base_seconds = timed(lambda: conn.execute(insert(fiches), rows))
        LAST_CPU["insert"] = time.process_time() - cpu
        base.dispose()
        print(
            f"{backend:<10} import      {count:>7} fiches  {seconds:7.2f} s  {count / seconds:>9,.0f} rows/s   "
            f"bare INSERT {count / base_seconds:>9,.0f} rows/s   ratio {base_seconds / seconds:.2f}   CPU of this "
            f"process: import {count / LAST_CPU['import']:,.0f} rows/s, bare INSERT {count / LAST_CPU['insert']:,.0f}"
        )
        cpu_rates = (count / LAST_CPU["import"], count / LAST_CPU["insert"])
        if not lists:
            return count / seconds, count / base_seconds, *cpu_rates
        store = db.open_store(url)
        net = network.load(None)
        with store.transaction() as conn:
            _, scan = timed(lambda: conn.execute(select(fiches)).all())
            print(f"{backend:<10} bare SELECT of every fiche row  {count / scan:>11,.0f} rows/s")
            cases = {
                "no filter": queries.ListFilter(),
                "--stage idea": queries.ListFilter(stages=["idea"]),
                "--network ambert": queries.ListFilter(network="ambert"),
                "--commune 63430": queries.ListFilter(commune="63430"),
                "--lead cma-63 (none: no lead yet)": queries.ListFilter(lead="cma-63"),
                "--received-from/to (1 month)": queries.ListFilter(
                    received_from=dt.date(2026, 1, 1), received_to=dt.date(2026, 1, 31)
                ),
                "--network thiers --no-lead": queries.ListFilter(network="thiers", no_lead=True),
            }
            for name, flt in cases.items():
                found, seconds = timed(lambda flt=flt: service_rows(conn, flt.check(net)))
                print(
                    f"{backend:<10} list {name:<34} {found:>7} rows  {seconds * 1000:8.1f} ms  "
                    f"{found / seconds:>9,.0f} rows/s"
                )
        store.dispose()
        return count / seconds, count / base_seconds, *cpu_rates
    finally:
        for drop in drops:
            drop()


def service_rows(conn, flt) -> int:
    """What `fiche list --format json` does after opening the store: stored fiches as dicts."""
    return sum(1 for _ in queries.iter_fiches(conn, flt))


def run(count: int, backends: list[str], lists: bool = True) -> dict[str, tuple[float, float, float, float]]:
    """Per backend: (import rows/s, bare INSERT rows/s, the same two per CPU second of this process), on
    ``count`` synthetic fiches."""
    net = network.load(None)
    items, seconds = timed(lambda: sample.generate(net, count, seed=7, end=END))
    python = sys.version.split()[0]
    print(f"generated {count} synthetic fiches in {seconds:.1f} s ({os.cpu_count()} CPUs, Python {python})")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "fiches.csv"
        dicts = [records.to_dict(f) for f in items]
        csv_path.write_text(to_csv((flat(d) for d in dicts), COLUMNS), encoding="utf-8")
        now = dt.datetime.now(dt.UTC)
        rows = []
        counters: dict[int, int] = {}
        for d in dicts:
            year = int(d["received"][:4])
            counters[year] = counters.get(year, 0) + 1
            row = records.to_row(d)
            row.update(id=records.format_id(year, counters[year]), year=year, number=counters[year], local_network=None,
                       orphan=False, version=1, created_at=now, updated_at=now)  # fmt: skip
            rows.append(row)
        return {backend: bench_backend(backend, csv_path, rows, workdir, count, lists) for backend in backends}


def measures(quick: bool = False) -> list[Measure]:
    """``fiche import`` of 100,000 CSV rows (20,000 with ``quick``) on both backends, for run_all.py."""
    count = 20_000 if quick else 100_000
    found = run(count, ["sqlite", "postgresql"], lists=False)
    out = []
    for backend, (rate, base, cpu_rate, cpu_base) in found.items():
        name = f"fiche import, {count:,} CSV rows, {backend}"
        out.append(at_least_rate("store", name, rate, 20_000, "bare INSERT", base))
        out.append(reference("store", f"{name} (CPU of this process)", cpu_rate, "/s", "bare INSERT", cpu_base))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    run(args.count, args.backends.split(","))


if __name__ == "__main__":
    main()
