"""Benchmark: replaying 200,000 fiches through two rule sets (``capactif rules diff``).

Run: ``.venv/bin/python bench/bench_replay.py`` (``--count N`` for another sample size).

The fiches are the seeded synthetic year of :mod:`engine.sample` on the bundled network (same seed →
same fiches).  The working rules are a temporary copy of the bundled rules with two real changes
(the commune of Thiers moved to the local network of Ambert; Puy-de-Dôme Garantie extended to the
Haute-Loire), so that the replay finds and explains changes as it would for the coordinator.

Printed in the same run: the single-rule-set suggestion rate (``suggest`` over every fiche with the
base rules) and the replay rate (both suggestions, the comparison, and the causes and reasons of
every changed fiche), in fiches per second, with their ratio.  Figures are recorded by hand in
``docs/performance.md`` under "Replay"; tests never time anything.
"""

from __future__ import annotations

import argparse
import gc
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measure, at_most_time

from engine import network, paths, sample
from engine.replay import load_side, replay, rules_delta, working_side
from engine.routing import suggest


def changed_rules(into: Path) -> Path:
    """A copy of the bundled rules with Thiers moved to Ambert and the guarantee fund in 43 too."""
    rules = into / "rules"
    shutil.copytree(paths.bundled("rules"), rules)
    csv = rules / "territory" / "communes.csv"
    csv.write_text(csv.read_text().replace("\n63430,Thiers,63,635,Thiers,", "\n63430,Thiers,63,631,Ambert,"))
    garantie = rules / "structures" / "garantie-63.yaml"
    garantie.write_text(garantie.read_text().replace('departments: ["63"]', 'departments: ["63", "43"]'))
    return rules


def timings(count: int) -> tuple[int, float, float, int]:
    """Fiches, seconds of one suggestion each (base rules), seconds of the replay, fiches changed."""
    with tempfile.TemporaryDirectory() as tmp:
        base = load_side(working_side(paths.bundled("rules")))
        work = load_side(working_side(changed_rules(Path(tmp))))
        t0 = time.perf_counter()
        fiches = sample.generate(network.load(paths.bundled("rules")), count, seed=2026)
        print(f"generated {len(fiches):,} fiches in {time.perf_counter() - t0:.1f} s (engine.sample, seed 2026)")

        gc.collect()
        t0 = time.perf_counter()
        for fiche in fiches:
            suggest(fiche, base.compiled)
        single = time.perf_counter() - t0

        gc.collect()
        t0 = time.perf_counter()
        delta = rules_delta(base.ruleset, work.ruleset)
        changes, _, _ = replay(fiches, base.compiled, work.compiled, delta)
        both = time.perf_counter() - t0
    return len(fiches), single, both, len(changes)


def measures(quick: bool = False) -> list[Measure]:
    """The in-memory replay of 200,000 fiches (20,000 with ``quick``, scaled) against one suggestion each."""
    n, single, both, _changed = timings(20_000 if quick else 200_000)
    scale = 200_000 / n
    return [at_most_time("replay", "replay 200,000 fiches in memory (two rule sets)", both * scale, 60,
                         "one rule set", single * scale)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {platform.platform()}")
    n, single, both, changed = timings(args.count)
    print(f"single rule set: {n / single:>10,.0f} suggestions/s  ({single:.1f} s)")
    print(f"replay (2 sets): {n / both:>10,.0f} fiches/s       ({both:.1f} s, {changed:,} fiches changed)")
    print(f"replay time / single-set time: {both / single:.2f} (2 suggestions per fiche plus the comparison)")
    print(f"target: {n:,} fiches in under 60 s -> {'met' if both < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
