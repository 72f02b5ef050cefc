"""Benchmark: the technician's desk over HTTP, 100,000 stored fiches, 20 concurrent clients, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_desk.py [--count 100000] [--clients 20] [--seconds 30]
                                         [--backends sqlite,postgresql] [--workers 2]

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import fresh, pg_database, timed
from sqlalchemy import insert, select

from engine import network, sample
from engine.app import Workspace, accounts
from engine.app.fiches import suggester
from engine.identity import Identity
from engine.routing import compile_rules, suggest
from engine.store import access, repository
from engine.store.schema import events, fiches

END = dt.date(2026, 10, 31)
STRUCTURE = "cma-63"
PASSWORD = "banc d'essai du bureau 2026"
LIVE = "commune=63003+Ambert&kind=creation&activity=10.71C&needs=honour_loan&needs=premises"


def fill(url: str, net, count: int) -> int:
    """The synthetic year, with suggestions, 85 % taken by the suggested lead, three contacts each."""
    rng = random.Random(5)
    compiled = compile_rules(net.rules)
    coordinator = access.Viewer(access.COORDINATOR)
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
                rows = []
                for change, fiche in zip(changes, batch, strict=True):
                    found = suggest(fiche, compiled)
                    if found.lead is not None and rng.random() < 0.85:
                        repository.answer_suggestion(
                            conn, change.fiche, "take", who=Identity.of_structure(found.lead.structure),
                            suggester=suggest_one, at=END, now=now,
                        )  # fmt: skip
                    span = max((END - fiche.received).days, 1)
                    for _ in range(3):
                        at = fiche.received + dt.timedelta(days=rng.randrange(span))
                        rows.append({"fiche_id": change.fiche, "version": 1, "kind": "contact", "at": at,
                                     "recorded_at": now, "by": found.lead.structure if found.lead else None,
                                     "payload": {"text": "échange", "channel": "phone"}})  # fmt: skip
                conn.execute(insert(events), rows)
        with ws.store.transaction() as conn:
            return len(conn.execute(select(fiches.c.id)).all())


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


def serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "CAPACTIF_DB": url}
    command = [sys.executable, "-c", "import cli; cli.main()", "serve", "--port", str(port), "--db", url,
               "--workers", str(workers)]  # fmt: skip
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


def bench_backend(backend: str, net, args, workdir: Path) -> None:
    drop = None
    url = str(workdir / "desk.sqlite") if backend == "sqlite" else None
    if url is None:
        url, drop = pg_database()
    try:
        fresh(url)
        stored, seconds = timed(lambda: fill(url, net, args.count))
        print(f"{backend:<10} filled {stored:,} fiches with suggestions and answers in {seconds:.0f} s")
        tokens = sessions(url, args.clients)
        ids = a_fiche_of(url)
        port = free_port()
        process = serve(url, port, args.workers, workdir / f"serve-{backend}.log")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    net = network.load(None)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            bench_backend(backend, net, args, Path(tmp))


if __name__ == "__main__":
    main()
