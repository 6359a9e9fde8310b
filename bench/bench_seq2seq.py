"""Seq2seq targets on 2 CPU cores: reversal at length 10 with attention reaches 95% token accuracy
within 60 s of training; and how the accuracy of a model without attention falls with length.

Usage (from the repo root): python -m bench.bench_seq2seq [--seeds 0-2] [--steps 600]
    [--lengths 5,10,15,20] [--length-seeds 0-1]
Accuracy is greedy decoding (each step reads the model's own last guess) on the run's validation
batch; the seconds count everything train() does, records (the look inside) included. Both wall
and CPU seconds are printed: on a shared machine the wall time measures the other users; the CPU
seconds of one thread are what the run costs (and its wall time on an idle core).
"""

from __future__ import annotations

import argparse
import threading
import time

import torch

import rnnviz
from rnnviz.lessons import parse_seeds

TARGET_ACCURACY, TARGET_S, GIVE_UP_S = 0.95, 60.0, 180.0  # GIVE_UP_S: CPU seconds
REVERSE = dict(cell="gru", task="reverse", hidden_size=64, batch_size=64, lr=5e-3, record_every=25)


def seconds_to_target(seed: int) -> dict[str, float | None]:
    """Wall and CPU seconds until the validation token accuracy first reached the target (None if
    it did not within GIVE_UP_S CPU seconds), the best accuracy seen and its step, for reversal at
    length 10 with additive attention."""
    cfg = rnnviz.RunConfig(seq_len=10, steps=100_000, attention="additive", seed=seed, **REVERSE)
    stop = threading.Event()
    found: dict[str, float | None] = {"best": 0.0, "step": 0, "wall": None, "cpu": None}
    wall, cpu = time.perf_counter(), time.process_time()

    def on_record(run: rnnviz.Run) -> None:
        accuracy = run.records[-1].val_metrics["accuracy"]
        if accuracy > found["best"]:
            found.update(best=accuracy, step=run.records[-1].step)
        if accuracy >= TARGET_ACCURACY and found["cpu"] is None:
            found.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu)
        if found["cpu"] is not None or time.process_time() - cpu > GIVE_UP_S:
            stop.set()

    rnnviz.train(cfg, on_record=on_record, stop=stop)
    return found


def by_length(lengths: list[int], seeds: list[int], steps: int) -> None:
    """Train with and without attention at each length (same steps); final greedy accuracy."""
    print(f"\nAccuracy against length, {steps} steps each (token / whole sequence), mean over seeds "
          f"{seeds[0]}-{seeds[-1]}:")
    print(f"{'length':>6}  {'attention':>10}  {'tokens':>7}  {'sequences':>9}  {'CPU s':>7}")
    for n in lengths:
        for attention in ("none", "additive"):
            tokens, seqs, seconds = [], [], []
            for seed in seeds:
                cfg = rnnviz.RunConfig(seq_len=n, steps=steps, attention=attention, seed=seed,
                                       **{**REVERSE, "record_every": steps})
                started = time.process_time()
                metrics = rnnviz.train(cfg).records[-1].val_metrics
                seconds.append(time.process_time() - started)
                tokens.append(metrics["accuracy"])
                seqs.append(metrics["sequence_accuracy"])
            mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
            print(f"{n:>6}  {attention:>10}  {mean(tokens):>7.3f}  {mean(seqs):>9.3f}  {mean(seconds):>7.1f}",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--steps", type=int, default=600, help="training steps per run of the length table")
    parser.add_argument("--lengths", default="5,10,15,20")
    parser.add_argument("--length-seeds", default="0-1", help="seeds of the length table")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the ops are small: a "
                        "second thread adds little, and the CPU seconds then count both)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = parse_seeds(args.seeds)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; target: token accuracy "
          f">= {TARGET_ACCURACY:.0%} within {TARGET_S:.0f} s (reversal, length 10, additive attention)")
    rnnviz.train(rnnviz.RunConfig(steps=2))  # first-call imports out of the way
    for seed in seeds:
        found = seconds_to_target(seed)
        cpu = found["cpu"]
        verdict = (f"{cpu:5.1f} CPU s, {found['wall']:5.1f} wall s (step {found['step']}) "
                   f"{'ok' if cpu <= TARGET_S else 'OVER TARGET'}" if cpu is not None
                   else f"not reached in {GIVE_UP_S:.0f} CPU s (best {found['best']:.3f})")
        print(f"seed {seed}: {verdict}", flush=True)
    by_length([int(n) for n in args.lengths.split(",")], parse_seeds(args.length_seeds), args.steps)


if __name__ == "__main__":
    main()
