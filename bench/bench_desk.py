"""Benchmark: the technician's desk over HTTP, 100,000 stored fiches, 20 concurrent clients, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_desk.py [--count 100000] [--clients 20] [--seconds 30]
                                         [--backends sqlite,postgresql] [--workers 2] [--threads N]

The store is filled with the seeded synthetic fiches of :mod:`engine.sample`, each recorded with
routing's suggestion (``fiche_suggestions`` filled as ``fiche add`` fills it), 85 % of them taken in
charge by the suggested référent, plus three contacts each.  ``capactif serve`` then runs in its own
process on 127.0.0.1; ``--clients`` threads, each with the signed-in session of a technician of
``cma-63`` (the largest caseload: every artisan of Puy-de-Dôme), request for ``--seconds``, in turn:

* ``home``            the home page, signed in — the baseline (session lookup + one template);
* ``desk``            "À traiter" (first page of the open requests, oldest first);
* ``fiche list``      "Mes fiches" (counts by stage, first page with each fiche's alerts);
* ``fiche page``      one fiche of the caseload (suggestion, timeline, actions allowed);
* ``live suggestion`` the form's suggestion for a commune, a kind, an activity and needs.

Each line prints p50 and p95 in milliseconds and the ratio of p95 to the baseline's p95, measured in
the same run.  Lists are always paginated (20 rows).  Figures go to docs/performance.md ("Desk").
Never a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# CAPACTIF_BENCH_ROOT: the checkout whose engine is measured (another worktree for a before/after run).
sys.path.insert(0, os.environ.get("CAPACTIF_BENCH_ROOT", str(Path(__file__).resolve().parent.parent)))

from sqlalchemy import Integer, create_engine, select, text
from sqlalchemy.engine import make_url

from engine import network, sample
from engine.app import Workspace, accounts
from engine.app.fiches import suggester
from engine.identity import Identity
from engine.routing import compile_rules, suggest
from engine.store import access, repository
from engine.store.schema import fiches

END = dt.date(2026, 10, 31)
PG = os.environ.get("CAPACTIF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STRUCTURE = "cma-63"
PASSWORD = "banc d'essai du bureau 2026"
LIVE = "commune=63003+Ambert&kind=creation&activity=10.71C&needs=honour_loan&needs=premises"


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def pg_database():
    """A database of its own for the run, and the function that drops it."""
    import uuid

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
    """A new, migrated store at ``url``."""
    from engine.store import db

    url = db.resolve_url(url)
    store = db.Store(url, db.make_engine(url))
    db.upgrade(store)
    store.dispose()


def fill(url: str, net, count: int) -> int:
    """The synthetic year, with suggestions, 85 % taken by the suggested lead, three contacts each."""
    rng = random.Random(5)
    compiled = compile_rules(net.rules)
    coordinator = access.Viewer(access.COORDINATOR)
    coordinator_id = Identity.coordinator()
    items = list(sample.iter_fiches(net, count, seed=2026, end=END))
    suggest_one = suggester(compile_rules(net.rules))
    now = dt.datetime.now(dt.UTC)
    with Workspace.open(db=url) as ws:
        for start in range(0, len(items), 5_000):
            batch = items[start : start + 5_000]
            with ws.store.transaction() as conn:
                changes = repository.add_fiches(
                    conn, batch, who=coordinator, network=net, suggester=suggest_one, at=END
                )
                for change, fiche in zip(changes, batch, strict=True):
                    found = suggest(fiche, compiled)
                    author = coordinator_id
                    if found.lead is not None and rng.random() < 0.85:
                        author = Identity.of_structure(found.lead.structure)
                        repository.answer_suggestion(
                            conn, change.fiche, "take", who=Identity.of_structure(found.lead.structure),
                            suggester=suggest_one, at=END, now=now,
                        )  # fmt: skip
                    span = max((END - fiche.received).days, 1)
                    for day in sorted(rng.randrange(span) for _ in range(3)):
                        repository.note_fiche(
                            conn, change.fiche, "échange", who=author, at=fiche.received + dt.timedelta(days=day),
                            kind="contact", channel="phone",
                        )  # fmt: skip
        with ws.store.transaction() as conn:
            return len(conn.execute(select(fiches.c.id)).all())


def replicate(url: str, count: int) -> int:
    """Copies of the stored fiches, renumbered, until the store holds ``count``: every table a desk page
    reads (fiches, supports, events with their personal values, current suggestions, the projection), in bulk.

    The engine's write path costs about 0.1 s per fiche on the shared machine (suggestion, answer,
    three contacts, hash chain): 100,000 fiches would take hours.  The copies keep the synthetic
    year's distributions (communes, kinds, stages, who leads, open requests); their events are not
    chained (``db verify`` would say so; no desk page reads the chain).
    """
    import json
    import secrets

    from sqlalchemy import func, insert

    from engine.store.schema import (
        events,
        fiche_projection,
        fiche_sequences,
        fiche_suggestions,
        fiche_supports,
        personal_data,
    )

    with Workspace.open(db=url) as ws, ws.store.transaction() as conn:
        base = [dict(r) for r in conn.execute(select(fiches)).mappings()]
        if not base or len(base) >= count:
            return len(base)
        by_fiche: dict[str, dict[str, list[dict]]] = {
            r["id"]: {"s": [], "e": [], "g": [], "p": [], "j": []} for r in base
        }
        tables = (("s", fiche_supports), ("g", fiche_suggestions), ("p", personal_data), ("j", fiche_projection))
        for key, table in tables:
            for r in conn.execute(select(table)).mappings():
                by_fiche[r["fiche_id"]][key].append(dict(r))
        for r in conn.execute(select(events).order_by(events.c.id)).mappings():
            by_fiche[r["fiche_id"]]["e"].append({k: v for k, v in r.items() if k != "id"})
        top = dict(conn.execute(select(fiches.c.year, func.max(fiches.c.number)).group_by(fiches.c.year)).all())
        step = max(top.values())
        seq = int(conn.execute(select(func.max(events.c.seq))).scalar_one())
        made, copy = len(base), 0
        while made < count:
            copy += 1
            rows: dict[str, list[dict]] = {"f": [], "s": [], "e": [], "g": [], "p": [], "j": []}
            for row in base:
                if made >= count:
                    break
                made += 1
                number = row["number"] + copy * step
                new_id = f"F-{row['year']}-{number:04d}"
                parts = by_fiche[row["id"]]
                keys = {p["key"]: secrets.token_hex(16) for p in parts["p"]}
                rows["f"].append({**row, "id": new_id, "number": number})
                rows["s"] += [{**r, "fiche_id": new_id} for r in parts["s"]]
                rows["g"] += [{**r, "fiche_id": new_id} for r in parts["g"]]
                rows["j"] += [{**r, "fiche_id": new_id} for r in parts["j"]]
                rows["p"] += [{**r, "fiche_id": new_id, "key": keys[r["key"]]} for r in parts["p"]]
                for e in parts["e"]:
                    text = json.dumps(e["payload"]).replace(f'"{row["id"]}"', f'"{new_id}"')
                    for old, new in keys.items():
                        text = text.replace(old, new)
                    seq += 1
                    rows["e"].append({**e, "fiche_id": new_id, "payload": json.loads(text), "seq": seq})
            for key, table in (("f", fiches), ("s", fiche_supports), ("g", fiche_suggestions),
                               ("p", personal_data), ("e", events), ("j", fiche_projection)):  # fmt: skip
                for start in range(0, len(rows[key]), 5_000):
                    if rows[key][start : start + 5_000]:
                        conn.execute(insert(table), rows[key][start : start + 5_000])
        for year in top:
            last = conn.execute(select(func.max(fiches.c.number)).where(fiches.c.year == year)).scalar_one()
            conn.execute(fiche_sequences.update().where(fiche_sequences.c.year == year).values(last=last))
        return made


def sessions(url: str, n: int) -> list[str]:
    """``n`` signed-in sessions of one technician of ``cma-63`` (cookie tokens)."""
    with Workspace.open(db=url) as ws:
        link = accounts.add_user(
            ws, Identity.coordinator(), email="banc@cma63.example", display_name="Banc d'essai",
            structure=STRUCTURE, base_url="http://127.0.0.1",
        )  # fmt: skip
        accounts.set_password(ws, link.url.rsplit("/", 1)[1], PASSWORD)
        return [accounts.sign_in(ws, "banc@cma63.example", PASSWORD).token for _ in range(n)]


def a_fiche_of(url: str) -> list[str]:
    with Workspace.open(db=url) as ws, ws.store.transaction() as conn:
        rows = conn.execute(select(fiches.c.id).where(fiches.c.lead == STRUCTURE).limit(200)).scalars().all()
    return list(rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, port: int, workers: int, log: Path, threads: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "CAPACTIF_DB": url}
    command = [sys.executable, "-c", "import cli; cli.main()", "serve", "--port", str(port), "--db", url,
               "--workers", str(workers), *(["--threads", str(threads)] if threads else [])]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"capactif serve did not start: {log.read_text()[-2000:]}")


def load(base: str, tokens: list[str], fiche_ids: list[str], seconds: float) -> dict[str, list[float]]:
    """Every client requests the five pages in turn for ``seconds``; latencies in ms by page."""
    paths = {
        "home": lambda rng: "/",
        "desk": lambda rng: "/a-traiter",
        "fiche list": lambda rng: "/mes-fiches",
        "fiche page": lambda rng: f"/fiches/{rng.choice(fiche_ids)}",
        "live suggestion": lambda rng: f"/fiches/nouvelle/suggestion?{LIVE}",
    }
    results: dict[str, list[float]] = {name: [] for name in paths}
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(token: str, number: int) -> None:
        rng = random.Random(number)
        names = list(paths)
        rng.shuffle(names)
        mine: dict[str, list[float]] = {name: [] for name in paths}
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)  # one keep-alive connection per client
        headers = {"Cookie": f"capactif_session={token}"}
        i = 0
        while time.perf_counter() < stop:
            name = names[i % len(names)]
            i += 1
            start = time.perf_counter()
            conn.request("GET", paths[name](rng), headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                with lock:
                    errors.append(f"{name}: {response.status}")
                continue
            mine[name].append(elapsed)
        conn.close()
        with lock:
            for name, values in mine.items():
                results[name].extend(values)

    threads = [threading.Thread(target=client, args=(t, n)) for n, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} failed requests, e.g. {errors[:3]}")
    return results


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else (values[0] if values else 0.0)


def copy_store(source: str, url: str) -> int:
    """Every row of the SQLite store ``source`` into the fresh store ``url`` (same revision), with
    PostgreSQL's COPY (about ten times faster than INSERTs for the 1.7 million rows of 100,000 fiches)."""
    import sqlite3

    import psycopg
    from sqlalchemy import Boolean

    from engine.store.schema import metadata

    src = sqlite3.connect(source)
    present = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    target = make_url(url)
    copied = 0
    with psycopg.connect(host=target.host, port=target.port, user=target.username, dbname=target.database) as dst:
        dst.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC times without a zone
        for table in reversed(metadata.sorted_tables):  # what a fresh store seeds (the chain's head…)
            dst.execute(f'DELETE FROM "{table.name}"')
        for table in metadata.sorted_tables:
            if table.name not in present:
                continue
            columns = [c.name for c in table.columns]
            flags = [isinstance(c.type, Boolean) for c in table.columns]
            quoted = ", ".join(f'"{c}"' for c in columns)
            with dst.cursor().copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {quoted} FROM "{table.name}"'):
                    copy.write_row([bool(v) if f and v is not None else v for v, f in zip(row, flags, strict=True)])
                    copied += 1
            for column in table.columns:
                if column.autoincrement is True or (column.primary_key and isinstance(column.type, Integer)):
                    dst.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false) "
                        f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"
                    )
        dst.commit()
    src.close()
    return copied


