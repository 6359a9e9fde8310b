"""What a run will cost before it starts: peak memory and time, from the config's sizes.

Memory counts what a run adds to a process that already holds torch (see `measure.baseline`);
time counts floating-point work divided by this machine's measured speed (`calibrate`)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.generate import RECORD_LENGTH, generates_text
from rnnviz.model import EMBED_SIZE
from rnnviz.tasks import TASKS, Task, make_task
from rnnviz.weights import kept_count, kept_every

F32 = 4
# Floats torch keeps per sequence, time step and hidden unit of one layer and direction, measured
# with torch 2.13 on CPU: the fused training kernels keep gates, states and a workspace for
# backward (SAVED); backward holds one layer's gradients on top at its peak (BACKWARD).
SAVED = {"rnn_tanh": 6, "rnn_relu": 6, "lstm": 12, "gru": 12}
BACKWARD = {"rnn_tanh": 2, "rnn_relu": 2, "lstm": 7, "gru": 7}
# The instrumented path (records) runs the cell's equations one op at a time: every intermediate
# (gate pre-activations, activations, products) is kept for backward, and the trace stacks them.
TRACED = {"rnn_tanh": 5, "rnn_relu": 5, "lstm": 24, "gru": 20}
# Element-wise work per sequence, step and hidden unit of a layer (gate non-linearities, products),
# in flop-equivalents: memory-bound, so several times its arithmetic.
ELEMENTWISE = {"rnn_tanh": 20, "rnn_relu": 16, "lstm": 80, "gru": 120}
DROPOUT_SAVED = 2  # per dropped layer output (B, T, H*D): the mask and the masked copy, kept for backward
OPTIMIZER_FLOPS = {"adam": 20, "rmsprop": 12, "sgd": 6}     # per parameter per update
OPTIMIZER_STATE = {"adam": 2, "rmsprop": 1, "sgd": 1}       # float tensors per parameter
HISTORY_ROW_BYTES = 800  # one dict of floats per step in Run.rows
# Per output and time step, in flops of the matrix products: softmax, cross-entropy, their gradient and
# the accuracy's argmax are element-wise work, far slower per element than a matrix product. Fitted on
# tests/test_cost.py's configs: at 10, a 20,000-word vocabulary's step was estimated at 0.17-0.25x its
# measured time; at 150, 0.73x, against 0.97x for the adding config in the same run.
SOFTMAX_FLOPS = 150
ALLOCATOR_SLACK = 24 * 2**20  # measured: a run's first steps grow the heap by this much beyond its arrays


@dataclass(frozen=True)
class Machine:
    """This machine's speed for training: dense work and fixed costs, as `calibrate` measures them."""

    flops_per_s: float = 5e9          # the conservative default: a third of one core here (17e9)
    step_overhead_s: float = 2e-3     # per training step: batch, optimizer call, Python
    time_step_s: float = 4e-5         # per time step of one layer and direction, fused kernels
    traced_op_s: float = 4e-4         # per time step of one layer and direction, instrumented


DEFAULT_MACHINE = Machine()


@dataclass(frozen=True)
class Cost:
    """A run's estimated cost. `breakdown` gives bytes per part of the peak and seconds per part."""

    peak_bytes: int
    seconds_per_step: float
    seconds_per_record: float
    total_seconds: float
    breakdown: dict[str, float] = field(default_factory=dict)

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20


@dataclass(frozen=True)
class Sizes:
    """The sizes that cost scales with, from the config and its built task."""

    inputs: int       # input features per step (vocabulary size for one-hot text)
    outputs: int      # outputs per step
    tokens: bool      # inputs are token ids through an embedding
    every: bool       # a target at every step (the loss and its gradient are B x T x outputs)
    task_bytes: int   # arrays the task holds for the whole run (a text's ids, a CSV's values)

    @classmethod
    def of(cls, task: Task) -> Sizes:
        held = sum(v.numel() * v.element_size() for v in vars(task).values() if isinstance(v, torch.Tensor))
        held += sum(getattr(v, "nbytes", 0) for v in vars(task).values() if not isinstance(v, torch.Tensor))
        return cls(task.input_size, task.output_size, task.input_tokens, task.targets == "every", held)


def parameters(cfg: RunConfig, sizes: Sizes) -> int:
    """Number of trained parameters: embedding, recurrent stack, linear head."""
    rows, D = CELLS[cfg.cell].gate_rows * cfg.hidden_size, 2 if cfg.bidirectional else 1
    first = EMBED_SIZE if sizes.tokens else sizes.inputs
    count = sizes.inputs * EMBED_SIZE if sizes.tokens else 0
    for layer in range(cfg.num_layers):
        layer_in = first if layer == 0 else cfg.hidden_size * D
        count += D * rows * (layer_in + cfg.hidden_size + 2)
    return count + (cfg.hidden_size * D + 1) * sizes.outputs


