"""Cost of reading `run.history` on a 3,000-step run: 100 reads, and the first read after a new step.

Run from the repository root: PYTHONPATH=. python bench/bench_history.py"""

import time

import rnnviz
from rnnviz.run import Run


def row(step: int) -> dict:
    return {"step": step, "loss": 1.0 / (step + 1), "grad_norm": 2.0, "grad_norm_clipped": 1.0,
            "clipped": step % 2 == 0}


def main() -> None:
    run = Run(config=rnnviz.RunConfig(cell="lstm", task="adding", steps=3000))
    start = time.perf_counter()
    for step in range(3000):
        run.rows.append(row(step))
    appends = time.perf_counter() - start
    frames = [run.history]
    best = []
    for _ in range(5):
        start = time.perf_counter()
        frames += [run.history for _ in range(100)]
        best.append(time.perf_counter() - start)
    print(f"100 reads: {min(best) * 1e3:.3f} ms (best of 5); 3000 appends: {appends * 1e3:.1f} ms")
    rebuilds = []
    for step in range(3000, 3100):
        run.rows.append(row(step))
        start = time.perf_counter()
        frames.append(run.history)
        rebuilds.append(time.perf_counter() - start)
    print(f"first read after a new step (a rebuild): median {sorted(rebuilds)[50] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
