"""Benchmark: why one ``transitions`` machine moves every fiche, instead of one per fiche.

Run: ``.venv/bin/python bench/bench_lifecycle.py`` (about a minute on a 2 vCPU VM).

Three ways of moving records through the same lifecycle table and the same guards, in one process:

* **one machine** (what ``engine.lifecycle`` does): one ``Machine(model=None)`` with one carrier;
  ``Lifecycle.fire`` loads each record's stage into it, on 100,000 plain records;
* **a Machine per record**: the textbook use, built for each record, on a smaller sample;
* **add_model per record**: one machine, every record added as a model (``Machine.add_model``
  checks membership in a list, so adding n models is quadratic), on a smaller sample.

Each record follows one of five realistic journeys (full creation, financing refused then
installed, paused then abandoned, redirected then reopened, quick installation).  The figures are
printed; they are recorded by hand in ``docs/performance.md``.  Tests never time anything.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import platform
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measure, reference
from transitions import Machine

from engine.lifecycle import INITIAL_STAGE, TRANSITIONS, _Carrier, lifecycle
from engine.vocabulary import STAGES

DAY = datetime.date(2025, 3, 14)

#: (trigger, extra keywords) per journey; record i follows JOURNEYS[i % len(JOURNEYS)].
JOURNEYS: list[list[tuple[str, dict[str, Any]]]] = [
    [
        ("start_study", {}),
        ("seek_financing", {}),
        ("install", {"installed_on": DAY}),
        ("start_follow_up", {"follow_up_by": "cci"}),
        ("mark_developed", {}),
    ],
    [
        ("start_study", {}),
        ("seek_financing", {}),
        ("refuse_financing", {}),
        ("seek_financing", {}),
        ("install", {"installed_on": DAY}),
        ("start_follow_up", {}),
    ],
    [("start_study", {}), ("hold", {}), ("resume", {}), ("seek_financing", {}), ("hold", {}), ("abandon", {})],
    [("redirect", {}), ("reopen", {}), ("start_study", {})],
    [("start_study", {}), ("install", {"installed_on": DAY}), ("start_follow_up", {"follow_up_by": "adie"})],
]
FIRES_PER_CYCLE = sum(len(j) for j in JOURNEYS)


@dataclass(slots=True)
class Record:
    """A plain fiche record, as the engine moves them."""

    id: str
    stage: str = INITIAL_STAGE
    lead: str | None = "bgc"
    held_from: str | None = None
    installed_on: datetime.date | None = None
    follow_up_by: str | None = None


class ModelRecord(_Carrier):
    """A record that is also a ``transitions`` model (the baselines): same fields, same guards."""

    def __init__(self, fiche_id: str) -> None:
        super().__init__()
        self.id = fiche_id
        self.stage = INITIAL_STAGE
        self.lead: str | None = "bgc"
        self.held_from: str | None = None
        self.installed_on: datetime.date | None = None
        self.follow_up_by: str | None = None


def fires(n: int) -> int:
    """How many triggers n records fire in total."""
    full, rest = divmod(n, len(JOURNEYS))
    return full * FIRES_PER_CYCLE + sum(len(j) for j in JOURNEYS[:rest])


def move_model(record: ModelRecord, trigger: str, extra: dict[str, Any]) -> None:
    """The baselines' fire(): the model's own trigger method, then the same writes as Lifecycle.fire."""
    record.refused.clear()
    record.resolved.clear()
    before = record.stage
    if not record.trigger(trigger, record=record, by="cci", **extra):
        raise AssertionError(f"{record.id}: {trigger} refused from {before}")
    for attribute, value in record.resolved.items():
        setattr(record, attribute, value)
    if record.stage == "on_hold":
        record.held_from = before
    elif before == "on_hold":
        record.held_from = None


def machine_kwargs() -> dict[str, Any]:
    """The machine definition shared by the baselines, identical to the engine's."""
    return {
        "states": list(STAGES),
        "initial": INITIAL_STAGE,
        "transitions": [dict(t) for t in TRANSITIONS],
        "auto_transitions": False,
        "send_event": True,
        "model_attribute": "stage",
    }


def timed(label: str, func: Any) -> float:
    """Run func once after a garbage collection, print and return the seconds it took."""
    gc.collect()
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.3f} s")
    return seconds


def bench_one_machine(n: int) -> tuple[float, float]:
    """Seconds to move n plain records with the engine, and to replay them with next_stage."""
    build = time.perf_counter()
    lc = lifecycle()
    print(f"  Lifecycle() built in {(time.perf_counter() - build) * 1000:.1f} ms")
    records = [Record(f"F-2025-{i:06d}") for i in range(n)]

    def run() -> None:
        fire = lc.fire
        for i, record in enumerate(records):
            for trigger, extra in JOURNEYS[i % len(JOURNEYS)]:
                fire(record, trigger, at=DAY, by="cci", **extra)

    def replay() -> None:
        next_stage = lc.next_stage
        for i in range(n):
            stage, held = INITIAL_STAGE, None
            for trigger, _ in JOURNEYS[i % len(JOURNEYS)]:
                dest = next_stage(stage, trigger, held)
                held = stage if dest == "on_hold" else None
                stage = dest

    seconds = timed(f"fire() on {n:,} records ({fires(n):,} triggers)", run)
    expected = dict(enumerate(["developed", "follow_up", "abandoned", "study", "follow_up"]))
    assert all(r.stage == expected[i % len(JOURNEYS)] for i, r in enumerate(records))
    lookup = timed(f"next_stage() replay of the same {fires(n):,} triggers", replay)
    return seconds, lookup