def forward_flops(cfg: RunConfig, sizes: Sizes, batch: int) -> float:
    """Flops of one forward pass over `batch` sequences: matrix products plus element-wise work."""
    H, D, G = cfg.hidden_size, 2 if cfg.bidirectional else 1, CELLS[cfg.cell].gate_rows
    first = EMBED_SIZE if sizes.tokens else sizes.inputs
    per_step = 0.0
    for layer in range(cfg.num_layers):
        layer_in = first if layer == 0 else H * D
        per_step += D * (2 * G * H * (layer_in + H) + ELEMENTWISE[cfg.cell] * H)
    per_step += 2 * H * D * sizes.outputs + (SOFTMAX_FLOPS * sizes.outputs if sizes.every else 0)  # head
    return batch * cfg.seq_len * per_step


def record_count(cfg: RunConfig) -> int:
    """Records a finished run holds: step 0, every record_every steps, and the last step."""
    return cfg.steps // cfg.record_every + 1 + (1 if cfg.steps % cfg.record_every else 0)


def record_bytes(cfg: RunConfig) -> int:
    """One Record: hidden, gates and cell state on the probe batch, spectra, gradient norms."""
    H, D, L, G = cfg.hidden_size, 2 if cfg.bidirectional else 1, cfg.num_layers, CELLS[cfg.cell].gate_rows
    arrays = 1 + (G if G > 1 else 0) + (1 if cfg.cell == "lstm" else 0)
    sides = 2 if TASKS[cfg.task].kind == "seq2seq" else 1  # a decoder at most as large as the encoder
    traced = F32 * cfg.probe_size * cfg.seq_len * H * D * L * arrays * sides
    eigenvalues = 16 * L * D * G * H  # complex128
    return traced + eigenvalues + 2 * F32 * L * cfg.seq_len + 4096  # + norms by time, dicts


def memory(cfg: RunConfig, sizes: Sizes) -> dict[str, float]:
    """Bytes per part of a run's peak, beyond the process's own baseline."""
    B, T, H, P = cfg.batch_size, cfg.seq_len, cfg.hidden_size, cfg.probe_size
    LD = cfg.num_layers * (2 if cfg.bidirectional else 1)
    val = max(B, 32)
    x_bytes = 8 if sizes.tokens else F32 * sizes.inputs    # one step of one sequence's input
    out = F32 * T * sizes.outputs                          # one sequence's outputs
    params = parameters(cfg, sizes)
    records = record_count(cfg)
    parts: dict[str, float] = {
        "parameters and optimizer": F32 * params * (2 + OPTIMIZER_STATE[cfg.optimizer]),
        # probe, validation and seen (training windows measured like validation) batches
        "task data": sizes.task_bytes + (P + 2 * val) * T * (x_bytes + 8),
        "records": record_count(cfg) * record_bytes(cfg) + P * T * x_bytes,  # + probe_inputs
        "history": cfg.steps * HISTORY_ROW_BYTES,
        # the final weights, and a copy at the records that keep one (rnnviz.weights)
        "weights": F32 * params * (1 + kept_count(records, kept_every(params, records))),
        "allocator slack": ALLOCATOR_SLACK,
    }
    # one-hot inputs are built as int64, then converted: both exist for a moment
    batch_in = B * T * (x_bytes + 8) + (0 if sizes.tokens else B * T * sizes.inputs * 8)
    loss_copies = 4 if sizes.every else 2  # outputs, log-softmax kept for backward, their gradients
    dropout = DROPOUT_SAVED * LD if cfg.dropout > 0 else 0  # between layers and before the head
    train = (batch_in + B * T * H * F32 * (LD * SAVED[cfg.cell] + BACKWARD[cfg.cell] + dropout)
             + B * out * loss_copies)
    traced = P * T * H * F32 * LD * TRACED[cfg.cell] + P * out * loss_copies
    evaluate = val * (out * 3 + T * H * F32 * (CELLS[cfg.cell].gate_rows + 2))  # no_grad forward + loss
    parts["training step" if train >= traced + evaluate else "look inside (record)"] = max(
        train, traced + evaluate)
    return parts


