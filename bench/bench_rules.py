"""Loading the bundled rules: the fast path (C safe loader + pydantic) against a round-trip parse.

Prints the time of ``load_rules`` on the bundled network and its ratio to parsing the same files
with ruamel's round-trip loader alone (what loading would cost if every file were located up front).
Run: .venv/bin/python bench/bench_rules.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measure, reference

from engine import paths
from engine.rules.loader import load_rules
from engine.rules.save import round_trip_yaml


def best_of(fn, runs: int = 7) -> float:
    """The best wall time of ``runs`` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def timings() -> tuple[float, float, int]:
    """Seconds of load_rules on the bundled network, of a round-trip parse of its files, and the file count."""
    rules = paths.bundled("rules")
    files = [rules / "territory.yaml", rules / "routing.yaml", *sorted((rules / "structures").glob("*.yaml"))]
    texts = [Path(f).read_text(encoding="utf-8") for f in files]

    def round_trip_only() -> None:
        for text in texts:
            round_trip_yaml().load(text)

    return best_of(lambda: load_rules(rules)), best_of(round_trip_only), len(files)


def measures(quick: bool = False) -> list[Measure]:
    """load_rules against the round-trip parse of the same files, for run_all.py."""
    load, baseline, _files = timings()
    name, base_name = "load_rules, bundled network", "round-trip parse only"
    return [reference("rules", name, load * 1000, "ms", base_name, baseline * 1000)]


def main() -> None:
    load, baseline, count = timings()
    print(f"load_rules (bundled, {count} YAML files, all checks): {load * 1000:.1f} ms")
    print(f"round-trip parse of the same files only:               {baseline * 1000:.1f} ms")
    print(f"ratio load_rules / round-trip parse: {load / baseline:.2f}")


if __name__ == "__main__":
    main()
