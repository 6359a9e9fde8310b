"""Training speed: rnnviz.train (record_every=10) against a plain torch.nn loop doing the same steps.

Prints a table of ms/step and ratios. Runs alternate (plain, rnnviz, plain, rnnviz...) and the
median is kept, so the shared machine's noise hits both sides alike.
Usage (from the repo root):
  python -m bench.bench_train [--steps 50] [--repeats 3] [--threads N] [--cells lstm,gru]
                              [--record-every 10] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time

import torch
from torch import nn

import rnnviz
from rnnviz.tasks import Task, make_task

# rnnviz.train is the function; the module of the same name calls look_inside
trainer = importlib.import_module("rnnviz.train")
TORCH = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN}


def plain_loop(cfg: rnnviz.RunConfig) -> float:
    """The loop a person would write with torch.nn alone; returns seconds."""
    task = make_task(cfg)
    torch.manual_seed(cfg.seed)
    rnn = TORCH[cfg.cell](task.input_size, cfg.hidden_size, cfg.num_layers, batch_first=True)
    head = nn.Linear(cfg.hidden_size, task.output_size)
    return plain_steps(cfg, task, rnn, head, cfg.steps)


def plain_steps(cfg: rnnviz.RunConfig, task: Task, rnn: nn.Module, head: nn.Module, steps: int) -> float:
    """Seconds for `steps` steps of that loop with these modules, on rnnviz's batches for cfg.seed."""
    params = [*rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=cfg.lr)
    data = torch.Generator().manual_seed(cfg.seed + 1)
    started = time.perf_counter()
    for _ in range(steps):
        x, y = task.batch(cfg.batch_size, data)
        optimizer.zero_grad(set_to_none=True)
        loss = task.loss(head(rnn(x)[0]), y)
        loss.backward()
        nn.utils.clip_grad_norm_(params, cfg.clip_norm)
        loss.item()
        optimizer.step()
    return time.perf_counter() - started


def rnnviz_loop(cfg: rnnviz.RunConfig) -> tuple[float, float]:
    """rnnviz.train; returns (seconds, seconds spent taking records)."""
    spent = [0.0]
    original = trainer.look_inside

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    trainer.look_inside = timed
    try:
        started = time.perf_counter()
        run = rnnviz.train(cfg)
        total = time.perf_counter() - started
    finally:
        trainer.look_inside = original
    assert run.status == "finished", run.status
    return total, spent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--record-every", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="one size only, for a smoke run")
    parser.add_argument("--cells", default=",".join(TORCH), help="comma-separated, of " + ", ".join(TORCH))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch intra-op threads for both loops (the app uses 1 per trainer)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [(64, 50)] if args.quick else [(h, t) for t in (50, 200) for h in (32, 64, 128)]
    records = -(-args.steps // args.record_every) + 1  # step 0, every N, and the last
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps, "
          f"record_every={args.record_every} ({records} records), batch 32, median of {args.repeats}")
    print(f"{'cell':9}{'H':>5}{'T':>5}{'torch ms/step':>15}{'rnnviz ms/step':>16}{'ratio':>8}"
          f"{'records %':>11}")
    for cell in args.cells.split(","):
        for hidden, seq_len in sizes:
            cfg = rnnviz.RunConfig(cell=cell, task="adding", hidden_size=hidden, seq_len=seq_len,
                                   batch_size=32, steps=args.steps, lr=1e-3, clip_norm=1.0,
                                   record_every=args.record_every, device="cpu")
            plain_loop(cfg.replace(steps=3))  # warm up both paths
            rnnviz_loop(cfg.replace(steps=3))
            plain, ours, records = [], [], []
            for _ in range(args.repeats):
                plain.append(plain_loop(cfg))
                total, spent = rnnviz_loop(cfg)
                ours.append(total)
                records.append(spent / total)
            p, o = statistics.median(plain), statistics.median(ours)
            print(f"{cell:9}{hidden:>5}{seq_len:>5}{1000 * p / args.steps:>15.2f}"
                  f"{1000 * o / args.steps:>16.2f}{o / p:>8.2f}{100 * statistics.median(records):>10.1f}%",
                  flush=True)


if __name__ == "__main__":
    main()