def estimate(cfg: RunConfig, task: Task | None = None, machine: Machine | None = None) -> Cost:
    """Estimate peak memory (beyond the torch baseline) and time of `cfg` on `machine`.

    Pass `task` when it is already built (a text task parses its text to know its vocabulary)."""
    built = task if task is not None else make_task(cfg)
    sizes = Sizes.of(built)
    machine = machine or DEFAULT_MACHINE
    parts = memory(cfg, sizes)
    LD, T = cfg.num_layers * (2 if cfg.bidirectional else 1), cfg.seq_len
    params = parameters(cfg, sizes)
    step_flops = 3 * forward_flops(cfg, sizes, cfg.batch_size) + OPTIMIZER_FLOPS[cfg.optimizer] * params
    step_s = step_flops / machine.flops_per_s + machine.step_overhead_s + T * LD * machine.time_step_s
    passes = 2 if sizes.every else 1  # gradient norms of the last step's loss and of the whole loss
    traced_flops = (2 + passes * 2) * forward_flops(cfg, sizes, cfg.probe_size)
    eig_flops = 25 * LD * CELLS[cfg.cell].gate_rows * cfg.hidden_size ** 3
    val_flops = 2 * forward_flops(cfg, sizes, max(cfg.batch_size, 32))  # validation and seen batches
    # text runs write a sample: one batch-of-one fused step per token and layer, plus the draw
    writing = max(RECORD_LENGTH.values()) * (LD + 2) * machine.time_step_s if generates_text(built) else 0.0
    record_s = ((traced_flops + eig_flops + val_flops) / machine.flops_per_s
                + (1 + passes) * T * LD * machine.traced_op_s + writing)
    end_s = 0.0
    if built.kind == "seq2seq":  # a decoder besides: see seq2seq_cost
        from rnnviz.seq2seq_cost import seq2seq_seconds
        step_s, record_s, end_s = seq2seq_seconds(cfg, built, step_s, record_s, machine)
    total = cfg.steps * step_s + record_count(cfg) * record_s + end_s
    seconds = {"seconds: training steps": cfg.steps * step_s,
               "seconds: records": record_count(cfg) * record_s}
    return Cost(peak_bytes=int(sum(parts.values())), seconds_per_step=step_s,
                seconds_per_record=record_s, total_seconds=total, breakdown={**parts, **seconds})


def step_times(cfg: RunConfig) -> tuple[float, float]:
    """Train `cfg`; return (median seconds of a training step, seconds of the whole run)."""
    from rnnviz.train import train

    stamps: list[float] = []
    start = time.perf_counter()
    train(cfg, on_progress=lambda run: stamps.append(time.perf_counter()), progress_every_s=0.0)
    total = time.perf_counter() - start
    # on_progress comes after each update; intervals that hold a record are left out
    gaps = [b - a for k, (a, b) in enumerate(zip(stamps, stamps[1:], strict=False), 1)
            if k % cfg.record_every != 0]
    return (statistics.median(gaps) if gaps else total / cfg.steps), total


def calibrate() -> Machine:
    """Measure this machine (about half a second) with torch's current thread count: dense speed
    from a wide run, the cost of a time step from a long thin one, and the instrumented pass."""
    from rnnviz.model import SequenceModel
    from rnnviz.probe import look_inside

    base = RunConfig(cell="lstm", task="sine", steps=6, record_every=6, probe_size=1, seed=0)
    wide = base.replace(hidden_size=128, seq_len=20, batch_size=64)
    thin = base.replace(hidden_size=4, seq_len=60, batch_size=2)
    step_times(thin.replace(steps=2))  # the first calls load kernels
    thin_s, wide_s = step_times(thin)[0], step_times(wide)[0]
    time_step = max(thin_s - DEFAULT_MACHINE.step_overhead_s / 2, 1e-5) / thin.seq_len
    sizes = Sizes.of(make_task(wide))
    dense_s = max(wide_s - DEFAULT_MACHINE.step_overhead_s / 2 - wide.seq_len * time_step, 1e-4)
    flops = (3 * forward_flops(wide, sizes, wide.batch_size)
             + OPTIMIZER_FLOPS["adam"] * parameters(wide, sizes))
    task = make_task(thin)
    model = SequenceModel(thin, task, torch.Generator().manual_seed(0))
    probe = task.batch(2, torch.Generator().manual_seed(1))
    traced = []
    for _ in range(2):
        start = time.perf_counter()
        look_inside(0, model, task, probe, probe, {}, {})
        traced.append(time.perf_counter() - start)
    return Machine(flops_per_s=flops / dense_s, step_overhead_s=DEFAULT_MACHINE.step_overhead_s / 2,
                   time_step_s=time_step, traced_op_s=min(traced) / (3 * thin.seq_len))


@dataclass(frozen=True)
class Measured:
    """A run's real cost, measured in a fresh process."""

    peak_bytes: int         # peak resident memory beyond the baseline
    seconds_per_step: float
    total_seconds: float
    baseline_bytes: int     # resident memory of python + torch + rnnviz after a tiny warm-up run


_MEASURE = """
import json, sys
import torch
torch.set_num_threads(int(sys.argv[1]))
from rnnviz.config import RunConfig
from rnnviz.generate import RECORD_LENGTH, generates_text
from rnnviz.cost import step_times
from rnnviz.train import train
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
cfg = RunConfig.from_dict(json.loads(sys.stdin.read()))
train(cfg.replace(task="adding", task_options={}, hidden_size=4, num_layers=1, seq_len=5,
                  batch_size=2, steps=2, probe_size=1))
base = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # restart the high-water mark from here
step, total = step_times(cfg)
print(json.dumps([status("VmHWM:") - base, step, total, base]))
"""


def measure(cfg: RunConfig, threads: int = 1, timeout_s: float = 600.0) -> Measured:
    """Train `cfg` in a fresh Python process (Linux) and measure its peak memory and its time."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))}
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(threads)], input=json.dumps(cfg.to_dict()),
                          capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measure: the run failed: {done.stderr[-2000:]}")
    peak, step, total, base = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(int(peak), float(step), float(total), int(base))
