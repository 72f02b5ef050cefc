"""Benchmark: ``capactif rules diff`` over the fiches of a store of 1,000,000 (issue 19: under a minute).

    .venv/bin/python bench/bench_rules_diff.py [--count 1000000]

A SQLite store is filled with COUNT fiche rows (the seeded synthetic year of :mod:`engine.sample`:
COUNT / 10 distinct fiches, each repeated ten times under new ids — 100,000 distinct in 1,000,000;
routing reads only the fiche, so the mix of communes, natures and needs is the sample's), written as
bare rows (the fiches table only: ``rules diff`` without ``--as-of`` reads nothing else).  The quick
run (100,000 rows, 10,000 distinct) is the full store at a tenth of its size, so its times scale by
ten; it used to hold 100,000 distinct fiches, which made its extrapolation route ten times what the
full run routes.  Then the use case of ``rules diff --base
BUNDLED --fiches store`` runs with the working rules of ``bench_replay.py`` (Thiers moved to the
local network of Ambert, the guarantee fund extended to the Haute-Loire), its progress callback
counting.  The baseline, in the same run, is reading what routing reads of the same fiches from the
store alone (``engine.replay.sources.store_routings``, the use case's own reading).  Figures go to
docs/performance.md under "Replay".
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_replay import changed_rules
from measure import Measure, at_most_time
from sqlalchemy import insert

from engine import network, paths, sample
from engine.app import Workspace
from engine.app import rules as rules_cases
from engine.replay.sources import store_routings
from engine.store import db, records
from engine.store.schema import fiches

#: One fiche in REPEAT is distinct: the others repeat it under new ids.
REPEAT = 10
END = dt.date(2026, 6, 30)


def fill(url: str, count: int) -> float:
    """Write ``count`` fiche rows into a fresh store; seconds taken."""
    start = time.perf_counter()
    net = network.load(paths.bundled("rules"))
    made = sample.generate(net, max(1, count // REPEAT), seed=2026, end=END)
    dicts = [records.to_dict(f) for f in made]
    store = db.open_store(url)
    now = dt.datetime.now(dt.UTC)
    communes = net.territory.communes
    batch: list[dict] = []
    with store.transaction() as conn:
        for i in range(count):
            data = dict(dicts[i % len(dicts)])
            year, number = 2026, i + 1
            data["id"] = records.format_id(year, number)
            row = records.to_row(data)
            commune = communes.get(data["commune"])
            row.update(year=year, number=number, local_network=commune.local_network if commune else None,
                       orphan=False, version=1, created_at=now, updated_at=now)  # fmt: skip
            batch.append(row)
            if len(batch) == 20_000:
                conn.execute(insert(fiches), batch)
                batch = []
        if batch:
            conn.execute(insert(fiches), batch)
    store.dispose()
    return time.perf_counter() - start


def timings(count: int) -> tuple[float, float, int, int, float, float]:
    """Seconds of ``rules diff`` over the store, seconds of reading its fiches alone, fiches, changes, and
    both times in CPU seconds of the process (SQLite runs in it; the machine is shared)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "store.sqlite")
        filled = fill(url, count)
        print(f"store filled with {count:,} fiches in {filled:.0f} s", flush=True)
        start, cpu = time.perf_counter(), time.process_time()
        read = sum(1 for _ in store_routings(None, url))
        baseline, baseline_cpu = time.perf_counter() - start, time.process_time() - cpu
        distinct = len({item.key for item in store_routings(None, url)})
        print(f"read back {read:,} fiches in {baseline:.1f} s (CPU {baseline_cpu:.1f} s), "
              f"{distinct:,} distinct routing keys", flush=True)  # fmt: skip
        working = changed_rules(Path(tmp))
        ticks: list[int] = []

        def progress(total: int):
            return ticks.append

        with Workspace.open(db=url, rules=working) as ws:
            start, cpu = time.perf_counter(), time.process_time()
            report = rules_cases.diff(ws, str(paths.bundled("rules")), ["store"], progress=progress)
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        assert report.fiches == count and sum(ticks) == count, (report.fiches, sum(ticks))
        print(f"rules diff over {count:,} stored fiches: {seconds:.1f} s (CPU {cpu_seconds:.1f} s), "
              f"{len(report.changes):,} change", flush=True)  # fmt: skip
        return seconds, baseline, count, len(report.changes), cpu_seconds, baseline_cpu


def measures(quick: bool = False) -> list[Measure]:
    """``rules diff`` over 1,000,000 stored fiches (100,000 with ``quick``, extrapolated linearly)."""
    count = 100_000 if quick else 1_000_000
    seconds, baseline, _n, _changes, cpu, baseline_cpu = timings(count)
    scale = 1_000_000 / count
    name = "rules diff, 1,000,000 stored fiches" + (" (extrapolated from 100,000 of 10,000 distinct)" if quick else "")
    return [
        at_most_time("rules-diff", name, seconds * scale, 60, "reading the fiches alone", baseline * scale),
        at_most_time("rules-diff", f"{name} (CPU time)", cpu * scale, 60, "reading the fiches alone",
                     baseline_cpu * scale),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    seconds, baseline, count, changes, _cpu, _baseline_cpu = timings(args.count)
    print(f"rules diff: {count / seconds:,.0f} fiches/s; reading alone {count / baseline:,.0f} fiches/s; "
          f"{changes:,} fiches change; target 1,000,000 in < 60 s: "
          f"{'met' if seconds * 1_000_000 / count < 60 else 'not met'} (scaled)")  # fmt: skip


if __name__ == "__main__":
    main()
