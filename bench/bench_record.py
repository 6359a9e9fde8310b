"""What one record costs, by part, against one training step (ms, median of N calls).

A record (rnnviz.probe.look_inside) is the gradients through time on the probe batch (rnnviz.bptt),
the eigenvalues of every W_hh block, the validation and seen batches' forward pass, and the
arrays it keeps. "step" is one training step of batch 32: forward, backward and Adam.
Usage (from the repo root): python -m bench.bench_record [--threads 1] [--repeats 30]
"""

from __future__ import annotations

import argparse

import torch

from bench.timing import median_seconds
from rnnviz import RunConfig, bptt, probe
from rnnviz.model import build_model
from rnnviz.tasks import make_task

SHAPES = [("lstm", 32, 50), ("lstm", 64, 50), ("lstm", 128, 50), ("lstm", 64, 200), ("gru", 64, 50),
          ("gru", 64, 200), ("rnn_tanh", 64, 50), ("rnn_tanh", 64, 200)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (the app uses 1)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), adding task, probe 8, "
          f"val and seen 32 each, median of {args.repeats}; ms")
    print(f"{'cell':9}{'H':>5}{'T':>5}{'step':>8}{'record':>8}{'bptt':>8}{'spectra':>8}{'val':>8}"
          f"{'record/step':>13}")
    for cell, hidden, seq_len in SHAPES:
        parts = costs(cell, hidden, seq_len, args.repeats)
        print(f"{cell:9}{hidden:>5}{seq_len:>5}" + "".join(f"{p:>8.2f}" for p in parts)
              + f"{parts[1] / parts[0]:>13.2f}", flush=True)


def costs(cell: str, hidden: int, seq_len: int, repeats: int) -> list[float]:
    """ms of (a training step, a whole record, bptt, spectra, the val and seen forward)."""
    cfg = RunConfig(cell=cell, task="adding", hidden_size=hidden, seq_len=seq_len, batch_size=32)
    task = make_task(cfg)
    model = build_model(cfg, task, torch.Generator().manual_seed(0))
    probe_batch = task.probe_batch(cfg.probe_size, torch.Generator().manual_seed(2))
    val = task.batch(32, torch.Generator().manual_seed(3), split="val")
    seen = task.batch(32, torch.Generator().manual_seed(5))
    x, y = task.batch(32, torch.Generator().manual_seed(1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        task.loss(model(x), y).backward()
        optimizer.step()

    def forward() -> None:
        with torch.no_grad():
            probe.outputs_on(model, val[0], seen[0])

    return [1000 * median_seconds(fn, repeats) for fn in (
        step,
        lambda: probe.look_inside(0, model, task, probe_batch, val, {}, {}, seen),
        lambda: bptt.through_time(model.rnn, probe_batch[0], lambda top: torch.ones(1, *top.shape)),
        lambda: probe.spectra(model),
        forward)]


if __name__ == "__main__":
    main()
