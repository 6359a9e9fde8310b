"""Dropout whose masks come from the run's own generator, and the eval-mode switch records use.

torch.nn.Dropout draws from the global RNG, which every thread of a process shares: two runs
training side by side in the app would take each other's draws. Here each model carries its own
torch.Generator (train() seeds it from cfg.seed), so the same seed gives the same masks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn


class SeededDropout(nn.Module):
    """torch.nn.Dropout's semantics (zero each element with probability p while training, scale
    the rest by 1/(1-p); the identity in eval mode), masks drawn from `generator`.

    It holds no parameters or buffers: state_dicts and saved weights do not change."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout: must be at least 0 and below 1, got {p!r}")
        self.p = float(p)
        self.generator: torch.Generator | None = None  # None: the global RNG, as torch.nn does

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        # a contiguous mask (never empty_like: a fused RNN's batch-first output is a transposed view,
        # and the mask must depend on the shape alone for both paths to draw the same one)
        keep = torch.empty(x.shape, dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p,
                                                                              generator=self.generator)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def seed_dropout(model: nn.Module, generator: torch.Generator) -> None:
    """Every SeededDropout in `model` draws its masks from `generator` (one stream for the model)."""
    for module in model.modules():
        if isinstance(module, SeededDropout):
            module.generator = generator


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """`model` in eval mode (no dropout) inside the block, its previous mode restored after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
