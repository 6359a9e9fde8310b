"""Sweep executors: the speed-up of 2 local workers over 1, Ray's overhead against the local pool,
and the wall time of the "how far back" preset.

Each figure is a wall time of rnnviz.sweep over identical runs (seeds differ); the load average
is printed beside it, since a shared machine's other work slows the pool more than one process.
Usage (from the repo root): python -m bench.bench_sweep [--runs 4] [--steps 400] [--ray] [--preset]
"""

from __future__ import annotations

import argparse
import os
import time

import rnnviz
from rnnviz.sweeps.presets import SWEEP_PRESETS, check_claims

BASE = rnnviz.RunConfig(cell="lstm", task="adding", hidden_size=32, seq_len=50, batch_size=64, lr=1e-2)


def timed(**kwargs) -> tuple[float, float]:
    """(wall seconds of the sweep, mean seconds one run took inside its worker)."""
    started = time.perf_counter()
    table = rnnviz.sweep(**kwargs)
    wall = time.perf_counter() - started
    assert (table.status == "finished").all(), table.status.tolist()
    return wall, float(table.elapsed_s.mean())


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def speedup(runs: int, steps: int) -> None:
    grid = {"seed": list(range(runs))}
    cfg = BASE.replace(steps=steps)
    one, per_one = timed(base=cfg, grid=grid, executor="local", workers=1)
    two, per_two = timed(base=cfg, grid=grid, executor="local", workers=2)
    print(f"local, {runs} runs of {steps} steps: 1 worker {one:.1f} s ({per_one:.1f} s/run), "
          f"2 workers {two:.1f} s ({per_two:.1f} s/run): speed-up {one / two:.2f}x  [{load()}]")


def ray_overhead(runs: int, steps: int) -> None:
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray.init(num_cpus=2): {time.perf_counter() - started:.1f} s (once per sweep)")
    grid = {"seed": list(range(runs))}
    cfg = BASE.replace(steps=steps)
    try:
        local, per_local = timed(base=cfg, grid=grid, executor="local", workers=2)
        on_ray, per_ray = timed(base=cfg, grid=grid, executor="ray", workers=2)
    finally:
        ray.shutdown()
    print(f"{runs} runs of {steps} steps, 2 CPUs: local pool {local:.1f} s ({per_local:.1f} s/run), "
          f"Ray (started) {on_ray:.1f} s ({per_ray:.1f} s/run): Ray's overhead "
          f"{100 * (on_ray / local - 1):+.1f}%  [{load()}]")


def preset(workers: int) -> None:
    p = SWEEP_PRESETS["how_far_back"]
    started = time.perf_counter()
    table = rnnviz.sweep(p.base, p.grid, p.success, executor="local", workers=workers)
    wall = time.perf_counter() - started
    print(f"how_far_back: {len(table)} runs on {workers} workers in {wall:.0f} s "
          f"({table.elapsed_s.sum():.0f} s of training)  [{load()}]")
    for claim, result in check_claims(p, table):
        print(f"  {'ok  ' if result.passed else 'FAIL'} {claim.text}: {result.detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=400, help="per run (400: about 10 s on one core)")
    parser.add_argument("--ray", action="store_true", help="also Ray's overhead (needs requirements-ray.txt)")
    parser.add_argument("--preset", action="store_true", help="also the how_far_back preset (minutes)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores  [{load()}]")
    speedup(args.runs, args.steps)
    if args.ray:
        ray_overhead(args.runs, args.steps)
    if args.preset:
        preset(2)


if __name__ == "__main__":
    main()
