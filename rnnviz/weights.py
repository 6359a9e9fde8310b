"""A model's weights as plain arrays: kept in records and run files, and turned back into a model.

A run keeps its final weights, and the weights at every record, or at evenly spaced records, as many
as fit `PER_RECORD_BUDGET`, so a saved run can be sampled and probed again along its training."""

from __future__ import annotations

import numpy as np
import torch

from rnnviz.config import RunConfig
from rnnviz.tasks import Task

PER_RECORD_BUDGET = 16 * 2**20  # bytes of weights over all of a run's records (float32): a class
#                                  server keeps a few runs per student in memory

__all__ = ["PER_RECORD_BUDGET", "check_weights", "expected_shapes", "kept_count", "kept_every",
           "keeps_weights", "model_at", "weights_of"]


def weights_of(model: torch.nn.Module) -> dict[str, np.ndarray]:
    """Every parameter and buffer as a float32 numpy copy on the CPU, keyed by state_dict name."""
    return {k: v.detach().to("cpu", torch.float32).numpy().copy() for k, v in model.state_dict().items()}


def kept_every(parameter_count: int, record_count: int) -> int:
    """Keep the weights at every k-th record and the last one, with the smallest k whose copies fit
    the budget: 1 keeps them all, 0 none (two copies are over it). The final weights are kept
    apart from these, always."""
    for every in range(1, max(record_count, 1) + 1):
        if 4 * parameter_count * kept_count(record_count, every) <= PER_RECORD_BUDGET:
            return every
    return 0


def kept_count(record_count: int, every: int) -> int:
    """How many of `record_count` records keep their weights with kept_every's `every`."""
    if every == 0 or record_count == 0:
        return 0
    return len(range(0, record_count, every)) + (1 if (record_count - 1) % every else 0)


def keeps_weights(index: int, last: bool, every: int) -> bool:
    """Whether record `index` (the run's `last` one or not) keeps its weights, as kept_every says."""
    return every > 0 and (index % every == 0 or last)


def expected_shapes(cfg: RunConfig, task: Task | None = None) -> dict[str, tuple[int, ...]]:
    """state_dict names and shapes of the model `cfg` builds."""
    from rnnviz.model import build_model  # model imports cells and tasks; keep this module light

    model = build_model(cfg, task, torch.Generator())
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def check_weights(arrays: dict[str, np.ndarray], shapes: dict[str, tuple[int, ...]], where: str) -> None:
    """Names, shapes, dtype and finiteness of saved weights; a ValueError names the first problem."""
    if set(arrays) != set(shapes):
        missing, extra = sorted(set(shapes) - set(arrays)), sorted(set(arrays) - set(shapes))
        raise ValueError(f"{where}: weights do not match the config's model "
                         f"(missing {missing[:3]}, unexpected {extra[:3]})")
    for name, array in arrays.items():
        if array.dtype != np.float32:
            raise ValueError(f"{where}/{name}: dtype {array.dtype}; weights are float32")
        if array.shape != shapes[name]:
            raise ValueError(f"{where}/{name}: shape {array.shape}; the config's model has {shapes[name]}")
        if not np.isfinite(array).all():
            raise ValueError(f"{where}/{name}: weights must be finite")


def model_at(run, record: int | None = None, device: str = "cpu") -> torch.nn.Module:
    """The run's model with the weights of `record` (an index into run.records; None: the final
    weights), in eval mode. A ValueError says when the run did not keep those weights."""
    from rnnviz.model import build_model

    if record is None:
        arrays, which = run.weights, "the final weights"
    else:
        arrays, which = run.records[record].weights, f"the weights at record {record}"
    if arrays is None:
        raise ValueError(f"weights: this run did not keep {which} (older run file, a diverged run, "
                         "or too many records to keep them all)")
    model = build_model(run.config, None, torch.Generator())
    model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in arrays.items()})
    return model.to(device).eval()
