"""Looking inside the model on the fixed probe batch: hidden states, gates and gradients through
time (rnnviz.bptt), the validation loss and the spectra, kept as a Record."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from rnnviz import bptt
from rnnviz.cells import Trace
from rnnviz.decisions import record_fields
from rnnviz.dropout import evaluating
from rnnviz.model import SequenceModel, recurrent_blocks
from rnnviz.run import Record
from rnnviz.tasks import Task


def numpy(t: Tensor, dtype: torch.dtype = torch.float32) -> np.ndarray:
    return t.detach().to("cpu", dtype).numpy()


# Norms are taken in float64: squaring float32 gradients underflows below ~1e-22 and overflows above
# ~1.8e19 although every element is finite. In float64 a norm is inf or nan only when an element is.

def norms64(tensors: list[Tensor]) -> list[Tensor]:
    """The L2 norm of each tensor, computed in float64."""
    return [torch.linalg.vector_norm(t, dtype=torch.float64) for t in tensors]


def total_norm(params: list[torch.nn.Parameter]) -> float:
    """The total L2 norm of all gradients, as clip_grad_norm_ measures it (in float64)."""
    norms = norms64([p.grad for p in params if p.grad is not None])
    return float(torch.stack(norms).pow(2).sum().sqrt()) if norms else 0.0


def grad_norms_by_time(loss: Tensor, steps: list[list[Tensor]], directions: int,
                       retain_graph: bool) -> np.ndarray:
    """(L, T) float64: ||d loss / d h_t|| per layer, both directions of a layer taken together.

    `steps` may hold the h_t lists then the c_t lists (2L layers): one backward pass for both."""
    flat = [h for direction in steps for h in direction]
    grads = torch.autograd.grad(loss, flat, retain_graph=retain_graph, allow_unused=True)
    present = [g for g in grads if g is not None]
    found = iter(norms64(present))
    zero = torch.zeros((), dtype=torch.float64, device=flat[0].device)
    norms = torch.stack([zero if g is None else next(found) for g in grads]).pow(2)
    T = len(steps[0])
    squares = norms.reshape(len(steps), T)  # (L*D, T), reverse directions in walking order
    if directions == 2:
        squares = squares.reshape(-1, 2, T)
        squares = squares[:, 0] + squares[:, 1].flip(-1)  # back to time order
    return numpy(squares.sqrt(), torch.float64)


def state_grad_norms(loss: Tensor, trace: Trace, directions: int,
             retain_graph: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """||d loss / d h_t|| and, for an LSTM, ||d loss / d c_t||: each (L, T)."""
    both = grad_norms_by_time(loss, trace.steps + trace.cell_steps, directions, retain_graph)
    L = len(trace.steps) // directions
    return both[:L], (both[L:] if trace.cell_steps else None)


def param_grad_norms(model: SequenceModel) -> dict[str, float]:
    """L2 norm (float64) of each parameter's current .grad (nan where no gradient exists)."""
    named = [(name, p.grad) for name, p in model.named_parameters()]
    found = iter(norms64([g for _, g in named if g is not None]))
    return {name: (float(next(found)) if g is not None else float("nan")) for name, g in named}


def eigenvalues_of(block: Tensor) -> np.ndarray:
    """Complex eigenvalues of a square block (float32 LAPACK: twice as fast as float64, and far
    more precise than a plot of the unit circle needs). A block holding inf or nan gets nan
    eigenvalues, never a LAPACK call: eigvals on a non-finite matrix crashes oneMKL (signal 11)."""
    block = block.detach().to("cpu", torch.float32)
    if not bool(torch.isfinite(block).all()):
        return np.full(block.shape[0], complex("nan+nanj"), dtype=np.complex128)
    return torch.linalg.eigvals(block).numpy().astype(np.complex128)


def spectra(model: SequenceModel) -> dict[str, np.ndarray]:
    """Eigenvalues of every square recurrent block; nan for a block that is not finite."""
    with torch.no_grad():
        blocks = recurrent_blocks(model.rnn)  # all H x H
        stacked = torch.stack(list(blocks.values())).to("cpu", torch.float32)
        if bool(torch.isfinite(stacked).all()):  # one batched LAPACK call: ~10% faster than a loop
            return dict(zip(blocks, torch.linalg.eigvals(stacked).numpy().astype(np.complex128), strict=True))
        return {key: eigenvalues_of(block) for key, block in blocks.items()}


