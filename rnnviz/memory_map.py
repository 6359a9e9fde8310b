"""The memory map: how much each output depends on each input, ‖∂y_t/∂x_s‖ for one sequence.

x_s is what enters the recurrent stack at step s (the embedding's output for token tasks). y_t is the
model's output at step t (regression), or the log-probability of the class it predicts at t
(classification: one number per step whatever the vocabulary, so a text map costs what a wave's does).
Every block ∂y_t/∂x_s comes from one backward pass through torch's fused kernels: the sequence is
repeated once per output entry, a batch of independent copies, and copy n's gradient seeds only
its own entry (t_n, k_n); the rows of a copy's input gradient are then the blocks of that row."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from rnnviz.model import SequenceModel
from rnnviz.seq2seq import Seq2Seq
from rnnviz.tasks import Task

CHUNK = 256  # copies per backward pass: bounds memory (~T * 10 * H floats per copy) on long maps

__all__ = ["CHUNK", "MemoryMap", "memory_map", "output_measure", "reach", "recurrent_inputs", "step_outputs"]


class MemoryMap(NamedTuple):
    """‖∂y_t/∂x_s‖ for the rows t in `rows` and every input step s."""

    norms: np.ndarray       # (R, T) float64, Frobenius norm of each block ∂y_t/∂x_s
    normalised: np.ndarray  # (R, T) each row over its largest entry (a row of zeros stays 0)
    rows: np.ndarray        # (R,) the output step of each row: every step, or the last one
    measure: str            # in words, what y_t is
    written: np.ndarray | None = None  # (R,) seq2seq: the token id the decoder wrote at each row


def output_measure(task: Task) -> str:
    """What y_t is for this task, in words."""
    if task.kind == "seq2seq":
        return "the log-probability of the token the decoder writes (greedy decoding)"
    if task.kind == "classification":
        return "the log-probability of the class the model predicts"
    return "the model's output" if task.output_size == 1 else "the model's output vector"


def recurrent_inputs(model: SequenceModel, x: Tensor) -> Tensor:
    """What enters the recurrent stack, detached: (B, T, I) (the embedding's output for tokens)."""
    with torch.no_grad():
        return model._inputs(x).detach()


def step_outputs(model: SequenceModel, task: Task, u: Tensor, chosen: Tensor | None,
                 traced: bool = False) -> Tensor:
    """(B, T, K) numbers y_t from recurrent inputs u (B, T, I): the outputs (regression, K = O) or
    the log-probability of class chosen[t] (classification, K = 1). traced: the instrumented path."""
    hidden = model.rnn(u)[0] if traced else model.rnn.fast(u)
    out = model.head(hidden)  # (B, T, O)
    if task.kind != "classification":
        return out
    logp = torch.log_softmax(out, -1)
    return logp.gather(-1, chosen.expand(len(u), -1)[..., None])  # (B, T, 1)


def memory_map(model: SequenceModel, task: Task, x: Tensor, chunk: int = CHUNK) -> MemoryMap:
    """The memory map of one sequence x: (T, ...) or (1, T, ...) as the task's batches hold it.

    Many-to-one tasks (one target per sequence) get the one row of the final output; an
    encoder-decoder (seq2seq) gets a row per decoder step and a column per encoder step."""
    if task.kind == "seq2seq":
        return _seq2seq_map(model, task, x, chunk)
    if x.dim() == (2 if task.input_tokens else 3):
        if len(x) != 1:
            raise ValueError(f"x: one sequence at a time, got a batch of {len(x)}")
        x = x[0]
    x = x.to(next(model.parameters()).device)
    u = recurrent_inputs(model, x[None])  # (1, T, I)
    T = u.shape[1]
    chosen = None
    with torch.no_grad():
        first = step_outputs(model, task, u, None) if task.kind != "classification" else None
        if task.kind == "classification":
            chosen = model.head(model.rnn.fast(u)).argmax(-1)  # (1, T): the predicted classes
            first = step_outputs(model, task, u, chosen)
    K = first.shape[-1]
    rows = np.arange(T) if task.targets == "every" else np.array([T - 1])
    entries = [(int(t), k) for t in rows for k in range(K)]
    grads = _entry_gradients(u, lambda copies: step_outputs(model, task, copies, chosen), entries, chunk)
    blocks = grads.reshape(len(rows), K, T, -1)  # (R, K, T, I)
    norms = torch.linalg.vector_norm(blocks, dim=(1, 3)).numpy()  # (R, T) Frobenius of each block
    return MemoryMap(norms, _per_row(norms), rows, output_measure(task))


def _seq2seq_map(model: Seq2Seq, task: Task, x: Tensor, chunk: int) -> MemoryMap:
    """Decoder step t x encoder step s. The decoder reads the tokens it wrote itself (greedy
    decoding, as the Attention page shows); a choice of token passes no gradient, so y_t depends on
    x_s through the encoder's final state and, with attention, through what the decoder reads."""
    x = (x if x.dim() == 2 else x[None]).to(next(model.parameters()).device)
    if len(x) != 1:
        raise ValueError(f"x: one sequence at a time, got a batch of {len(x)}")
    with torch.no_grad():
        u = model.embed(x)  # (1, T, E): what enters the encoder
        written = model.greedy(x).logits.argmax(-1)  # (1, T_out)
    T_out = written.shape[1]

    def log_probs(copies: Tensor) -> Tensor:  # (N, T_out, 1)
        chosen = written.expand(len(copies), -1)
        # teacher forcing with its own tokens = greedy decoding, on every copy at once
        logits = model.decode(x.expand(len(copies), -1), T_out, chosen, 1.0, embedded=copies).logits
        return torch.log_softmax(logits, -1).gather(-1, chosen[..., None])

    grads = _entry_gradients(u, log_probs, [(t, 0) for t in range(T_out)], chunk)  # (T_out, T, E)
    norms = torch.linalg.vector_norm(grads, dim=-1).numpy()  # (T_out, T)
    return MemoryMap(norms, _per_row(norms), np.arange(T_out), output_measure(task), written[0].cpu().numpy())


def _entry_gradients(u: Tensor, outputs: Callable[[Tensor], Tensor], entries: list[tuple[int, int]],
                     chunk: int) -> Tensor:
    """(len(entries), T, I) float64: the gradient of output entry (t, k) with respect to u (1, T, I),
    for each entry. One backward pass per chunk of entries: the sequence is copied once per entry,
    `outputs` maps the copies (N, T, I) to (N, T_out, K), and copy n seeds only its own entry."""
    grads = torch.empty(len(entries), u.shape[1], u.shape[-1], dtype=torch.float64)
    for start in range(0, len(entries), chunk):
        part = entries[start:start + chunk]
        copies = u.expand(len(part), -1, -1).clone().requires_grad_(True)
        with torch.enable_grad():
            y = outputs(copies)
            seed = torch.zeros_like(y)
            seed[torch.arange(len(part)), [t for t, _ in part], [k for _, k in part]] = 1.0
            (grad,) = torch.autograd.grad(y, copies, seed)
        grads[start:start + len(part)] = grad.detach().to("cpu", torch.float64)
    return grads


def _per_row(norms: np.ndarray) -> np.ndarray:
    """Each row over its largest entry (a row of zeros stays 0)."""
    top = norms.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, norms / np.where(top > 0, top, 1.0), 0.0)


def reach(mm: MemoryMap, threshold: float = 0.01) -> np.ndarray:
    """(R,) per row, how many steps back the earliest input with at least `threshold` of the row's
    strongest dependence lies (0: only the output's own step counts). An honest summary of the band."""
    out = np.zeros(len(mm.rows), dtype=int)
    for r, t in enumerate(mm.rows):
        strong = np.flatnonzero(mm.normalised[r, : t + 1] >= threshold)
        out[r] = int(t - strong.min()) if strong.size else 0
    return out
