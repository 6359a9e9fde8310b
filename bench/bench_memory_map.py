"""Cost of one memory map (seconds per map) at H=64, T=100, and of the torch.func alternative.

"copies": rnnviz.memory_map, one batched backward through torch's fused kernels (the sequence
repeated once per output step). "vmap(vjp)": torch.func.vjp of the instrumented path, vmapped over
the output steps' cotangents. Both give the same map; the copies are what the app uses.
Usage (from the repo root): python -m bench.bench_memory_map [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse

import torch

from bench.timing import median_seconds
from rnnviz import RunConfig
from rnnviz.memory_map import memory_map, recurrent_inputs, step_outputs
from rnnviz.model import build_model
from rnnviz.tasks import make_task


def vmap_vjp(model, task, x) -> torch.Tensor:
    """The same (R, T) norms through torch.func: vjp once, its pullback vmapped over the rows."""
    u = recurrent_inputs(model, x[None])
    chosen = model.head(model.rnn.fast(u)).argmax(-1) if task.kind == "classification" else None
    y, pullback = torch.func.vjp(lambda v: step_outputs(model, task, v, chosen, traced=True), u)
    T, K = y.shape[1], y.shape[2]
    rows = range(T) if task.targets == "every" else [T - 1]
    seeds = torch.zeros(len(rows) * K, *y.shape)
    for n, (t, k) in enumerate((t, k) for t in rows for k in range(K)):
        seeds[n, 0, t, k] = 1.0
    (grads,) = torch.func.vmap(pullback)(seeds)  # (R*K, 1, T, I)
    return torch.linalg.vector_norm(grads.reshape(len(rows), K, T, -1), dim=(1, 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"H=64, T=100, {args.threads} thread(s), median of {args.repeats}; seconds per map")
    print(f"{'cell':10} {'task':8} {'rows':>4} {'copies':>8} {'vmap(vjp)':>10}")
    for cell in ("rnn_tanh", "lstm", "gru"):
        for task_name in ("adding", "sine", "chars"):
            cfg = RunConfig(cell=cell, task=task_name, hidden_size=64, seq_len=100)
            task = make_task(cfg)
            model = build_model(cfg, task, torch.Generator().manual_seed(0)).eval()
            x = task.batch(1, torch.Generator().manual_seed(1))[0][0]
            rows = len(memory_map(model, task, x).rows)
            fast = median_seconds(lambda: memory_map(model, task, x), args.repeats)  # noqa: B023
            slow = median_seconds(lambda: vmap_vjp(model, task, x), max(1, args.repeats // 2))  # noqa: B023
            print(f"{cell:10} {task_name:8} {rows:>4} {fast:>8.3f} {slow:>10.3f}")


if __name__ == "__main__":
    main()
