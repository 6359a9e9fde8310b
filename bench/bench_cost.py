"""The cost model against measurement: estimated and measured peak memory and time, with ratios.

Each config trains in a fresh process (rnnviz.cost.measure); nothing over ~3 GB is run: the larger
configs of issue 9 are only estimated (marked "estimate only").
Usage (from the repo root): python -m bench.bench_cost [--threads 1] [--quick]
"""

from __future__ import annotations

import argparse
import random
import time

import torch

from rnnviz.config import RunConfig
from rnnviz.cost import calibrate, estimate, measure
from rnnviz.tasks.text import MAX_CHARS

LIMIT_BYTES = 3 * 2**30  # never run a config estimated above this here


def zipf_text(distinct: int, length: int, words: bool, seed: int = 0) -> str:
    """A text over `distinct` symbols (CJK characters, or words w0, w1...) with Zipf frequencies."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(distinct)]
    picks = rng.choices(range(distinct), weights, k=length)
    return " ".join(f"w{i}" for i in picks) if words else "".join(chr(0x4E00 + i) for i in picks)


def grid(quick: bool) -> list[RunConfig]:
    base = RunConfig(steps=12, record_every=5, seed=0)
    chars = {"text": zipf_text(MAX_CHARS, 40_000, words=False)}
    words = {"text": zipf_text(20_000, 200_000, words=True), "max_vocab": 20_000}
    configs = [
        base.replace(cell="lstm", hidden_size=128, seq_len=100, batch_size=128),
        base.replace(cell="gru", hidden_size=128, seq_len=50, batch_size=128, num_layers=2),
        base.replace(cell="rnn_tanh", hidden_size=256, seq_len=200, batch_size=64),
        base.replace(cell="lstm", hidden_size=64, seq_len=100, batch_size=64, bidirectional=True),
        base.replace(cell="lstm", task="chars", hidden_size=128, seq_len=100, batch_size=64,
                     task_options=chars),
        base.replace(cell="gru", task="words", hidden_size=64, seq_len=50, batch_size=32,
                     task_options=words),
    ]
    if not quick:
        configs += [
            base.replace(cell="lstm", hidden_size=256, seq_len=100, batch_size=256, num_layers=2),
            base.replace(cell="gru", hidden_size=256, seq_len=400, batch_size=32, bidirectional=True),
            base.replace(cell="rnn_relu", hidden_size=64, seq_len=400, batch_size=32, num_layers=4),
            base.replace(cell="lstm", hidden_size=32, seq_len=50, batch_size=16, probe_size=32,
                         record_every=2),
            base.replace(cell="lstm", task="words", hidden_size=256, seq_len=100, batch_size=64,
                         task_options=words),
            base.replace(cell="lstm", task="chars", hidden_size=256, seq_len=400, batch_size=32,
                         num_layers=2, task_options=chars),
        ]
    return configs


def extrapolated() -> list[RunConfig]:
    """Issue 9's configs, too large to run here."""
    # record_every as the app's record cap (48 MB) would raise it; issue 9 measured 9.1 GB (4 layers)
    # and 2.06 GB (1 layer) for the whole process
    big = RunConfig(cell="lstm", hidden_size=256, num_layers=4, bidirectional=True, seq_len=400,
                    batch_size=256, steps=3000, record_every=1500)
    return [big, big.replace(num_layers=1)]


def describe(cfg: RunConfig) -> str:
    words = f"{cfg.cell} {cfg.task} H{cfg.hidden_size} L{cfg.num_layers}{'bi' if cfg.bidirectional else ''}"
    return f"{words} T{cfg.seq_len} B{cfg.batch_size} P{cfg.probe_size}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    machine = calibrate()
    print(f"calibrate(): {time.perf_counter() - start:.2f} s -> {machine}")
    print(f"{'config':44} {'est MB':>8} {'meas MB':>8} {'ratio':>6} {'est ms':>8} {'meas ms':>8} "
          f"{'ratio':>6} {'est s':>7} {'meas s':>7} {'ratio':>6}")
    baseline = None
    for cfg in grid(args.quick):
        cost = estimate(cfg, machine=machine)
        if cost.peak_bytes > LIMIT_BYTES:
            print(f"{describe(cfg):44} skipped: estimated {cost.peak_mb:.0f} MB")
            continue
        got = measure(cfg, threads=args.threads)
        baseline = got.baseline_bytes
        mb = got.peak_bytes / 2**20
        print(f"{describe(cfg):44} {cost.peak_mb:8.1f} {mb:8.1f} {cost.peak_mb / mb:6.2f} "
              f"{1e3 * cost.seconds_per_step:8.1f} {1e3 * got.seconds_per_step:8.1f} "
              f"{cost.seconds_per_step / got.seconds_per_step:6.2f} {cost.total_seconds:7.2f} "
              f"{got.total_seconds:7.2f} {cost.total_seconds / got.total_seconds:6.2f}")
    if baseline is not None:
        print(f"process baseline (python + torch + rnnviz after a tiny run): {baseline / 2**20:.0f} MB")
    for cfg in extrapolated():
        cost = estimate(cfg, machine=machine)
        print(f"{describe(cfg):44} {cost.peak_mb:8.0f} (estimate only) {1e3 * cost.seconds_per_step:8.0f} ms"
              f"/step, {cost.total_seconds / 3600:.1f} h for {cfg.steps} steps")


if __name__ == "__main__":
    main()
