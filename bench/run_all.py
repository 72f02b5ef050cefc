"""Run every benchmark under bench/ and print one table: measure, baseline, ratio or rate, target, met.

    .venv/bin/python bench/run_all.py [--quick] [--format text|json] [--only startup,store]

Each benchmark runs in a process of its own (one crash or one memory-hungry run does not spoil the
others) and hands back its :class:`measure.Measure` records: the figure, the baseline measured in
the same run, the target of the issue that asked for it and whether it is met.  ``--quick`` asks
each benchmark for a smaller sample (minutes instead of tens of minutes; the rates are then
indicative).  The exit status is 0 even when a target is missed: this is a report, not a test.

Adding a benchmark is one line in :data:`BENCHMARKS`: its short name and its script, which defines
``measures(quick: bool) -> list[Measure]`` (see ``bench/measure.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import Measure  # noqa: E402 - bench/ is not a package

#: name -> script under bench/ (a module defining ``measures(quick)``).  One line per benchmark.
BENCHMARKS: dict[str, str] = {
    "startup": "bench_startup",
    "suggest": "bench_suggest",
    "rules": "bench_rules",
    "store": "bench_store",
    "rules-diff": "bench_rules_diff",
    "replay": "bench_replay",
    "coverage": "bench_coverage",
    "lifecycle": "bench_lifecycle",
    "alerts": "bench_alerts_scale",
}


def run_one(module: str, quick: bool) -> list[Measure]:
    """Run one benchmark's ``measures`` in a new interpreter; its measures (a failed run is one row saying so)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", module, *(["--quick"] if quick else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=HERE.parent)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("{", "["))]
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return [Measure(module, f"FAILED: {reason[:100]}", float("nan"), "", target="runs", met=False)]
    return [Measure.from_dict(item) for item in json.loads(lines[-1])]


def child(module: str, quick: bool) -> None:
    """In the benchmark's own process: import it, run ``measures``, print them as one JSON line."""
    sys.path.insert(0, str(HERE.parent))
    bench = __import__(module)
    found = bench.measures(quick)
    print(json.dumps([m.to_dict() for m in found]))


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if value != value:  # NaN: a failed run
        return "-"
    if unit == "/s":
        return f"{value:,.0f} /s"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.1f} {unit}".strip()


def table(measures: list[Measure]) -> str:
    """The text table (one row per measure)."""
    header = ("benchmark", "measure", "value", "baseline (same run)", "ratio", "target", "met")
    rows = [header]
    for m in measures:
        baseline = f"{figure(m.baseline, m.unit)} {m.baseline_name}" if m.baseline is not None else ""
        ratio = f"{m.ratio:.2f}x" if m.ratio is not None else ""
        met = "" if m.met is None else ("yes" if m.met else "NO")
        rows.append((m.benchmark, m.name, figure(m.value, m.unit), baseline, ratio, m.target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Where the figures come from (docs/performance.md records it with them)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        load = "?"
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "python": platform.python_version(),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "load_average_at_start": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (indicative rates)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.quick)
        return
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    about = machine()
    found: list[Measure] = []
    for name in names:
        start = time.perf_counter()
        print(f"running {name} ({BENCHMARKS[name]}.py)…", file=sys.stderr, flush=True)
        found += run_one(BENCHMARKS[name], args.quick)
        print(f"  {name} done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    if args.format == "json":
        print(json.dumps({"machine": about, "quick": args.quick, "measures": [m.to_dict() for m in found]}, indent=2))
        return
    print(f"{about['date']}, Python {about['python']}, {about['cpus']} CPU ({about['cpu']}), "
          f"load average {about['load_average_at_start']}{', --quick' if args.quick else ''}")  # fmt: skip
    print(table(found))


if __name__ == "__main__":
    main()