def prepare(backend: str, net, args, workdir: Path) -> tuple[str, object]:
    """The filled store of this run: ``--store`` (a SQLite file, copied, upgraded, and for PostgreSQL
    copied into a database of its own) or ``--base`` fiches written by the engine then replicated."""
    import shutil

    drop = None
    local = str(workdir / "desk.sqlite")
    if args.store:
        shutil.copy(args.store, local)
        _, seconds = timed(lambda: fresh(local))
        print(f"{backend:<10} store {args.store} copied and upgraded (db upgrade: {seconds:.0f} s)")
    else:
        fresh(local)
        base, seconds = timed(lambda: fill(local, net, min(args.base, args.count)))
        print(
            f"{backend:<10} {base:,} fiches written by the engine (suggestions, answers, contacts) in {seconds:.0f} s"
        )
        stored, seconds = timed(lambda: replicate(local, args.count))
        print(f"{backend:<10} replicated to {stored:,} fiches in {seconds:.0f} s")
    if backend == "sqlite":
        return local, drop
    url, drop = pg_database()
    fresh(url)
    rows, seconds = timed(lambda: copy_store(local, url))
    print(f"{backend:<10} {rows:,} rows copied into PostgreSQL in {seconds:.0f} s")
    with create_engine(url).connect() as conn:
        # after a bulk load, as a DBA (or autovacuum, a minute later) would: the visibility map and hint
        # bits set now, not by the first reads or an autovacuum run during the measure
        _, seconds = timed(lambda: conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE")))
    print(f"{backend:<10} VACUUM ANALYZE in {seconds:.0f} s")
    return url, drop


def bench_backend(backend: str, net, args, workdir: Path) -> None:
    url, drop = prepare(backend, net, args, workdir)
    try:
        tokens = sessions(url, args.clients)
        ids = a_fiche_of(url)
        port = free_port()
        process = serve(url, port, args.workers, workdir / f"serve-{backend}.log", args.threads)
        try:
            results = load(f"http://127.0.0.1:{port}", tokens, ids, args.seconds)
        finally:
            process.terminate()
            process.wait(timeout=30)
        base95 = pct(results["home"], 95)
        total = sum(len(v) for v in results.values())
        print(f"{backend:<10} {args.clients} clients, {args.seconds:.0f} s, {total:,} requests "
              f"({total / args.seconds:,.0f}/s), {args.workers} worker(s)")  # fmt: skip
        for name, values in results.items():
            p50, p95 = pct(values, 50), pct(values, 95)
            print(f"{backend:<10} {name:<16} n={len(values):>6,}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"({p95 / base95 if base95 else 0:4.1f}x the home page's p95)")  # fmt: skip
    finally:
        if drop:
            drop()


def in_process(url: str, rounds: int) -> None:
    """Each page requested ``rounds`` times in this process, one at a time (Starlette's test client: the
    whole request — session, use case, template, headers — without the network): the median wall and CPU
    time per request, and the CPU time's lower decile ("decile": the requests least disturbed by the other
    processes: on a shared VM the median moves by a third between two runs of the same code, the
    decile much less).  (To see where the time goes, profile the threads the handlers run in, e.g. with
    yappi; cProfile sees only the calling thread.)"""
    from starlette.testclient import TestClient

    from web.app import create_app

    token = sessions(url, 1)[0]
    ids = a_fiche_of(url)
    paths = {
        "home": lambda i: "/",
        "desk": lambda i: "/a-traiter",
        "fiche list": lambda i: "/mes-fiches",
        "fiche page": lambda i: f"/fiches/{ids[i % len(ids)]}",
        "live suggestion": lambda i: f"/fiches/nouvelle/suggestion?{LIVE}",
    }
    with TestClient(create_app(url), base_url="http://127.0.0.1") as client:
        client.cookies.set("capactif_session", token)
        for name, path in paths.items():
            client.get(path(0))  # warm: templates compiled, caches filled
            walls, cpus = [], []
            for i in range(rounds):
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(path(i))
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            low = sorted(cpus)[len(cpus) // 10]
            print(f"in-process {name:<16} wall median {statistics.median(walls):6.1f} ms  "
                  f"CPU median {statistics.median(cpus):6.1f} ms, decile {low:6.1f} ms  (n={rounds})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="capactif serve --threads (default: serve's)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--base", type=int, default=2_000, help="fiches written by the engine before replicating")
    parser.add_argument("--store", help="a filled SQLite store to start from (copied; left unchanged)")
    parser.add_argument("--fill-only", metavar="FILE", help="fill a SQLite store at FILE (for --store), then stop")
    parser.add_argument("--in-process", type=int, metavar="N", help="each page N times in this process, then stop")
    args = parser.parse_args()
    net = network.load(None)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    if args.fill_only:
        fresh(args.fill_only)
        base, seconds = timed(lambda: fill(args.fill_only, net, min(args.base, args.count)))
        print(f"{base:,} fiches written by the engine in {seconds:.0f} s")
        stored, seconds = timed(lambda: replicate(args.fill_only, args.count))
        print(f"replicated to {stored:,} fiches in {seconds:.0f} s: {args.fill_only}")
        return
    if args.in_process:
        with tempfile.TemporaryDirectory() as tmp:
            for backend in args.backends.split(","):
                url, drop = prepare(backend, net, args, Path(tmp))
                try:
                    print(f"{backend}:")
                    in_process(url, args.in_process)
                finally:
                    if drop:
                        drop()
        return
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            bench_backend(backend, net, args, Path(tmp))


if __name__ == "__main__":
    main()
