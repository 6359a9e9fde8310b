"""Time to learn the adding problem at T=100: rnnviz.train against a plain torch.nn loop.

The run of issue 11 (LSTM H=64, T=100, batch 64, Adam lr 3e-3, clip 1.0, seed 11, records every
10 steps): rnnviz.train until the 50-step mean loss first falls below 0.1x the baseline loss, then
the plain loop for the same number of steps from the same initial weights on the same batches.
Runs alternate (rnnviz, plain, ...) so the shared machine's noise hits both alike.
Usage (from the repo root): python -m bench.bench_adding [--repeats 2] [--threads N] [--seeds 11]
"""

from __future__ import annotations

import argparse
import threading
import time

import torch
from torch import nn

import rnnviz
from bench.bench_train import plain_steps
from rnnviz.model import build_model
from rnnviz.tasks import make_task

WINDOW, SHARE, MAX_STEPS = 50, 0.1, 4000


def config(seed: int) -> rnnviz.RunConfig:
    return rnnviz.RunConfig(cell="lstm", task="adding", hidden_size=64, seq_len=100, batch_size=64,
                            lr=3e-3, clip_norm=1.0, seed=seed, steps=MAX_STEPS, record_every=10,
                            device="cpu")


def rnnviz_until_learnt(cfg: rnnviz.RunConfig) -> tuple[int | None, float]:
    """(the first step whose 50-step mean loss is below 0.1x baseline, seconds to get there)."""
    stop, found = threading.Event(), []
    started = time.perf_counter()
    threshold = SHARE * make_task(cfg).baseline_loss

    def check(run: rnnviz.Run) -> None:
        losses = run.rows.column("loss")[-WINDOW:]
        if not found and len(losses) == WINDOW and losses.mean() < threshold:
            found.append((len(run.rows) - 1, time.perf_counter() - started))
            stop.set()

    rnnviz.train(cfg, stop=stop, on_progress=check, progress_every_s=0.0)  # checked every step
    return found[0] if found else (None, time.perf_counter() - started)


def plain_from_rnnviz_start(cfg: rnnviz.RunConfig, steps: int) -> float:
    """Seconds for `steps` steps of the loop a person would write with torch.nn, from rnnviz's
    initial weights and on rnnviz's batches (so it learns the same way)."""
    task = make_task(cfg)
    start = build_model(cfg, task, torch.Generator().manual_seed(cfg.seed))
    lstm = nn.LSTM(task.input_size, cfg.hidden_size, batch_first=True)
    head = nn.Linear(cfg.hidden_size, task.output_size)
    lstm.load_state_dict(start.rnn.state_dict())  # rnnviz's layer uses torch.nn's names and layouts
    head.load_state_dict(start.head.state_dict())
    return plain_steps(cfg, task, lstm, head, steps + 1)  # updates 0..steps, as rnnviz made them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--seeds", default="11", help="comma-separated")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; adding T=100, LSTM H=64, "
          f"batch 64, lr 3e-3, clip 1.0, record_every=10; target rnnviz <= 27 s")
    print(f"{'seed':>5}{'step':>7}{'rnnviz s':>10}{'plain s':>9}{'ratio':>7}")
    for seed in (int(s) for s in args.seeds.split(",")):
        for _ in range(args.repeats):
            step, ours = rnnviz_until_learnt(config(seed))
            if step is None:
                print(f"{seed:>5}  not learnt in {MAX_STEPS} steps ({ours:.1f} s)", flush=True)
                break
            plain = plain_from_rnnviz_start(config(seed), step)
            print(f"{seed:>5}{step:>7}{ours:>10.1f}{plain:>9.1f}{ours / plain:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
