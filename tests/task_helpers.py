"""Helpers shared by the task tests: a seeded generator and the best constant prediction's loss."""

import torch

from rnnviz.tasks import IGNORE, Task


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def best_constant_loss(task: Task, y: torch.Tensor) -> float:
    """Loss of the best constant output on this sample: the mean, or the log class frequencies."""
    T = task.seq_len
    if task.kind == "regression":
        out = y.reshape(-1, y.shape[-1]).mean(0).expand(y.shape[0], T, -1)
    else:
        counts = torch.bincount(y[y != IGNORE], minlength=task.output_size).double()
        out = (counts / counts.sum()).log().float().expand(y.shape[0], T, -1)
    return float(task.loss(out, y))
