"""Why a many-to-one classifier decides: word contributions (gradient x input, taken at record
time) and the final hidden states of the probe sentences, projected on fixed PCA axes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from rnnviz import bptt
from rnnviz.analysis import fit_pca, project, record_at
from rnnviz.run import Record, Run

if TYPE_CHECKING:
    from rnnviz.model import SequenceModel
    from rnnviz.tasks import Task


def contributions(model: SequenceModel, x: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """((P, T, C) contributions, (P, C) logits) of the model's last-step output on inputs `x`.

    Contribution of step t to class k: sum over d of (d z_k / d e_td) * e_td, where e is the
    recurrent layer's input (the word's embedding, or the raw input) and z_k the class's logit
    after the last step: gradient x input (Shrikumar et al. 2016; Denil et al. 2014). All classes
    go back through time in one pass (rnnviz.bptt)."""
    head = model.head.weight.detach()  # d z_k / d (last output) = row k of the head

    def grad_of(top: Tensor) -> Tensor:  # (C, P, T, H*D): nonzero at the last step only
        grads = top.new_zeros(head.shape[0], *top.shape)
        grads[:, :, -1] = head[:, None, :]
        return grads

    with torch.no_grad():
        inputs = model.embed(x) if model.embed is not None else x   # (P, T, E)
    found, through_time = bptt.through_time(model.rnn, inputs, grad_of)
    with torch.no_grad():
        logits = model.head(found.output[:, -1])                    # (P, C)
        per_class = (through_time.inputs * inputs).sum(-1)          # (C, P, T)
    return (per_class.permute(1, 2, 0).to("cpu", torch.float32).numpy(),
            logits.to("cpu", torch.float32).numpy())


def record_fields(model: SequenceModel, task: Task, x: Tensor) -> dict[str, Any]:
    """The Record fields of a many-to-one classification task (others: none)."""
    if task.kind != "classification" or task.targets != "last":
        return {}
    found, logits = contributions(model, x)
    return {"contributions": found, "probe_logits": logits}


def has_decisions(run: Run) -> bool:
    """Whether the run's records hold contributions (many-to-one classification, newer runs)."""
    return bool(run.records) and run.records[-1].contributions is not None


def decision_scores(record: Record) -> np.ndarray:
    """(P, T): each step's contribution to the decision the model makes: to the logit of its
    predicted class minus the mean logit of the others (for two classes, the margin)."""
    if record.contributions is None or record.probe_logits is None:
        raise ValueError("record: it holds no contributions (not a many-to-one classification run)")
    found, predicted = record.contributions, record.probe_logits.argmax(-1)  # (P, T, C), (P,)
    C = found.shape[-1]
    own = np.take_along_axis(found, predicted[:, None, None], -1)[..., 0]        # (P, T)
    others = (found.sum(-1) - own) / max(C - 1, 1)
    return own - others


def probabilities(record: Record) -> np.ndarray:
    """(P, C) softmax of the probe's last-step logits."""
    z = np.asarray(record.probe_logits, dtype=np.float64)
    z = np.exp(z - z.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


class Projection(NamedTuple):
    points: np.ndarray     # (R, P, 2): each record's final states on the axes
    explained: np.ndarray  # (2,) share of variance along each axis (of the fitted record)
    fitted_on: int         # the record index the axes were fitted on


def final_states(record: Record, layer: int = -1) -> np.ndarray:
    """(P, H*D): the hidden state the head reads, after the last word."""
    return record.hidden[layer][:, -1]


def project_final_states(run: Run, layer: int = -1, fit: int = -1) -> Projection:
    """Every record's final states on the top two PCA axes of record `fit`'s (the last: the
    trained network's). One projection for all records, so a record slider shows the clusters
    forming in one frame."""
    fitted = record_at(run, fit)
    mean, components, explained = fit_pca(final_states(fitted, layer), 2)
    points = np.stack([project(final_states(r, layer), mean, components) for r in run.records])
    return Projection(points, explained, fit % len(run.records))


def class_names(run: Run) -> list[str]:
    """The run's class names (a CSV's labels), or class 0, 1... where the task cannot be rebuilt."""
    task = rebuilt(run)
    names = getattr(task, "classes", None)
    if names is None:
        C = run.records[-1].probe_logits.shape[-1] if has_decisions(run) else 0
        names = [f"class {k}" for k in range(C)]
    return list(names)


def chance_accuracy(run: Run) -> float:
    """Accuracy of always guessing the most frequent training class (nan if unknown)."""
    task = rebuilt(run)
    return float(getattr(task, "chance_accuracy", math.nan))


def rebuilt(run: Run) -> Task | None:
    """The run's task made again from its config (cheap for the grammar), or None if it fails."""
    from rnnviz.tasks import make_task
    try:
        return make_task(run.config)
    except (ValueError, KeyError):
        return None


def negated_rows(run: Run) -> np.ndarray:
    """(P,) bool: the probe sentences that hold a negation word."""
    from rnnviz.tasks.grammar import is_negation
    if run.probe_tokens is None:
        return np.zeros(0, dtype=bool)
    return np.array([any(is_negation(w) for w in row) for row in run.probe_tokens])


def probe_accuracy(run: Run, record_index: int = -1, rows: np.ndarray | None = None) -> float:
    """Share of probe sentences (or of `rows`, a (P,) mask) the model classifies right."""
    record = record_at(run, record_index)
    if record.probe_logits is None or run.probe_targets is None:
        return math.nan
    right = record.probe_logits.argmax(-1) == np.asarray(run.probe_targets).reshape(-1)
    right = right if rows is None else right[rows]
    return float(right.mean()) if right.size else math.nan


def separation(run: Run, record_index: int = -1, layer: int = -1) -> float:
    """How far apart the labels' final states lie on the last record's first PCA axis: the
    largest distance between two class means over the pooled standard deviation."""
    if not run.records or run.probe_targets is None:
        return math.nan
    points = project_final_states(run, layer).points[record_index][:, 0]   # (P,)
    labels = np.asarray(run.probe_targets).reshape(-1)
    groups = [points[labels == k] for k in np.unique(labels)]
    if len(groups) < 2 or not np.isfinite(points).all():
        return math.nan
    means = np.array([g.mean() for g in groups])
    spread = math.sqrt(sum(((g - g.mean()) ** 2).sum() for g in groups) / max(len(points) - len(groups), 1))
    return float((means.max() - means.min()) / (spread + 1e-12))
