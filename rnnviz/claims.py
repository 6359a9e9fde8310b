"""Claims: a lesson's sentence plus the measurement of a Run that makes it true or false."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnviz.config import RunConfig
from rnnviz.run import Run

ADDING_MEMORY_LOSS = 1 / 12  # adding problem: remembering only the second marked value gives 1/12


@dataclass(frozen=True)
class ClaimResult:
    """What a check found: pass/fail, the number behind it, and that number in words."""

    passed: bool
    value: float
    detail: str  # e.g. "gradient at t=0 is 4e-22 of t=99"


@dataclass(frozen=True)
class Claim:
    """One sentence of a lesson and the check that decides it for a Run.

    `changes` are the config changes the claim is about ({} = the preset's own config; e.g.
    {"clip_norm": 1.0} for "with clipping on, ..."): `config(base)` is the run to check it on.
    A comparing claim also names `against`, the changes of the run it is compared with on the
    same seed ({} = the preset's own config): its check is then check(run, other)."""

    text: str
    check: Callable[..., ClaimResult]
    changes: Mapping[str, Any] = field(default_factory=dict)
    against: Mapping[str, Any] | None = None

    def config(self, base: RunConfig) -> RunConfig:
        return base.replace(**self.changes) if self.changes else base

    def other_config(self, base: RunConfig, seed: int) -> RunConfig | None:
        """The run a comparing claim is compared with, on `seed`; None for other claims."""
        return None if self.against is None else base.replace(**self.against, seed=seed)

    def applies_to(self, cfg: RunConfig, base: RunConfig) -> bool:
        """True when `cfg` is the run this claim is about: `base` with these changes, seed aside."""
        return self.config(base).replace(seed=cfg.seed) == cfg

    def __call__(self, run: Run, other: Run | None = None) -> ClaimResult:
        if not run.rows:
            return ClaimResult(False, math.nan, "the run made no training step")
        if self.against is None:
            return self.check(run)
        if other is None or not other.rows:
            return ClaimResult(False, math.nan, "no run to compare with")
        return self.check(run, other)


# Measurements: plain functions of a Run, each tolerant of inf/nan in a diverged run's history.

def final_loss(run: Run, last: int = 50) -> float:
    """Mean training loss over the last `last` steps (inf when any of them is not finite)."""
    losses = run.history.loss.to_numpy()[-last:]
    return float(np.mean(losses)) if np.all(np.isfinite(losses)) else math.inf


def grad_spike(run: Run) -> float:
    """Largest gradient norm over training divided by the one at step 0 (before clipping)."""
    norms = run.history.grad_norm.to_numpy(dtype=np.float64)
    peak = np.nanmax(np.where(np.isfinite(norms), norms, np.inf))
    return float(peak / norms[0]) if norms[0] > 0 else math.inf


def loss_jump(run: Run) -> float:
    """Largest training loss divided by the loss at step 0 (inf once the loss is not finite)."""
    losses = run.history.loss.to_numpy(dtype=np.float64)
    peak = np.max(np.where(np.isnan(losses), np.inf, losses))
    return float(peak / losses[0])


def grad_through_time(run: Run) -> float:
    """At the last record: ||dL/dh_0|| / ||dL/dh_{T-1}|| (the loss that was trained, last layer)."""
    record = run.records[-1]
    by_time = record.grad_by_time_total if record.grad_by_time_total is not None else record.grad_by_time
    first, last = float(by_time[-1][0]), float(by_time[-1][-1])
    return first / last if last > 0 else math.nan


def last_val_metric(run: Run, name: str) -> float:
    return float(run.records[-1].val_metrics.get(name, math.nan)) if run.records else math.nan


# Claim builders: the few shapes of claim the presets use.

def loss_below(text: str, fraction: float, *, of: str = "baseline", **changes: Any) -> Claim:
    """The final training loss is below `fraction` of the baseline (or of a given loss value)."""
    def check(run: Run) -> ClaimResult:
        ref = run.baseline_loss if of == "baseline" else float(of)
        ratio = final_loss(run) / ref
        return ClaimResult(ratio < fraction, ratio,
                           f"final loss {final_loss(run):.3g} is {ratio:.3g}x the {of_name(of)}")
    return Claim(text, check, changes)


def loss_above(text: str, fraction: float, *, of: str = "baseline", **changes: Any) -> Claim:
    """The final training loss stays above `fraction` of the baseline (or of a loss value)."""
    def check(run: Run) -> ClaimResult:
        ref = run.baseline_loss if of == "baseline" else float(of)
        ratio = final_loss(run) / ref
        return ClaimResult(ratio > fraction, ratio,
                           f"final loss {final_loss(run):.3g} is {ratio:.3g}x the {of_name(of)}")
    return Claim(text, check, changes)


def of_name(of: str) -> str:
    return "baseline" if of == "baseline" else f"threshold {float(of):.3g}"


def spike_above(text: str, factor: float, **changes: Any) -> Claim:
    def check(run: Run) -> ClaimResult:
        spike = grad_spike(run)
        return ClaimResult(spike >= factor, spike, f"largest gradient norm is {spike:.2g}x step 0's")
    return Claim(text, check, changes)


def loss_jump_above(text: str, factor: float, **changes: Any) -> Claim:
    def check(run: Run) -> ClaimResult:
        jump = loss_jump(run)
        return ClaimResult(jump >= factor, jump, f"largest loss is {jump:.2g}x step 0's")
    return Claim(text, check, changes)


def spike_below(text: str, factor: float, **changes: Any) -> Claim:
    def check(run: Run) -> ClaimResult:
        spike = grad_spike(run)
        return ClaimResult(spike < factor, spike, f"largest gradient norm is {spike:.2g}x step 0's")
    return Claim(text, check, changes)


def gradient_reaches(text: str, low: float | None = None, high: float | None = None,
                     **changes: Any) -> Claim:
    """||dL/dh_0|| / ||dL/dh_{T-1}|| at the last record is above `low` and/or below `high`."""
    def check(run: Run) -> ClaimResult:
        if not run.records:
            return ClaimResult(False, math.nan, "no record to measure")
        ratio = grad_through_time(run)
        ok = math.isfinite(ratio) and (low is None or ratio > low) and (high is None or ratio < high)
        T = run.config.seq_len
        return ClaimResult(ok, ratio, f"gradient at t=0 is {ratio:.2g} of t={T - 1}")
    return Claim(text, check, changes)


def metric_above(text: str, name: str, low: float, words: str, **changes: Any) -> Claim:
    """A validation metric at the last record is above `low`."""
    def check(run: Run) -> ClaimResult:
        value = last_val_metric(run, name)
        return ClaimResult(value > low, value, f"{words} {value:.3g}")
    return Claim(text, check, changes)


# The embedded Reber lesson: where the branch symbol is stored, and whether its forget gate holds.

def reber_spans(ids: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(sequence, branch step, inner E step, branch symbol id) of every whole string in the probe.

    Each probe sequence starts at an outer B: B, branch T/P, the inner string up to its E, the
    closing T/P, the outer E, then the next B. ids: (P, T) symbol ids."""
    from rnnviz.tasks.reber import SYMBOLS

    E = SYMBOLS.index("E")
    spans = []
    for seq, row in enumerate(ids.tolist()):
        start = 0
        while start + 2 < len(row):
            ends = [t for t in range(start + 2, len(row)) if row[t] == E]
            if not ends:
                break
            spans.append((seq, start + 1, ends[0], row[start + 1]))
            start = ends[0] + 3
    return spans


def branch_memory(run: Run) -> tuple[int, float, float, float]:
    """At the last record, over every step inside inner strings of the probe (after the branch
    symbol, up to the inner E): the unit whose cell state best tells T from P, that separation
    (|mean difference| / pooled std), its mean forget gate there, and the mean over all units."""
    record = run.records[-1] if run.records else None
    if record is None or not record.cell_state or run.probe_inputs is None:
        return -1, math.nan, math.nan, math.nan
    cells, forget = record.cell_state[-1], record.gates[-1]["forget"]  # (P, T, H)
    steps = [(s, t, sym) for s, t0, e, sym in reber_spans(np.asarray(run.probe_inputs).argmax(-1))
             for t in range(t0 + 1, e + 1)]
    branch = np.array([sym for *_, sym in steps])
    if len(set(branch.tolist())) < 2:
        return -1, math.nan, math.nan, math.nan
    held = np.array([cells[s, t] for s, t, _ in steps])          # (N, H)
    gates = np.array([forget[s, t] for s, t, _ in steps])        # (N, H)
    a, b = held[branch == branch[0]], held[branch != branch[0]]
    separation = np.abs(a.mean(0) - b.mean(0)) / (np.sqrt((a.var(0) + b.var(0)) / 2) + 1e-6)
    unit = int(np.argmax(separation))
    return unit, float(separation[unit]), float(gates[:, unit].mean()), float(gates.mean())


def branch_is_held(text: str, low: float, **changes: Any) -> Claim:
    """Some unit's cell state tells T from P all through the inner string, by `low` std or more."""
    def check(run: Run) -> ClaimResult:
        unit, separation, _, _ = branch_memory(run)
        return ClaimResult(separation > low, separation,
                           f"unit {unit}'s cell state is {separation:.2g} std apart for T and P")
    return Claim(text, check, changes)


def forget_gate_holds(text: str, margin: float, **changes: Any) -> Claim:
    """The unit that carries T/P keeps its forget gate open wider than the average unit does."""
    def check(run: Run) -> ClaimResult:
        unit, _, held, average = branch_memory(run)
        gap = held - average
        return ClaimResult(gap > margin, gap, f"unit {unit}'s forget gate averages {held:.2f} "
                           f"inside inner strings, against {average:.2f} for all units")
    return Claim(text, check, changes)


# Sentiment: accuracy on negated sentences, and final hidden states that separate by label.

def history_mean(run: Run, name: str, last: int = 50) -> float:
    """Mean of a history column over the last `last` steps, nan steps (no such input) left out."""
    if name not in run.history.columns:
        return math.nan
    values = run.history[name].to_numpy(dtype=np.float64)[-last:]
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def metric_mean_above(text: str, name: str, low: float, words: str, last: int = 50,
                      **changes: Any) -> Claim:
    """A training metric averaged over the last `last` steps (fresh batches, each measured before
    the model trained on it: thousands of sentences) is above `low`."""
    def check(run: Run) -> ClaimResult:
        value = history_mean(run, name, last)
        return ClaimResult(value > low, value, f"{words} {value:.3g} over the last {last} steps")
    return Claim(text, check, changes)


def classes_separate(text: str, low: float, **changes: Any) -> Claim:
    """At the last record, the probe's final hidden states of different labels lie apart on the
    first PCA axis: class means over `low` pooled standard deviations apart."""
    def check(run: Run) -> ClaimResult:
        from rnnviz.decisions import separation
        value = separation(run)
        return ClaimResult(value > low, value, f"class means {value:.3g} standard deviations apart")
    return Claim(text, check, changes)
