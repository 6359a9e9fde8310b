"""Long-range memory tasks from Hochreiter & Schmidhuber (1997): adding, copy, temporal order."""

from __future__ import annotations

import torch
from torch import Tensor

from rnnviz.tasks.base import Task


class Adding(Task):
    """The adding problem: each step carries a random value in [0, 1] and a marker (0 or 1).
    Exactly two steps are marked, one in each half; the target is the sum of their values.

    Predicting 1.0 always gives MSE ~0.167: the baseline. Only a network that carries the first
    marked value across half the sequence beats it. Watch ||dL_T/dh_t||: for a vanilla RNN it
    falls by orders of magnitude towards early t, so the first marker never gets a signal; an
    LSTM keeps it flat and its loss drops below the baseline.
    """

    name = "adding"
    kind = "regression"
    input_size, output_size = 2, 1
    baseline_loss = 1 / 6  # Var(u1 + u2) for two independent U(0, 1) values

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T, half = self.seq_len, max(self.seq_len // 2, 1)
        values = torch.rand(batch_size, T, generator=generator)  # (B, T)
        first = torch.randint(0, half, (batch_size,), generator=generator)
        second = torch.randint(half, T, (batch_size,), generator=generator)
        markers = torch.zeros(batch_size, T)
        rows = torch.arange(batch_size)
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        x = torch.stack([values, markers], -1)  # (B, T, 2)
        y = (values[rows, first] + values[rows, second]).unsqueeze(-1)  # (B, 1)
        return x, y
