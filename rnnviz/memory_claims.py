"""A lesson claim read off the memory map: how much the adding problem's final output depends on
the first marked number (the one a network must carry across half the sequence)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from rnnviz.claims import Claim, ClaimResult
from rnnviz.memory_map import memory_map
from rnnviz.run import Run
from rnnviz.tasks import make_task


def first_marker_share(run: Run) -> float:
    """Median over the probe sequences of the final output's ‖∂y_T/∂x_s‖ at the first marked step,
    over its largest over all s (memory map, final weights); nan without weights or probe inputs."""
    from rnnviz.weights import model_at  # weights imports the model; keep this module light

    if run.config.task != "adding" or run.probe_inputs is None or run.weights is None:
        return math.nan
    model, task = model_at(run), make_task(run.config)
    shares = []
    for x in np.asarray(run.probe_inputs):
        first = int(np.flatnonzero(x[:, 1])[0])  # markers are column 1; the first lies in the first half
        shares.append(memory_map(model, task, torch.as_tensor(x)).normalised[0, first])
    return float(np.median(shares))


def first_marker_used(text: str, low: float | None = None, high: float | None = None,
                      **changes: Any) -> Claim:
    """first_marker_share(run) is above `low` and/or below `high`."""
    def check(run: Run) -> ClaimResult:
        share = first_marker_share(run)
        ok = math.isfinite(share) and (low is None or share > low) and (high is None or share < high)
        return ClaimResult(ok, share, f"the first marked number's share is {share:.2g} of the largest")
    return Claim(text, check, changes)
