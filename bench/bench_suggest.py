"""Benchmark: suggestions per second with the compiled indexes against a naive scan, and cold start.

Run: ``.venv/bin/python bench/bench_suggest.py`` (about two minutes on a 2 vCPU VM);
``--quick`` for a smaller national sample.

* **bundled**: the Cap Actif network (27 structures, 191 communes), 20,000 generated fiches;
* **national**: the synthetic network of ``bench/synthetic.py`` (35,000 communes, ~2,000
  structures, 60 rules), 200,000 fiches, generated with a fixed seed.

Each runs :func:`engine.routing.suggest` (full suggestions: lead, supporting structures, uncovered
needs and every reason, kept as parts and said when read — a second figure reads every reason) and
``tests.naive_router.NaiveRouter`` (the same ranking and reasons, candidates found by scanning every
structure and rule as written) in the same process, checks that both agree on a sample, and prints
both rates (wall and CPU time of the process) and their ratio.  Then the cold start of
``capactif suggest fiche.yaml`` against ``python -c "import pydantic, click"``.  Figures are
recorded by hand in ``docs/performance.md``; tests never time anything.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.naive_router: the reference router

import synthetic
from measure import Measure, at_least_rate

from engine import network, paths
from engine.routing import compile_rules, suggest
from tests.naive_router import NaiveRouter

ROOT = Path(__file__).resolve().parents[1]


def rates(func, fiches, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` runs, in fiches per second of wall time and of the process's CPU time (the
    machine is shared: the CPU time is what another process's load changes least)."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        for f in fiches:
            func(f)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best = min(best, time.perf_counter() - start)
    return len(fiches) / best, len(fiches) / max(best_cpu, 1e-9)


def rate(func, fiches, repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in fiches per second (wall time)."""
    return rates(func, fiches, repeat)[0]


def compare(name: str, ruleset, fiches, naive_sample: int) -> tuple[float, float, float, float]:
    start = time.perf_counter()
    rules = compile_rules(ruleset)
    compiled_in = time.perf_counter() - start
    naive = NaiveRouter(ruleset, rules)
    sample = fiches[:naive_sample]
    mismatches = sum(1 for f in sample if suggest(f, rules) != naive(f))
    warm = time.perf_counter()
    for f in fiches:  # first pass fills the memoised index intersections
        suggest(f, rules)
    warm = time.perf_counter() - warm
    fast, fast_cpu = rates(lambda f: suggest(f, rules), fiches, repeat=5)
    said = rate(lambda f: [c.reasons for c in _choices(suggest(f, rules))], fiches)
    with_alternatives = rate(lambda f: suggest(f, rules, alternatives=3), fiches, repeat=1)
    slow, slow_cpu = rates(naive, sample, repeat=1)
    orphans = sum(1 for f in fiches[:20000] if suggest(f, rules).orphan)
    print(f"\n## {name}: {len(ruleset.structures)} structures, {len(ruleset.territory.communes)} communes, "
          f"{len(ruleset.policy.rules)} rules, {len(fiches)} fiches")  # fmt: skip
    print(f"compile_rules                    {compiled_in * 1000:10.1f} ms")
    print(f"first pass (fills the memo)      {len(fiches) / warm:12,.0f} suggestions/s")
    print(f"suggest (indexes), best of 5     {fast:12,.0f} suggestions/s  ({1e6 / fast:.1f} µs each)")
    print(f"  same, CPU time of the process  {fast_cpu:12,.0f} suggestions/s  ({1e6 / fast_cpu:.1f} µs each)")
    print(f"  and every reason read (said)   {said:12,.0f} suggestions/s")
    print(f"suggest --alternatives 3         {with_alternatives:12,.0f} suggestions/s")
    print(f"naive scan ({len(sample)} fiches)          {slow:12,.0f} suggestions/s  ({1e6 / slow:.1f} µs each)")
    print(f"  same, CPU time                 {slow_cpu:12,.0f} suggestions/s")
    print(f"ratio indexes / naive            {fast / slow:12.1f} x (CPU time: {fast_cpu / slow_cpu:.1f} x)")
    print(f"agreement on {len(sample)} fiches: {len(sample) - mismatches}/{len(sample)}; "
          f"orphans in the first 20,000: {orphans}")  # fmt: skip
    return fast, slow, fast_cpu, slow_cpu


def _choices(s):
    """The lead, supporting structures and alternatives of a suggestion (what carries reasons)."""
    return [*([s.lead] if s.lead else []), *s.supporting, *s.alternatives]


def measures(quick: bool = False) -> list[Measure]:
    """Full suggestions per second on the national synthetic network against the naive scan, for run_all.py."""
    national = synthetic.ruleset()
    fiches = synthetic.fiches(national, 20000 if quick else 200000)
    fast, slow, fast_cpu, slow_cpu = compare("synthetic national network", national, fiches, 300 if quick else 1000)
    name = "national suggest (35,000 communes, 2,016 structures)"
    return [at_least_rate("suggest", name, fast, 100_000, "naive scan", slow),
            at_least_rate("suggest", f"{name} (CPU time)", fast_cpu, 100_000, "naive scan", slow_cpu)]  # fmt: skip


def cold_start(runs: int = 7) -> None:
    """Median wall time of a cold ``capactif suggest`` against importing pydantic and click."""
    with tempfile.TemporaryDirectory() as tmp:
        fiche = Path(tmp) / "fiche.yaml"
        fiche.write_text("received: 2025-03-01\ncommune: Ambert\nkind: creation\nnaf: 10.71C\nneeds: [honour_loan]\n")
        exe = Path(sys.executable).parent / "capactif"
        env = {**os.environ, "CAPACTIF_RULES": str(paths.bundled("rules"))}
        commands = {
            "python -c 'import pydantic, click'": [sys.executable, "-c", "import pydantic, click"],
            "capactif suggest fiche.yaml": [str(exe), "suggest", str(fiche)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=tmp)
                times[name].append(time.perf_counter() - start)
    base, ours = (statistics.median(t) for t in times.values())
    print(f"\n## cold start (median of {runs})")
    for name, t in times.items():
        print(f"{name:36s} {statistics.median(t) * 1000:8.0f} ms")
    print(f"ratio                                {ours / base:8.2f} x (target < 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 national fiches instead of 200,000")
    args = parser.parse_args()
    print(f"# bench_suggest — {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPU")

    net = network.load(paths.bundled("rules"))
    compare("bundled Cap Actif network", net.rules, synthetic.fiches(net.rules, 20000), 5000)

    start = time.perf_counter()
    national = synthetic.ruleset()
    built = time.perf_counter() - start
    start = time.perf_counter()
    fiches = synthetic.fiches(national, 20000 if args.quick else 200000)
    print(f"\n(national network built in {built:.1f} s, {len(fiches)} fiches in {time.perf_counter() - start:.1f} s)")
    compare("synthetic national network", national, fiches, 1000)
    cold_start()


if __name__ == "__main__":
    main()
