"""What every benchmark reports to ``bench/run_all.py``: measures, each with its baseline and target.

A benchmark script defines ``measures(quick: bool) -> list[Measure]`` (and keeps its own ``main``
for a detailed run).  A measure is a time or a rate, the baseline measured in the same run (a ratio
against a machine-independent reference), and the target of the issue that asked for it, with
whether it is met.  Nothing here times anything by itself; tests never import this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Measure:
    """One figure of a benchmark run.

    ``unit`` is ``ms`` or ``s`` (lower is better) or ``/s`` (higher is better).  ``target`` says
    what was asked (``< 3x baseline``, ``>= 20,000 /s``, ``< 60 s``) and ``met`` whether this run
    meets it (None: no target, a figure for reference).
    """

    benchmark: str
    name: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline (None without a baseline)."""
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``run_all.py --format json``."""
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measure:
        return cls(**{k: v for k, v in data.items() if k != "ratio"})


def at_most_ratio(benchmark: str, name: str, value: float, unit: str, baseline_name: str, baseline: float,
                  limit: float) -> Measure:  # fmt: skip
    """A time whose target is under ``limit`` times its baseline of the same run."""
    return Measure(benchmark, name, value, unit, baseline_name, baseline, f"< {limit:g}x baseline",
                   value < limit * baseline)  # fmt: skip


def at_least_rate(benchmark: str, name: str, value: float, limit: float, baseline_name: str | None = None,
                  baseline: float | None = None) -> Measure:  # fmt: skip
    """A rate (per second) whose target is at least ``limit``."""
    return Measure(benchmark, name, value, "/s", baseline_name, baseline, f">= {limit:,.0f} /s", value >= limit)


def at_most_time(benchmark: str, name: str, seconds: float, limit: float, baseline_name: str | None = None,
                 baseline: float | None = None) -> Measure:  # fmt: skip
    """A duration (seconds) whose target is under ``limit`` seconds."""
    return Measure(benchmark, name, seconds, "s", baseline_name, baseline, f"< {limit:g} s", seconds < limit)


def reference(benchmark: str, name: str, value: float, unit: str, baseline_name: str | None = None,
              baseline: float | None = None) -> Measure:  # fmt: skip
    """A figure with no target (context for the others)."""
    return Measure(benchmark, name, value, unit, baseline_name, baseline)
