"""One run of a sweep, as a worker process or a Ray task does it: config in, one table row out."""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any

import numpy as np
import torch

from rnnviz.config import RunConfig
from rnnviz.run import Run
from rnnviz.sweeps.grid import config_key
from rnnviz.sweeps.success import Criterion
from rnnviz.train import train

# Columns every results table has, besides the swept fields (in this order, after them)
ROW_COLUMNS = ("key", "status", "success", "loss_ratio", "accuracy", "steps_to_success",
               "steps_done", "elapsed_s", "criterion", "loss_history_sha", "config")


def one_thread() -> None:
    """A worker trains with one torch thread: N workers on N cores, no oversubscription."""
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed before any inter-op work in this process
        pass


def history_sha(run: Run) -> str:
    """A fingerprint of the whole training-loss history (float64 bytes): equal runs, equal prints."""
    losses = run.rows.column("loss") if run.rows else np.zeros(0)
    return hashlib.sha256(np.ascontiguousarray(losses, dtype=np.float64).tobytes()).hexdigest()[:16]


def row_of(run: Run, criterion: Criterion, elapsed_s: float) -> dict[str, Any]:
    """The results-table row of a finished (or diverged) run."""
    cfg = run.config
    last = run.records[-1] if run.records else None
    base = run.val_baseline_loss if math.isfinite(run.val_baseline_loss) else run.baseline_loss
    success = criterion.passed(criterion.final(run))
    return {"key": config_key(cfg), "status": "diverged" if run.diverged else run.status,
            "success": bool(success),
            "loss_ratio": float(last.val_loss / base) if last is not None and base > 0 else math.nan,
            "accuracy": float(last.val_metrics.get("accuracy", math.nan)) if last else math.nan,
            # when the training curve first met the criterion, for a run that ends meeting it
            "steps_to_success": criterion.steps_to_success(run) if success else math.nan,
            "steps_done": run.steps_done,
            "elapsed_s": elapsed_s, "criterion": criterion.text, "loss_history_sha": history_sha(run),
            "config": json.dumps(cfg.to_dict(), sort_keys=True, default=str)}


def run_one(cfg: dict[str, Any], criterion: Criterion, stop: Any = None) -> dict[str, Any] | None:
    """Train `cfg` (a RunConfig's dict: plain data crosses processes) and return its row, or None
    when `stop` (anything with is_set()) ended it early: a stopped run leaves no row."""
    config = RunConfig.from_dict(cfg)
    started = time.perf_counter()
    run = train(config, stop=_Polled(stop) if stop is not None else None)
    if run.status == "stopped":
        return None
    return row_of(run, criterion, time.perf_counter() - started)


class _Polled:
    """Looks at a cross-process event at most every 0.1 s: train() asks every step."""

    def __init__(self, event: Any):
        self.event, self.next_look, self.seen = event, 0.0, False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.seen and now >= self.next_look:
            self.seen, self.next_look = bool(self.event.is_set()), now + 0.1
        return self.seen
