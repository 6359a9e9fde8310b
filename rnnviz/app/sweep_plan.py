"""What the Sweep page asks for, checked against this server's caps (plain Python, no streamlit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnviz.app.limits import Limits
from rnnviz.app.settings import Settings
from rnnviz.config import FIELDS, RunConfig
from rnnviz.cost import estimate
from rnnviz.fit import time_words
from rnnviz.sweeps.presets import SWEEP_PRESETS
from rnnviz.sweeps.sweep import Plan, plan

SWEPT = ("seq_len", "spectral_radius", "hidden_size", "lr")  # the fields the page offers to sweep
MAX_SEEDS = 10


@dataclass(frozen=True)
class Request:
    """The page's choices: a preset's base (or the defaults), cells, a field and its values, seeds."""

    cells: tuple[str, ...]
    task: str
    field: str
    values: str                 # as typed: "10, 20, 50, 100"
    seeds: int
    steps: int
    preset: str | None = None

    @classmethod
    def of_preset(cls, name: str) -> Request:
        p = SWEEP_PRESETS[name]
        cells = tuple(p.grid.get("cell", [p.base.cell]))
        values = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in p.grid[p.field])
        return cls(cells, p.base.task, p.field, values, len(p.grid.get("seed", [0])), p.base.steps, name)

    def base(self) -> RunConfig:
        preset = SWEEP_PRESETS.get(self.preset or "")
        base = preset.base if preset else RunConfig(hidden_size=32, lr=1e-2, batch_size=64)
        base = base.replace(task=self.task, steps=self.steps)
        if self.field == "spectral_radius" and base.recurrent_init != "scaled":
            base = base.replace(recurrent_init="scaled")  # the radius means something only then
        return base

    def grid(self) -> dict[str, list[Any]]:
        return {"cell": list(self.cells), self.field: parse_values(self.field, self.values),
                "seed": list(range(self.seeds))}


def parse_values(field: str, text: str) -> list[Any]:
    """"10, 20, 50" -> the field's values; a ValueError names the field and the bad value."""
    values = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if part:
            try:
                values.append(FIELDS[field].parse(part))
            except ValueError as err:
                raise ValueError(f"{field}: {err}, got {part!r}") from None
    if not values:
        raise ValueError(f"{field}: type one or more values, separated by commas")
    return values


def check(request: Request, settings: Settings, limits: Limits) -> tuple[Plan, float]:
    """The sweep's plan and estimated seconds on this server, or a ValueError saying which cap
    it breaks (the number of runs, a field's range, one run's time or memory, the total time)."""
    if not request.cells:
        raise ValueError("cell: pick at least one cell")
    if not 1 <= request.seeds <= MAX_SEEDS:
        raise ValueError(f"seed: from 1 to {MAX_SEEDS} seeds")
    p = plan(request.base(), request.grid(), max_runs=settings.max_sweep_runs)
    for name, (low, high) in limits.ranges.items():
        for cfg in p.configs:
            value = getattr(cfg, name)
            if value is not None and not isinstance(value, bool) and not low <= value <= high:
                raise ValueError(f"{name}: {value:g} is outside this server's range {low:g} to {high:g}")
    costs = [estimate(c, machine=limits.machine) for c in p.configs]
    worst = max(costs, key=lambda c: c.total_seconds)
    if worst.total_seconds > limits.max_seconds:
        raise ValueError(f"steps: one run would take about {time_words(worst.total_seconds)}, over this "
                         f"server's {time_words(limits.max_seconds)} per run; use fewer steps")
    if max(c.peak_bytes for c in costs) > limits.max_memory_mb * 2**20:
        raise ValueError("hidden_size: a run would need more memory than this server allows per run")
    total = sum(c.total_seconds for c in costs)
    if total > settings.max_sweep_s:
        raise ValueError(f"grid: {len(p.configs)} runs would take about {time_words(total)} of training, "
                         f"over this server's {time_words(settings.max_sweep_s)} per sweep: use fewer "
                         "seeds, values or steps (or run it from the command line)")
    return p, total
