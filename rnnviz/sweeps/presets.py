"""Sweep presets: the famous many-run pictures, each with claims checked on its results table."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rnnviz.claims import ClaimResult
from rnnviz.config import RunConfig
from rnnviz.sweeps.summary import finished, rates

Check = Callable[[pd.DataFrame], ClaimResult]


@dataclass(frozen=True)
class SweepClaim:
    """A sentence about a sweep and the check of its results table."""

    text: str
    check: Check


@dataclass(frozen=True)
class SweepPreset:
    name: str
    title: str
    lesson: str
    base: RunConfig
    grid: Mapping[str, list[Any]]
    field: str                        # the swept field the plot puts on its x axis
    show: str = "success"             # "success": success rate; "loss": final loss / baseline
    success: str | None = None        # None: the task's default criterion
    claims: tuple[SweepClaim, ...] = field(default=())

    @property
    def runs(self) -> int:
        return math.prod(len(v) for v in self.grid.values())


def rate_of(table: pd.DataFrame, field_name: str, cell: str, value: Any) -> tuple[int, int]:
    """(successes, runs) of `cell` at `field_name` == value."""
    r = rates(table, field_name)
    hit = r[(r["cell"] == cell) & (r[field_name] == value)]
    return (int(hit.successes.iloc[0]), int(hit.runs.iloc[0])) if len(hit) else (0, 0)


def succeeds(cells: tuple[str, ...], at: Mapping[str, Any], least: float, most: float = 1.0) -> Check:
    """Each of `cells` succeeds on a share of its seeds within [least, most] at field == value."""
    (name, value), = at.items()

    def check(table: pd.DataFrame) -> ClaimResult:
        counts = {c: rate_of(table, name, c, value) for c in cells}
        shares = {c: k / n if n else math.nan for c, (k, n) in counts.items()}
        ok = all(n > 0 and least <= shares[c] <= most for c, (k, n) in counts.items())
        detail = ", ".join(f"{c} {k}/{n}" for c, (k, n) in counts.items()) + f" at {name} {value}"
        worst = min(shares.values()) if least > 0 else max(shares.values())
        return ClaimResult(ok, worst, detail)
    return check


def loss_ratio_order(low: Any, high: Any, factor: float, name: str = "spectral_radius") -> Check:
    """Every seed's final loss / baseline at `name` == high is over `factor` times the worst at low."""
    def check(table: pd.DataFrame) -> ClaimResult:
        done = finished(table)
        at_low = pd.to_numeric(done[done[name] == low].loss_ratio, errors="coerce").fillna(math.inf)
        at_high = pd.to_numeric(done[done[name] == high].loss_ratio, errors="coerce").fillna(math.inf)
        if at_low.empty or at_high.empty:
            return ClaimResult(False, math.nan, f"no finished runs at {name} {low} and {high}")
        ratio = float(at_high.min() / at_low.max()) if at_low.max() > 0 else math.inf
        return ClaimResult(ratio > factor, ratio, f"best at {high}: {at_high.min():.3g}, worst at {low}: "
                           f"{at_low.max():.3g} (x baseline)")
    return check


def check_claims(preset: SweepPreset, table: pd.DataFrame) -> list[tuple[SweepClaim, ClaimResult]]:
    """Each claim of `preset` with its check on `table` (the preset's sweep, or more seeds of it)."""
    return [(c, c.check(table)) for c in preset.claims]


ADDING = RunConfig(task="adding", hidden_size=32, steps=1500, lr=1e-2, batch_size=64)
LENGTHS = [10, 20, 50, 100]
SEEDS = [0, 1, 2]

SWEEP_PRESETS: dict[str, SweepPreset] = {p.name: p for p in (
    SweepPreset(
        "how_far_back", "How far back can each cell remember?",
        "The adding problem at growing lengths: the two marked numbers sit anywhere in the sequence, "
        "so the answer needs the first one remembered across up to the whole length. Each point is "
        "the share of seeds whose final loss is under a tenth of the baseline, with a 95% Wilson "
        "interval. The tanh RNN's gradient vanishes over long gaps (Bengio, Simard & Frasconi 1994); "
        "the LSTM's and GRU's additive paths keep it (Hochreiter & Schmidhuber 1997).",
        ADDING, {"cell": ["rnn_tanh", "lstm", "gru"], "seq_len": LENGTHS, "seed": SEEDS}, "seq_len",
        claims=(
            SweepClaim("At length 100 the LSTM and the GRU succeed on every seed",
                       succeeds(("lstm", "gru"), {"seq_len": 100}, 1.0)),
            SweepClaim("At length 100 the tanh RNN succeeds on no seed",
                       succeeds(("rnn_tanh",), {"seq_len": 100}, 0.0, 0.0)),
        )),
    SweepPreset(
        "spectral_radius", "Spectral radius at initialisation",
        "A tanh RNN forecasting sine waves, its recurrent weights scaled at the start to a given "
        "spectral radius, without clipping. Below 1 a signal fades step by step; far above 1 it "
        "grows until tanh saturates, the hidden state turns chaotic and the gradient explodes: "
        "the final loss against the radius shows where training works.",
        RunConfig(cell="rnn_tanh", task="sine", hidden_size=32, seq_len=50, steps=300, lr=3e-3,
                  recurrent_init="scaled", clip_norm=None),
        {"spectral_radius": [0.5, 1.0, 2.0, 4.0, 8.0], "seed": SEEDS}, "spectral_radius", show="loss",
        claims=(
            SweepClaim("Started at radius 1, the tanh RNN learns on every seed (loss under a tenth of "
                       "the baseline)", succeeds(("rnn_tanh",), {"spectral_radius": 1.0}, 1.0)),
            SweepClaim("Started at radius 4, it learns on no seed",
                       succeeds(("rnn_tanh",), {"spectral_radius": 4.0}, 0.0, 0.0)),
            SweepClaim("Started at radius 4, every seed ends over 5x worse than the worst at radius 1",
                       loss_ratio_order(1.0, 4.0, 5.0)),
        )),
)}
