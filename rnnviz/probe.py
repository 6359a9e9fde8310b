"""Looking inside the model on the fixed probe batch: one instrumented pass, gradients through time
included, kept as a Record."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from rnnviz.model import SequenceModel, recurrent_blocks
from rnnviz.run import Record
from rnnviz.tasks import Task


def numpy(t: Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy()


def grad_norms_by_time(loss: Tensor, steps: list[list[Tensor]], directions: int,
                       retain_graph: bool) -> np.ndarray:
    """(L, T): ||d loss / d h_t|| per layer, both directions of a layer taken together."""
    flat = [h for direction in steps for h in direction]
    grads = torch.autograd.grad(loss, flat, retain_graph=retain_graph, allow_unused=True)
    norms = torch.stack([torch.zeros((), device=h.device) if g is None else g.pow(2).sum()
                         for g, h in zip(grads, flat, strict=True)])
    T = len(steps[0])
    squares = norms.reshape(len(steps), T)  # (L*D, T), reverse directions in walking order
    if directions == 2:
        squares = squares.reshape(-1, 2, T)
        squares = squares[:, 0] + squares[:, 1].flip(-1)  # back to time order
    return numpy(squares.sqrt())


def param_grad_norms(model: SequenceModel) -> dict[str, float]:
    """L2 norm of each parameter's current .grad (nan where no gradient exists)."""
    return {name: (float(p.grad.norm()) if p.grad is not None else float("nan"))
            for name, p in model.named_parameters()}


def spectra(model: SequenceModel) -> dict[str, np.ndarray]:
    """Complex eigenvalues of every square recurrent block (float32 LAPACK: twice as fast as
    float64, and far more precise than a plot of the unit circle needs)."""
    with torch.no_grad():
        return {key: torch.linalg.eigvals(block.detach().to("cpu", torch.float32)).numpy()
                .astype(np.complex128) for key, block in recurrent_blocks(model.rnn).items()}


def look_inside(step: int, model: SequenceModel, task: Task, probe: tuple[Tensor, Tensor],
                val: tuple[Tensor, Tensor], grad_before: dict[str, float],
                grad_after: dict[str, float]) -> Record:
    """Look inside `model` at `step` on the fixed probe batch; evaluate it on the val batch."""
    x, y = probe
    with torch.enable_grad():
        out, trace = model.traced(x)
        last = task.last_loss(out, y)
        every = task.targets == "every"
        by_time = grad_norms_by_time(last, trace.steps, model.rnn.directions, retain_graph=every)
        total = task.loss(out, y) if every else last
        by_time_total = (grad_norms_by_time(total, trace.steps, model.rnn.directions, False)
                         if every else None)
    with torch.no_grad():
        val_out = model(val[0])
        val_loss = float(task.loss(val_out, val[1]))
        val_metrics = task.metrics(val_out, val[1], val_loss)
    eigenvalues = spectra(model)
    return Record(
        step=step,
        hidden=[numpy(h) for h in trace.hidden],
        gates=[{g: numpy(v) for g, v in layer.items()} for layer in trace.gates],
        cell_state=[numpy(c) for c in trace.cell_state],
        grad_by_time=by_time,
        grad_by_time_total=by_time_total,
        param_grad_norm=grad_before,
        param_grad_norm_clipped=grad_after,
        spectral_radius={k: float(np.abs(v).max()) for k, v in eigenvalues.items()},
        eigenvalues=eigenvalues,
        probe_loss=total.item(),
        val_loss=val_loss,
        val_metrics=val_metrics,
    )
