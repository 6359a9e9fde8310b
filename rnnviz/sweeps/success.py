"""Success criteria: when does one run of a sweep count as a success, and after how many steps."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rnnviz.run import Run

SMOOTH = 50  # steps in the running mean that decides "steps to success" (one batch is noisy)


@dataclass(frozen=True)
class Criterion:
    """Success when `metric` is below (loss: validation loss / baseline) or at least (accuracy
    metrics) `threshold` on the held-out batch at the end of the run."""

    metric: str        # "loss" (as a fraction of the task's baseline) or a task metric: "accuracy"
    threshold: float

    @property
    def text(self) -> str:
        return (f"loss < {self.threshold:g}x baseline" if self.metric == "loss"
                else f"{self.metric} >= {self.threshold:g}")

    def final(self, run: Run) -> float:
        """The number the criterion reads at the end: val loss / baseline, or the val metric."""
        if not run.records:
            return math.nan
        last = run.records[-1]
        if self.metric == "loss":
            base = run.val_baseline_loss if math.isfinite(run.val_baseline_loss) else run.baseline_loss
            return float(last.val_loss / base) if base > 0 else math.nan
        return float(last.val_metrics.get(self.metric, math.nan))

    def passed(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value < self.threshold if self.metric == "loss" else value >= self.threshold

    def steps_to_success(self, run: Run) -> float:
        """The first step where the training curve's running mean meets the criterion (nan: never)."""
        if self.metric == "loss":
            curve = run.rows.column("loss") / run.baseline_loss if run.rows else np.zeros(0)
        elif self.metric in run.metric_names:
            curve = run.rows.column(self.metric)
        else:
            return math.nan
        window = max(1, min(SMOOTH, len(curve) // 10))
        smooth = np.convolve(curve, np.ones(window) / window, mode="valid")  # smooth[i]: steps i..i+w-1
        ok = smooth < self.threshold if self.metric == "loss" else smooth >= self.threshold
        hits = np.flatnonzero(ok & np.isfinite(smooth))
        return float(hits[0] + window) if hits.size else math.nan


# Sensible defaults per task: regression learns when its loss is a tenth of the best constant's;
# a classification task when 95% of held-out answers are right (Reber: the closing symbol, the one
# that needs memory); text never reaches 95%, so it counts as learnt well below the baseline.
DEFAULTS = {"adding": Criterion("loss", 0.1), "ramp": Criterion("loss", 0.1),
            "sine": Criterion("loss", 0.1), "csv": Criterion("loss", 0.1),
            "copy": Criterion("accuracy", 0.95), "temporal_order": Criterion("accuracy", 0.95),
            "reber": Criterion("closing_accuracy", 0.95), "chars": Criterion("loss", 0.6),
            "words": Criterion("loss", 0.6)}
PATTERN = re.compile(r"\s*(loss|[a-z_]+)\s*(<|>=)\s*([0-9.eE+-]+)\s*(?:x\s*baseline)?\s*")


def criterion_for(task: str, success: Criterion | str | None = None) -> Criterion:
    """`success` as a Criterion: None gives the task's default; text like "loss<0.1" (a fraction of
    the baseline) or "accuracy>=0.9" is parsed. ValueError starts with "success"."""
    if isinstance(success, Criterion):
        return success
    if success is None:
        return DEFAULTS.get(task, Criterion("loss", 0.1))
    match = PATTERN.fullmatch(str(success))
    if not match:
        raise ValueError(f"success: expected e.g. 'loss<0.1' (a fraction of the baseline) or "
                         f"'accuracy>=0.95', got {success!r}")
    metric, op, raw = match.groups()
    if (metric == "loss") != (op == "<"):
        raise ValueError(f"success: use 'loss<X' or '{metric}>=X', got {success!r}")
    try:
        threshold = float(raw)
    except ValueError:
        raise ValueError(f"success: {raw!r} is not a number") from None
    if not math.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"success: the threshold must be a positive number, got {raw!r}")
    return Criterion(metric, threshold)
