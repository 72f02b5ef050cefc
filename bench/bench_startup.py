"""Start-up of a cold ``capactif suggest fiche.yaml`` against ``python -c "import pydantic, click"``.

Issue 19's targets: a new ``capactif suggest`` process with no store takes less than 2x the wall
time of a process that only imports pydantic and click, and less than 3x with a configured SQLite
store (a store made by ``capactif demo`` for the run: its schema revision, rules in force and
caseloads are read), all measured in the same run.  Each measurement starts a new interpreter; the
commands alternate so that a busy machine slows them alike; medians are printed with the ratios.
Warm-up runs first fill the rules cache (``engine/rules/cache.py``), as the first
``suggest`` after an install or a rules change does for every later one.

Bytecode: an installed package (``pip install``) ships compiled bytecode, and so do the dependencies
in the venv.  This dev tree is an editable install and the dev environment sets
PYTHONDONTWRITEBYTECODE, so capactif's own modules would be compiled from source in every process
while pydantic's and click's are not.  By default both commands therefore run with a private
PYTHONPYCACHEPREFIX (a temporary directory filled by the warm-up runs): the installed situation, the
same for both.  ``--as-is`` runs them in the environment as given instead.  ``--no-cache`` also
times ``suggest`` with the rules cache off (``CAPACTIF_NO_CACHE=1``).

``--before DIR`` also times both ``suggest`` cases with the capactif code of DIR (a checkout of an earlier
commit, put first on PYTHONPATH; this tree's code is then put first for the others), alternating with the
rest: before and after in one run, against the same baseline.

Run: .venv/bin/python bench/bench_startup.py [--runs 15] [--as-is] [--no-cache] [--before DIR]
(``bench/run_all.py`` calls :func:`measures`.)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measure, at_most_ratio, reference

ROOT = Path(__file__).resolve().parent.parent
FICHE = ROOT / "tests" / "data" / "fiches" / "bakery-ambert.yaml"
TARGETS = {"suggest": 2.0, "suggest, SQLite store": 3.0}
LABELS = {"suggest": "cold `suggest fiche.yaml`, no store", "suggest, SQLite store": "cold `suggest`, SQLite store"}
BASELINE = "python -c 'import pydantic, click'"


def capactif_command() -> list[str]:
    """The installed ``capactif`` script next to this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).parent / "capactif"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]


#: CPU seconds (user + system) of the last command run by :func:`wall_time`, git included: on a
#: shared machine this varies far less with the load than the wall time.
LAST_CPU = [0.0]


def wall_time(command: list[str], env: dict[str, str], cwd: str) -> float:
    """Seconds from starting ``command`` to its exit; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def timings(
    runs: int, *, as_is: bool = False, no_cache: bool = False, before: Path | None = None
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall times and CPU times of each command over ``runs`` alternating runs (after warm-up runs)."""
    env = dict(os.environ)
    env.pop("CAPACTIF_RULES", None)  # the bundled network, wherever the benchmark is run from
    env.pop("CAPACTIF_DB", None)  # no store: what a technician's first `suggest fiche.yaml` does
    pycache = None
    if not as_is:
        pycache = tempfile.mkdtemp(prefix="capactif-bench-pycache-")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    cwd = tempfile.mkdtemp(prefix="capactif-bench-cwd-")  # no ./rules there: the bundled rules are used
    env["CAPACTIF_HOME"] = str(Path(cwd) / "home")  # no default store file
    store = Path(cwd) / "store.sqlite"
    store_env = {**env, "CAPACTIF_DB": str(store)}
    no_cache_env = {**env, "CAPACTIF_NO_CACHE": "1"}

    commands = {
        "baseline": ([sys.executable, "-c", "import pydantic, click"], env),
        "suggest": ([*capactif_command(), "suggest", str(FICHE)], env),
        "suggest, SQLite store": ([*capactif_command(), "suggest", str(FICHE)], store_env),
    }
    if no_cache:
        commands["suggest, no rules cache"] = (commands["suggest"][0], no_cache_env)
    if before is not None:
        for name in TARGETS:
            command, run_env = commands[name]
            commands[name] = (command, {**run_env, "PYTHONPATH": str(ROOT)})
            commands[f"{name} (before)"] = (command, {**run_env, "PYTHONPATH": str(before.resolve())})
    try:
        demo_env = {**env, "PYTHONPATH": str(ROOT)} if before is not None else env  # the store of this tree's code
        wall_time([*capactif_command(), "demo", "--fiches", "500", "--db", str(store)], demo_env, cwd)
        for command, run_env in commands.values():
            for _ in range(3):
                wall_time(command, run_env, cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, run_env) in commands.items():
                times[name].append(wall_time(command, run_env, cwd))
                cpu[name].append(LAST_CPU[0])
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        if pycache:
            shutil.rmtree(pycache, ignore_errors=True)
    return times, cpu


def measures(quick: bool = False) -> list[Measure]:
    """The two cold starts against the baseline (medians of 15 runs, 7 with ``quick``): wall time (the
    target), then CPU time for reference (steadier on a loaded machine)."""
    times, cpu = timings(7 if quick else 15)
    base = statistics.median(times["baseline"]) * 1000
    base_cpu = statistics.median(cpu["baseline"]) * 1000
    found = []
    for name, limit in TARGETS.items():
        found.append(at_most_ratio("startup", LABELS[name], statistics.median(times[name]) * 1000, "ms", BASELINE,
                                   base, limit))  # fmt: skip
        found.append(reference("startup", f"{LABELS[name]} (CPU time)", statistics.median(cpu[name]) * 1000, "ms",
                               BASELINE, base_cpu))  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    parser.add_argument("--as-is", action="store_true", help="keep the environment's bytecode settings")
    parser.add_argument("--no-cache", action="store_true", help="also time suggest with the rules cache off")
    parser.add_argument("--before", type=Path, help="also time suggest with the code of this checkout")
    args = parser.parse_args()
    times, cpu = timings(args.runs, as_is=args.as_is, no_cache=args.no_cache, before=args.before)

    mode = "environment as is" if args.as_is else "compiled bytecode (private PYTHONPYCACHEPREFIX)"
    print(f"cold start, median of {args.runs} alternating runs, {mode}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["baseline"]
    for name, value in medians.items():
        spread = f"{min(times[name]) * 1000:.0f}-{max(times[name]) * 1000:.0f}"
        print(f"  {name:<26} {value * 1000:7.1f} ms  (range {spread} ms)  {value / base:5.2f}x baseline")
    cpu_base = statistics.median(cpu["baseline"])
    print(f"  CPU time of the baseline (median): {cpu_base * 1000:.1f} ms")
    for name, target in TARGETS.items():
        for label in (f"{name} (before)", name) if args.before else (name,):
            ratio = medians[label] / base
            verdict = "met" if ratio < target else "not met"
            cpu_ratio = statistics.median(cpu[label]) / cpu_base
            print(f"ratio {label} / baseline: {ratio:.2f} (target < {target:g}: {verdict}); "
                  f"CPU time ratio {cpu_ratio:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