def spectral_radius(eigenvalues: np.ndarray) -> float:
    """max |lambda|; nan (not finite) when the eigenvalues are nan."""
    return float(np.abs(eigenvalues).max())


def trace_arrays(trace: Trace, prefix: str = "") -> dict[str, list]:
    """A trace's hidden states, gates and cell states as numpy, per layer, named as Record's fields
    (`prefix` "decoder_" for a seq2seq decoder's)."""
    return {f"{prefix}hidden": [numpy(h) for h in trace.hidden],
            f"{prefix}gates": [{g: numpy(v) for g, v in layer.items()} for layer in trace.gates],
            f"{prefix}cell_state": [numpy(c) for c in trace.cell_state]}


def look_inside(step: int, model: SequenceModel, task: Task, probe: tuple[Tensor, Tensor],
                val: tuple[Tensor, Tensor], grad_before: dict[str, float],
                grad_after: dict[str, float], seen: tuple[Tensor, Tensor] | None = None) -> Record:
    """Look inside `model` at `step` on the fixed probe batch; evaluate it on the val batch (and
    on `seen`, a fixed batch of training windows). Eval mode throughout: no dropout."""
    with evaluating(model):
        return _look_inside(step, model, task, probe, val, grad_before, grad_after, seen)


def outputs_on(model: SequenceModel, *batches: Tensor) -> list[Tensor]:
    """The model's outputs on each batch, from one call when their shapes allow: on small models a
    fused call costs little more for twice the rows."""
    if len({b.shape[1:] for b in batches}) == 1:
        return list(model(torch.cat(batches)).split([len(b) for b in batches]))
    return [model(b) for b in batches]


def _look_inside(step: int, model: SequenceModel, task: Task, probe: tuple[Tensor, Tensor],
                 val: tuple[Tensor, Tensor], grad_before: dict[str, float],
                 grad_after: dict[str, float], seen: tuple[Tensor, Tensor] | None) -> Record:
    x, y = probe
    every = task.targets == "every"
    losses: list[Tensor] = []

    def grad_of(top: Tensor) -> Tensor:  # autograd for the head and the losses only
        with torch.enable_grad():
            top = top.detach().requires_grad_(True)
            out = model.head(model.drop(top))
            losses.extend([task.last_loss(out, y)] + ([task.loss(out, y)] if every else []))
            return torch.stack([torch.autograd.grad(loss, top, retain_graph=True)[0] for loss in losses])

    with torch.no_grad():
        inputs = model.embed(x) if model.embed is not None else x
    found, through_time = bptt.through_time(model.rnn, inputs, grad_of)  # both losses at once
    by_time = numpy(through_time.hidden_sq.sqrt(), torch.float64)  # (K, L, T)
    cells = None if through_time.cell_sq is None else numpy(through_time.cell_sq.sqrt(), torch.float64)
    with torch.no_grad():
        val_out, *seen_out = outputs_on(model, val[0], *([seen[0]] if seen is not None else []))
        val_loss = float(task.loss(val_out, val[1]))
        val_metrics = {**task.metrics(val_out, val[1], val_loss),
                       **task.input_metrics(val[0], val_out, val[1])}
    eigenvalues = spectra(model)
    return Record(
        step=step,
        hidden=[numpy(h) for h in found.hidden],
        gates=[{g: numpy(v) for g, v in layer.items()} for layer in found.gates],
        cell_state=[numpy(c) for c in found.cell_state],
        grad_by_time=by_time[0],
        grad_by_time_total=by_time[1] if every else None,
        cell_grad_by_time=None if cells is None else cells[0],
        cell_grad_by_time_total=cells[1] if every and cells is not None else None,
        param_grad_norm=grad_before,
        param_grad_norm_clipped=grad_after,
        spectral_radius={k: spectral_radius(v) for k, v in eigenvalues.items()},
        eigenvalues=eigenvalues,
        probe_loss=losses[-1].item(),
        val_loss=val_loss,
        val_metrics=val_metrics,
        train_loss=float(task.loss(seen_out[0], seen[1])) if seen is not None else float("nan"),
        **record_fields(model, task, x),
    )