def bench_machine_per_record(n: int) -> tuple[float, float]:
    """Seconds to build a Machine for each of n records, and to move them."""
    records = [ModelRecord(f"F-2025-{i:06d}") for i in range(n)]
    kwargs = machine_kwargs()
    machines: list[Machine] = []
    build = timed(
        f"Machine() per record, {n:,} records", lambda: machines.extend(Machine(r, **kwargs) for r in records)
    )

    def run() -> None:
        for i, record in enumerate(records):
            for trigger, extra in JOURNEYS[i % len(JOURNEYS)]:
                move_model(record, trigger, extra)

    move = timed(f"their triggers ({fires(n):,})", run)
    return build, move


def bench_add_model(n: int) -> tuple[float, float, float, float]:
    """Seconds to add n records to one machine (first and last tenth apart), and to move them."""
    records = [ModelRecord(f"F-2025-{i:06d}") for i in range(n)]
    machine = Machine(model=None, **machine_kwargs())
    tenth = max(n // 10, 1)
    marks: list[float] = []

    def add() -> None:
        start = time.perf_counter()
        for i, record in enumerate(records, 1):
            machine.add_model(record)
            if i in (tenth, n - tenth):
                marks.append(time.perf_counter())
        marks.insert(0, start)
        marks.append(time.perf_counter())

    total = timed(f"add_model() of {n:,} records", add)
    first = (marks[1] - marks[0]) / tenth
    last = (marks[3] - marks[2]) / tenth

    def run() -> None:
        for i, record in enumerate(records):
            for trigger, extra in JOURNEYS[i % len(JOURNEYS)]:
                move_model(record, trigger, extra)

    move = timed(f"their triggers ({fires(n):,})", run)
    return total, first, last, move


def memory_per_machine(n: int) -> float:
    """Bytes allocated per record by building a Machine for it (tracemalloc, small sample)."""
    records = [ModelRecord(f"F-{i}") for i in range(n)]
    kwargs = machine_kwargs()
    gc.collect()
    tracemalloc.start()
    machines = [Machine(r, **kwargs) for r in records]
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del machines
    return size / n


def measures(quick: bool = False) -> list[Measure]:
    """One machine's cost per record against a Machine per record, for run_all.py."""
    records, per = (20_000, 500) if quick else (100_000, 2_000)
    one, _lookup = bench_one_machine(records)
    build, move = bench_machine_per_record(per)
    return [reference("lifecycle", "one machine, µs per record", one / records * 1e6, "µs", "Machine per record",
                      (build + move) / per * 1e6)]  # fmt: skip


def main() -> None:
    """Run the three approaches and print per-record costs and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records moved by the one machine")
    parser.add_argument("--per-record", type=int, default=2_000, help="records for the Machine-per-record baseline")
    parser.add_argument("--add-model", type=int, default=5_000, help="records for the add_model baseline")
    args = parser.parse_args()

    print(f"capactif lifecycle benchmark, {datetime.date.today()}, Python {platform.python_version()}")
    print(f"{len(JOURNEYS)} journeys, {FIRES_PER_CYCLE / len(JOURNEYS):.1f} triggers per record on average\n")

    print("one machine (engine.lifecycle):")
    one, lookup = bench_one_machine(args.records)
    one_rec = one / args.records
    print("\nMachine per record:")
    build, move = bench_machine_per_record(args.per_record)
    per_rec = (build + move) / args.per_record
    print("\nadd_model per record:")
    total, first, last, add_move = bench_add_model(args.add_model)
    add_rec = (total + add_move) / args.add_model
    print()

    memory = memory_per_machine(500)
    rows = [
        ("one machine, fire()", args.records, one_rec),
        ("one machine, next_stage() replay", args.records, lookup / args.records),
        ("Machine per record (build + fire)", args.per_record, per_rec),
        ("add_model per record (add + fire)", args.add_model, add_rec),
    ]
    print(f"{'approach':38} {'records':>9} {'µs/record':>10} {'× one machine':>14}")
    for name, n, cost in rows:
        print(f"{name:38} {n:>9,} {cost * 1e6:>10.1f} {cost / one_rec:>14.2f}")
    print()
    print(f"one machine: {one / fires(args.records) * 1e6:.1f} µs per trigger")
    print(f"Machine per record: build {build / args.per_record * 1e6:.0f} µs, ~{memory / 1024:.0f} KiB per record")
    print(
        f"add_model: {first * 1e6:.0f} µs per model over the first tenth, {last * 1e6:.0f} µs over the last tenth "
        f"({last / first:.1f}×: the cost grows with the number of models)"
    )


if __name__ == "__main__":
    main()
