"""Looking inside a Seq2Seq: the probe batch decoded greedily with every state, gate and attention
weight kept, and accuracy against input length (the bottleneck lesson)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor

from rnnviz.probe import numpy, spectra, spectral_radius, state_grad_norms, trace_arrays
from rnnviz.run import LengthAccuracy, Record
from rnnviz.seq2seq import Seq2Seq
from rnnviz.tasks import Seq2SeqTask
from rnnviz.tasks.seq2seq import MAX_LEN

MAX_LENGTHS = 24  # lengths a run evaluates itself at when it ends


def look_inside_seq2seq(step: int, model: Seq2Seq, task: Seq2SeqTask, probe: tuple[Tensor, Tensor],
                        val: tuple[Tensor, Tensor], grad_before: dict[str, float],
                        grad_after: dict[str, float]) -> Record:
    """The Record of `model` at `step`: the probe batch decoded greedily, as evaluation decodes.

    grad_by_time is the gradient of the last output's loss at each encoder step (how far back the
    signal reaches); the decoder_* fields hold the same for the decoder's own states."""
    x, y = probe
    directions = model.encoder.directions
    with torch.enable_grad():
        dec = model.greedy(x, traced=True)
        last, total = task.last_loss(dec.logits, y), task.loss(dec.logits, y)
        enc_last, cell_last = state_grad_norms(last, dec.encoder, directions, retain_graph=True)
        dec_last, _ = state_grad_norms(last, dec.decoder, 1, retain_graph=True)
        enc_total, cell_total = state_grad_norms(total, dec.encoder, directions, retain_graph=True)
        dec_total, _ = state_grad_norms(total, dec.decoder, 1, retain_graph=False)
    val_loss, val_metrics = evaluate(model, task, *val)
    eigenvalues = spectra(model)
    enc = dec.encoder
    return Record(
        step=step,
        **trace_arrays(enc),
        grad_by_time=enc_last,
        grad_by_time_total=enc_total,
        cell_grad_by_time=cell_last,
        cell_grad_by_time_total=cell_total,
        param_grad_norm=grad_before,
        param_grad_norm_clipped=grad_after,
        spectral_radius={k: spectral_radius(v) for k, v in eigenvalues.items()},
        eigenvalues=eigenvalues,
        probe_loss=total.item(),
        val_loss=val_loss,
        val_metrics=val_metrics,
        **trace_arrays(dec.decoder, "decoder_"),
        decoder_grad_by_time=dec_last,
        decoder_grad_by_time_total=dec_total,
        attention=None if dec.attention is None else numpy(dec.attention),
        decoded=numpy(dec.logits.argmax(-1), torch.int64),
    )


def evaluate(model: Seq2Seq, task: Seq2SeqTask, x: Tensor, y: Tensor) -> tuple[float, dict[str, float]]:
    """Greedy decoding of x against y: (loss, {accuracy, sequence_accuracy})."""
    with torch.no_grad():
        logits = model.greedy(x).logits
        loss = float(task.loss(logits, y))
        return loss, task.metrics(logits, y, loss)


def check_lengths(task: Seq2SeqTask, lengths: Iterable[int]) -> list[int]:
    """Distinct input lengths in increasing order; ValueError naming `lengths` for any out of range."""
    try:
        found = sorted({int(n) for n in lengths})
    except (TypeError, ValueError):
        raise ValueError("lengths: must be whole numbers") from None
    if not found:
        raise ValueError("lengths: give at least one input length")
    bad = [n for n in found if not task.min_seq_len <= n <= MAX_LEN]
    if bad:
        raise ValueError(f"lengths: the {task.name} task takes inputs of {task.min_seq_len} to "
                         f"{MAX_LEN} tokens; {bad[0]} is out of range")
    return found


def accuracy_by_length(model: Seq2Seq, lengths: Iterable[int], batch_size: int = 256,
                       seed: int = 0) -> LengthAccuracy:
    """Greedy-decoding accuracy of `model` on fresh inputs of each length (same seed, same inputs)."""
    task = model.task
    found = check_lengths(task, lengths)
    device = next(model.parameters()).device
    tokens, sequences = [], []
    for n in found:
        x, y = task.batch_of_length(batch_size, n, torch.Generator().manual_seed(seed + n))
        _, metrics = evaluate(model, task, x.to(device), y.to(device))
        tokens.append(metrics["accuracy"])
        sequences.append(metrics["sequence_accuracy"])
    return LengthAccuracy(np.array(found, dtype=np.int64), np.array(tokens), np.array(sequences))


def default_lengths(task: Seq2SeqTask) -> list[int]:
    """The lengths a run evaluates itself at: from the shortest input the task takes to the
    longest it trained or validated on (at most MAX_LENGTHS of them, evenly spaced)."""
    top = max(task.seq_len, task.options["eval_len"])
    found = np.unique(np.linspace(task.min_seq_len, top, MAX_LENGTHS).round().astype(int))
    return [int(n) for n in found]
