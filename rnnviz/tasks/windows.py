"""Windows over one long series (text, CSV rows): the held-out tail, sampling, target weights."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

VAL_FRACTION = 0.1  # the last ~10% of the data is held out for the "val" split


def min_length(seq_len: int) -> int:
    """Shortest series that leaves two train windows and one held-out window of seq_len + 1."""
    return 2 * seq_len + 3


def split_point(n: int, seq_len: int) -> int:
    """Index where the held-out tail starts: at least seq_len + 1 items are held out."""
    return n - max(math.ceil(n * VAL_FRACTION), seq_len + 1)


def window_source(data: Tensor, seq_len: int, split: str) -> Tensor:
    """The part of `data` (first dim = time) that `split` ("train" or "val") draws windows from."""
    cut = split_point(len(data), seq_len)
    if split == "train":
        return data[:cut]
    if split == "val":
        return data[cut:]
    raise ValueError(f"split: must be 'train' or 'val', got {split!r}")


def draw_windows(data: Tensor, batch_size: int, span: int, generator: torch.Generator) -> Tensor:
    """batch_size random windows of `span` consecutive items: (B, span, ...)."""
    starts = torch.randint(0, len(data) - span + 1, (batch_size, 1), generator=generator)
    return data[starts + torch.arange(span)]


def target_weights(n: int, seq_len: int, targets: str) -> np.ndarray:
    """How often each position of a length-n series is a target, windows drawn uniformly.

    A window starting at s reads s .. s+T-1; its targets are s+1 .. s+T ("every") or s+T ("last").
    Normalised to sum to 1, so the best constant's loss is a weighted variance or entropy.
    """
    p = np.arange(n)
    if targets == "last":
        count = (p >= seq_len).astype(float)
    else:
        lo = np.maximum(p - seq_len, 0)
        hi = np.minimum(p - 1, n - seq_len - 1)
        count = np.clip(hi - lo + 1, 0, None).astype(float)
    return count / count.sum()


def weighted_entropy(ids: np.ndarray, weights: np.ndarray, n_classes: int) -> float:
    """Cross-entropy of the best constant guess: entropy of the weighted class frequencies."""
    probs = np.bincount(ids, weights=weights, minlength=n_classes)
    probs = probs[probs > 0]
    return float(-(probs * np.log(probs)).sum())
