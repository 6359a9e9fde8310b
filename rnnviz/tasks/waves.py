"""Numeric next-value tasks: the ramp (the first lesson) and mixed sine waves."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rnnviz.tasks.base import Option, Task

STEPS_PER_UNIT = 50  # frequencies count cycles per 50 steps: "1" is one full wave in a default window
MAX_FREQUENCY = STEPS_PER_UNIT / 2  # 25 cycles per 50 steps = 2 steps per cycle (Nyquist)


class Ramp(Task):
    """The first lesson: a ramp k*step + step, + 2*step, ... -> predict the next value.

    With step 0.1 and start k = 0 the input is 0.1, 0.2, 0.3, ... and the answer is always
    "the last value plus 0.1". Starts k are drawn from 0 .. offsets-1, so a constant guess pays
    the variance of all values (the baseline); any cell gets to ~0 within a few dozen steps.
    This is the place to learn to read the plots before the hard tasks: the loss falls far below
    the baseline line, ||dL_T/dh_t|| is large only at the last few steps (the answer needs only
    the last input), and the hidden state moves along one smooth curve as the values grow.
    """

    name = "ramp"
    title = "Ramp 0.1, 0.2, ... (first lesson)"
    kind = "regression"
    targets = "every"
    input_size, output_size = 1, 1
    OPTIONS = {
        "step": Option(0.1, "increase per time step", 0.001, 10.0),
        "offsets": Option(10, "number of possible starts: the first value is (k+1)*step, k < offsets",
                          1, 1000),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        step, k, t = self.options["step"], self.options["offsets"], seq_len
        # y = (k + t + 2) * step with k ~ U{0..K-1} and t ~ U{0..T-1} independent:
        # Var(y) = step^2 * ((K^2 - 1) / 12 + (T^2 - 1) / 12), the error of the best constant.
        self.baseline_loss = step**2 * ((k**2 - 1) / 12 + (t**2 - 1) / 12)

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        step, T = self.options["step"], self.seq_len
        k = torch.randint(0, self.options["offsets"], (batch_size, 1), generator=generator)
        values = (k + torch.arange(1, T + 2)).float() * step  # (B, T+1)
        return values[:, :-1, None], values[:, 1:, None]      # (B, T, 1), (B, T, 1)


class Sine(Task):
    """Mixed sine waves: predict the next value x[t+1] at every step.

    Each sequence is a sum of sines at the given frequencies (cycles per 50 steps), each with its
    own random phase, scaled so the clean signal has variance 1/2, plus Gaussian noise of std
    `noise` on every value. Predicting 0 costs the variance 1/2 + noise^2 (the baseline); the best
    possible model still pays about noise^2 because the next value's noise is unpredictable.
    A single sine needs two past values to extrapolate, a mix of n needs about 2n: short memory.
    Expect every cell to learn it; ||dL_T/dh_t|| concentrates on the last few steps, and the
    hidden-state PCA shows a closed loop (one sine) or a torus-like knot (two).
    """

    name = "sine"
    title = "Sine waves (next value)"
    kind = "regression"
    targets = "every"
    input_size, output_size = 1, 1
    OPTIONS = {
        "frequencies": Option("1,3", "comma-separated frequencies in cycles per 50 steps, each in "
                                     f"(0, {MAX_FREQUENCY:g}]"),
        "noise": Option(0.0, "std of Gaussian noise added to every value", 0.0, 1.0),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        self.frequencies = parse_frequencies(self.options["frequencies"])
        self.baseline_loss = 0.5 + self.options["noise"] ** 2  # Var(signal) + Var(noise)

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T, n = self.seq_len, len(self.frequencies)
        omega = torch.tensor(self.frequencies) * (2 * math.pi / STEPS_PER_UNIT)  # (F,) rad/step
        phase = torch.rand(batch_size, 1, n, generator=generator) * (2 * math.pi)  # (B, 1, F)
        t = torch.arange(T + 1, dtype=torch.float32)[None, :, None]  # (1, T+1, 1)
        # amplitude 1/sqrt(n) per wave: each sine has variance a^2/2, so the sum has variance 1/2
        values = torch.sin(omega * t + phase).sum(-1) / math.sqrt(n)  # (B, T+1)
        noise = torch.randn(batch_size, T + 1, generator=generator) * self.options["noise"]
        values = values + noise
        return values[:, :-1, None], values[:, 1:, None]  # (B, T, 1), (B, T, 1)


def parse_frequencies(text: str) -> list[float]:
    """ "1,3.5" -> [1.0, 3.5], with a ValueError naming task_options.frequencies."""
    where = "task_options.frequencies"
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError(f"{where}: give at least one frequency, e.g. \"1,3\"")
    try:
        freqs = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a comma-separated list of numbers, "
                         "e.g. \"1,3\"") from None
    for f in freqs:
        if not 0 < f <= MAX_FREQUENCY:
            raise ValueError(f"{where}: {f:g} is out of range; each frequency must be in "
                             f"(0, {MAX_FREQUENCY:g}] cycles per {STEPS_PER_UNIT} steps")
    return freqs
