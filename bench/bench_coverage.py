"""Benchmark: ``capactif rules coverage`` on the bundled network and the national-scale synthetic rules.

    .venv/bin/python bench/bench_coverage.py [--sample 2000]

For each rule set: the compile time, the number of commune classes, and the coverage (analysis and
grouping) time.  The baseline, in the same run, analyses communes one by one (each commune its own
class) on a sample of ``--sample`` communes and extrapolates to all of them: the ratio is what the
commune classes save.  The synthetic network is ``bench/synthetic.py`` (35,000 communes, ~2,000
structures, 60 coordinator rules).  Figures go to docs/performance.md under "Coverage".
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
from measure import Measure, reference

from engine import network
from engine.coverage import coverage
from engine.coverage.analyse import CommuneClass, _lead, _need
from engine.routing import compile_rules
from engine.vocabulary import KINDS, NATURES, NEEDS


def per_commune(compiled, codes: list[str]) -> float:
    """Seconds to analyse ``codes`` one commune at a time (no classes)."""
    start = time.perf_counter()
    for code in codes:
        alone = CommuneClass([code], compiled.by_commune.get(code, ()), compiled.rules_at(code))
        for nature in NATURES:
            for kind in KINDS:
                _lead(compiled, alone, nature, kind)
                for need in NEEDS:
                    _need(compiled, alone, nature, kind, need)
    return time.perf_counter() - start


def bench(name: str, ruleset, sample: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    compiled = compile_rules(ruleset)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cov = coverage(compiled)
    cov_s = time.perf_counter() - t0
    communes = sorted(compiled.territory.communes)
    step = max(len(communes) // sample, 1)
    picked = communes[::step][:sample]
    naive = per_commune(compile_rules(ruleset), picked) * len(communes) / len(picked)
    c = cov.counts()
    print(
        f"{name:<9} {len(communes):>6} communes  {len(ruleset.structures):>5} structures  {cov.classes:>5} classes  "
        f"compile {compile_s:5.2f} s  coverage {cov_s:6.2f} s  ({len(cov.entries):,} entries; lead gaps "
        f"{c['lead_gaps']:,}, need gaps {c['need_gaps']:,}, ties {c['ties']:,})"
    )
    print(
        f"{'':<9} per-commune baseline (extrapolated from {len(picked)} communes) {naive:7.1f} s  "
        f"-> classes {naive / cov_s:.1f}x faster"
    )
    return cov_s, naive


def measures(quick: bool = False) -> list[Measure]:
    """National coverage time against the per-commune analysis (extrapolated), for run_all.py."""
    cov_s, naive = bench("national", synthetic.ruleset(), 500 if quick else 2000)
    return [reference("coverage", "rules coverage, national synthetic (s)", cov_s, "s", "per-commune analysis", naive)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs")
    bench("bundled", network.load(None).rules, args.sample)
    bench("national", synthetic.ruleset(), args.sample)


if __name__ == "__main__":
    main()
