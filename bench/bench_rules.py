"""Loading the bundled rules: the fast path (C safe loader + pydantic) against a round-trip parse.

Prints the time of ``load_rules`` on the bundled network and its ratio to parsing the same files
with ruamel's round-trip loader alone (what loading would cost if every file were located up front).
Run: .venv/bin/python bench/bench_rules.py
"""

from __future__ import annotations

import time
from pathlib import Path

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


def main() -> None:
    rules = paths.bundled("rules")
    files = [rules / "territory.yaml", rules / "routing.yaml", *sorted((rules / "structures").glob("*.yaml"))]
    texts = [Path(f).read_text(encoding="utf-8") for f in files]

    def round_trip_only() -> None:
        for text in texts:
            round_trip_yaml().load(text)

    load = best_of(lambda: load_rules(rules))
    baseline = best_of(round_trip_only)
    print(f"load_rules (bundled, {len(files)} YAML files, all checks): {load * 1000:.1f} ms")
    print(f"round-trip parse of the same files only:               {baseline * 1000:.1f} ms")
    print(f"ratio load_rules / round-trip parse: {load / baseline:.2f}")


if __name__ == "__main__":
    main()
