"""Wall time of every preset's defaults (target: 15 s or less on 2 CPU cores).

Usage (from the repo root): python -m bench.bench_presets
For every claim on seeds 0-9, with the seconds per run: python -m rnnviz.lessons --seeds 0-9
"""

from __future__ import annotations

import time

import torch

import rnnviz
from rnnviz.lessons import claims_for
from rnnviz.presets import PRESETS

TARGET_S = 15.0


def main() -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; target {TARGET_S:.0f} s")
    print(f"{'preset':14}{'cell':10}{'task':10}{'steps':>6}{'seconds':>9}{'/ target':>10}"
          "  status, final loss vs baseline, claims held")
    rnnviz.train(rnnviz.RunConfig(steps=2))  # first-call imports (torch._dynamo via Adam) out of the way
    for name, preset in PRESETS.items():
        cfg = preset.config
        started = time.perf_counter()
        run = rnnviz.train(cfg)
        seconds = time.perf_counter() - started
        final = run.history.loss.iloc[-20:].mean()
        held = [result.passed for _, result in claims_for(preset, run)]
        print(f"{name:14}{cfg.cell:10}{cfg.task:10}{cfg.steps:>6}{seconds:>9.1f}{seconds / TARGET_S:>10.2f}"
              f"  {run.status}, {final:.4f} vs {run.baseline_loss:.4f}, {sum(held)}/{len(held)}",
              flush=True)


if __name__ == "__main__":
    main()
