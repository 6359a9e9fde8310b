"""RunStore: one session's runs, named and bounded (count and memory), the oldest dropped first."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from rnnviz.run import Run


def max_runs_from_env(default: int = 6) -> int:
    """RNNVIZ_MAX_RUNS: runs one session keeps (a bad value gives the default)."""
    try:
        value = int(os.environ.get("RNNVIZ_MAX_RUNS", default))
    except ValueError:
        return default
    return value if value >= 1 else default


def max_mb_from_env(default: float = 200.0) -> float:
    """RNNVIZ_MAX_SESSION_MB: recorded data one session keeps, all its runs together."""
    try:
        value = float(os.environ.get("RNNVIZ_MAX_SESSION_MB", default))
    except ValueError:
        return default
    return value if value > 0 else default


def describe(run: Run) -> str:
    """Short label of what a run is: "lstm · adding · clip 1.0"."""
    cfg = run.config
    clip = "clip off" if cfg.clip_norm is None else f"clip {cfg.clip_norm:g}"
    if cfg.clip_norm is not None and cfg.clip_mode == "value":
        clip += " (value)"
    return f"{cfg.cell} · {cfg.task} · {clip}"


def run_bytes(run: Run) -> int:
    """Approximate memory held by a run's recorded arrays and history."""
    total = 0
    for record in run.records:
        arrays = [*record.hidden, *record.cell_state, record.grad_by_time,
                  *(v for layer in record.gates for v in layer.values()), *record.eigenvalues.values()]
        if record.grad_by_time_total is not None:
            arrays.append(record.grad_by_time_total)
        total += sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return total + 64 * len(run.rows) * (5 + len(run.metric_names))


@dataclass
class RunStore:
    """Runs by name, oldest first, with a current one; add() drops the oldest beyond the caps."""

    max_runs: int = 6
    max_mb: float = 200.0
    runs: dict[str, Run] = field(default_factory=dict)
    current: str | None = None
    counter: int = 0

    @classmethod
    def from_env(cls) -> RunStore:
        return cls(max_runs=max_runs_from_env(), max_mb=max_mb_from_env())

    def add(self, run: Run, label: str = "") -> list[str]:
        """Name `run` (label or its description, then "#n"), keep it, make it current.

        Returns the names of runs dropped to stay within the caps (the newest is always kept)."""
        self.counter += 1
        run.name = f"{label or describe(run)} · #{self.counter}"
        self.runs[run.name] = run
        self.current = run.name
        dropped = []
        while len(self.runs) > 1 and (len(self.runs) > self.max_runs or self.total_mb() > self.max_mb):
            oldest = next(iter(self.runs))
            del self.runs[oldest]
            dropped.append(oldest)
        return dropped

    def total_mb(self) -> float:
        return sum(run_bytes(r) for r in self.runs.values()) / 2**20

    def names(self) -> list[str]:
        """Newest first, as a picker lists them."""
        return list(reversed(self.runs))

    def get(self, name: str | None) -> Run | None:
        return self.runs.get(name) if name is not None else None

    def select(self, name: str) -> None:
        if name in self.runs:
            self.current = name

    def remove(self, name: str) -> None:
        self.runs.pop(name, None)
        if self.current == name:
            self.current = next(reversed(self.runs), None)

    def current_run(self) -> Run | None:
        if self.current not in self.runs:
            self.current = next(reversed(self.runs), None)
        return self.get(self.current)

    def __len__(self) -> int:
        return len(self.runs)
