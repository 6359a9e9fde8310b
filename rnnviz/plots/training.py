"""Curves over training steps: loss, gradient norm, task metrics, validation loss."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.plots.style import (
    NO_RECORD,
    REFERENCE,
    as_runs,
    color,
    finish,
    finite_or_nan,
    mark_divergence,
    metric_label,
    new_figure,
    note,
    run_labels,
)
from rnnviz.run import Run
from rnnviz.tasks import TASKS

STEP_AXIS = "training step (optimizer updates)"
LOSS_UNITS = {"regression": "loss (mean squared error)", "classification": "loss (cross-entropy, nats)"}


def _loss_axis(runs: Sequence[Run]) -> str:
    kinds = {r.task_kind for r in runs}
    return LOSS_UNITS.get(kinds.pop(), "loss") if len(kinds) == 1 else "loss"


def _last_step(runs: Sequence[Run]) -> int:
    return max(r.config.steps for r in runs)


def _mark_nonfinite(fig: go.Figure, steps: np.ndarray, values: np.ndarray, top: float, color_: str,
                    label: str) -> None:
    """An x at the top of the axis for every step whose value is inf or nan."""
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if bad.any():
        fig.add_trace(go.Scatter(
            x=steps[bad], y=np.full(int(bad.sum()), top), mode="markers", name=f"{label}: inf/nan",
            marker=dict(symbol="x", size=12, color=color_), legendgroup=label,
            hovertext=[str(v) for v in np.asarray(values)[bad]], meta="nonfinite"))


def _top(arrays: Sequence[np.ndarray]) -> float:
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays] + [np.zeros(0)])
    return float(finite.max()) if finite.size else 1.0


def _log_if_wide(fig: go.Figure, values: Sequence[np.ndarray], limit: float = 2.0) -> bool:
    wide = analysis.decades(np.concatenate([np.ravel(v) for v in values] + [np.zeros(0)])) > limit
    if wide:
        fig.update_yaxes(type="log", exponentformat="power")
    return wide


def _baselines(fig: go.Figure, runs: Sequence[Run], labels: list[str], x_max: float,
               val: bool = False) -> list[float]:
    """Dashed line(s) at the best constant prediction's loss, one per distinct baseline (val: the
    validation split's own), then, for tasks that have one (adding), a dotted line where a model
    that remembers only one of the numbers it needs would be. Drawn last: on top of the curves."""
    values, memory = {}, {}
    own = val and all(np.isfinite(r.val_baseline_loss) for r in runs)  # older files lack it
    for run, label in zip(runs, labels, strict=True):
        value = run.val_baseline_loss if own else run.baseline_loss
        if np.isfinite(value):
            values.setdefault(value, label)
        line = memory_loss(run)
        if line is not None:
            memory.setdefault(line, label)
    split = " on the validation data" if own else (" on the training data" if val else "")
    for value, label in values.items():
        name = f"best constant prediction{split}" + (f" ({label})" if len(values) > 1 else "")
        fig.add_trace(go.Scatter(x=[0, x_max], y=[value, value], mode="lines", name=name,
                                 line=dict(color=REFERENCE, dash="dash", width=2.5), meta="baseline",
                                 hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"))
    for value, label in memory.items():
        name = "remembers one number" + (f" ({label})" if len(memory) > 1 else "")
        fig.add_trace(go.Scatter(x=[0, x_max], y=[value, value], mode="lines", name=name,
                                 line=dict(color=REFERENCE, dash="dot", width=2.5), meta="memory",
                                 hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"))
    return list(values) + list(memory)


def memory_loss(run: Run) -> float | None:
    """The loss of a model that remembers only part of what the run's task needs (Task.memory_loss)."""
    task = TASKS.get(run.config.task)
    return None if task is None else task.memory_loss


def loss_figure(runs: Run | Sequence[Run], smooth: int = 1, presenter: bool = False) -> go.Figure:
    """Training loss per step of one or more runs, against the best constant prediction."""
    runs = as_runs(runs)
    hint = ("Learning = the curve falls below the dashed line (the best a network can do without "
            "looking at the sequence).")
    if any(memory_loss(r) is not None for r in runs):
        hint += (" Below the dotted line (remembering only the second number gets there) the network "
                 "also carries the first number: long memory.")
    fig = new_figure("Training loss", hint, STEP_AXIS, _loss_axis(runs))
    if not runs:
        return finish(note(fig, "No run yet: train one first."), presenter)
    labels, many = run_labels(runs), len(runs) > 1
    series = [(r.history["step"].to_numpy(), r.history["loss"].to_numpy(dtype=np.float64)) for r in runs]
    top = _top([finite_or_nan(y) for _, y in series] + [np.array([r.baseline_loss for r in runs])])
    for i, (run, label, (x, y)) in enumerate(zip(runs, labels, series, strict=True)):
        c = color(i)
        if smooth > 1:
            fig.add_trace(go.Scatter(x=x, y=finite_or_nan(y), mode="lines", name=f"{label} (raw)",
                                     line=dict(color=c, width=1), opacity=0.3, legendgroup=label,
                                     showlegend=False, meta="raw"))
        fig.add_trace(go.Scatter(x=x, y=analysis.smooth(y, smooth), mode="lines", name=label,
                                 line=dict(color=c, width=2.5), legendgroup=label, meta="loss"))
        _mark_nonfinite(fig, x, y, top, c, label)
        mark_divergence(fig, run, label, c, many)
    baselines = _baselines(fig, runs, labels, _last_step(runs))
    _log_if_wide(fig, [y for _, y in series] + [np.array(baselines)])
    return finish(fig, presenter)


def grad_norm_figure(runs: Run | Sequence[Run], presenter: bool = False) -> go.Figure:
    """Total gradient norm per step before clipping (raw) and after (applied), on a log axis."""
    runs = as_runs(runs)
    fig = new_figure("Gradient norm", clip_hint(runs), STEP_AXIS, "‖∇θ L‖ (total L2 norm, log scale)")
    fig.update_yaxes(type="log", exponentformat="power")
    if not runs:
        return finish(note(fig, "No run yet: train one first."), presenter)
    labels, many = run_labels(runs), len(runs) > 1
    frames = [r.history for r in runs]
    raw_all = [f["grad_norm"].to_numpy(dtype=np.float64) for f in frames]
    after_all = [f["grad_norm_clipped"].to_numpy(dtype=np.float64) for f in frames]
    floor = analysis.floor_for(*raw_all, *after_all)
    top = _top([finite_or_nan(v) for v in raw_all])
    clip_lines = set()
    for i, (run, label, frame) in enumerate(zip(runs, labels, frames, strict=True)):
        c, x = color(i), frame["step"].to_numpy()
        clipping = run.config.clip_norm is not None
        fig.add_trace(go.Scatter(x=x, y=analysis.log_floor(raw_all[i], floor).values, mode="lines",
                                 name=f"{label}: raw" if clipping else label, legendgroup=label,
                                 line=dict(color=c, width=2), meta="raw"))
        if clipping:
            fig.add_trace(go.Scatter(x=x, y=analysis.log_floor(after_all[i], floor).values,
                                     mode="lines", name=f"{label}: applied", legendgroup=label,
                                     line=dict(color=c, width=2, dash="dash"), meta="applied"))
            if run.config.clip_mode == "norm":
                clip_lines.add(run.config.clip_norm)
        _mark_nonfinite(fig, x, raw_all[i], top, c, label)
        mark_divergence(fig, run, label, c, many)
    for value in sorted(clip_lines):
        fig.add_trace(go.Scatter(x=[0, _last_step(runs)], y=[value, value], mode="lines",
                                 name=f"max norm = {value:g} (norm clipping)", meta="clip_norm",
                                 line=dict(color=REFERENCE, dash="dot", width=2.5)))
    return finish(fig, presenter)


def clip_hint(runs: Sequence[Run]) -> str:
    """What the applied (dashed) curve is bounded by, for the clip modes of `runs`."""
    modes = {r.config.clip_mode for r in runs if r.config.clip_norm is not None}
    hint = "Spikes that climb by decades = exploding gradients."
    if "norm" in modes:
        hint += (" Norm clipping rescales the whole gradient: the applied norm (dashed) never goes "
                 "above the max-norm line.")
    if "value" in modes:
        hint += (" Value clipping caps each gradient element at ± the clip value: that bounds the "
                 "elements, not the norm, so the applied norm (dashed) can stay above the clip value "
                 "(up to clip × √(number of weights)); no max-norm line is drawn for it.")
    return hint


def metric_figure(runs: Run | Sequence[Run], name: str, presenter: bool = False) -> go.Figure:
    """A task metric of the training batches (a history column: accuracy, perplexity) per step."""
    runs = as_runs(runs)
    hints = {"accuracy": "Higher is better; chance level is where an untrained network starts.",
             "perplexity": "Lower is better: the number of equally likely choices the model "
                           "still hesitates between.",
             "negated_accuracy": "Sentences with a negation (not, never, n't): a model that only "
                                 "counts good and bad words gets many of them wrong."}
    label = metric_label(name)
    fig = new_figure(f"Training {label}", hints.get(name, ""), STEP_AXIS, label)
    having = [(i, r) for i, r in enumerate(runs) if name in r.history.columns]
    if not having:
        return finish(note(fig, f"No run here reports {label}."), presenter)
    labels = run_labels(runs)
    ys = []
    for i, run in having:
        frame = run.history
        y = frame[name].to_numpy(dtype=np.float64)
        ys.append(y)
        fig.add_trace(go.Scatter(x=frame["step"].to_numpy(), y=finite_or_nan(y), mode="lines",
                                 name=labels[i], line=dict(color=color(i), width=2.5), meta=name))
        mark_divergence(fig, run, labels[i], color(i), len(runs) > 1)
    if name.endswith("accuracy"):  # a share of right answers; the chart's title says of what
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title_text="share correct")
    else:
        _log_if_wide(fig, ys)
    return finish(fig, presenter)


def overfitting(run: Run, rise: float = 0.05) -> str | None:
    """A sentence when the validation loss rose by more than `rise` (relative) above its lowest
    record while the training loss kept falling; None otherwise."""
    steps = np.array(run.record_steps)
    val = np.array([r.val_loss for r in run.records], dtype=np.float64)
    if len(val) < 3 or not np.isfinite(val).all():
        return None
    best = int(np.argmin(val))
    if best == len(val) - 1 or val[-1] <= val[best] * (1 + rise):
        return None
    history = run.history
    loss, at = history["loss"].to_numpy(dtype=np.float64), history["step"].to_numpy()
    width = max(run.config.record_every, run.config.steps // 20)  # batch losses are noisy: average
    then = loss[np.abs(at - steps[best]) <= width]
    now = loss[at >= at.max() - width] if len(at) else loss
    if not (then.size and now.size and np.isfinite(then).all() and np.isfinite(now).all()):
        return None
    if now.mean() >= then.mean():
        return None
    return (f"Overfitting: validation loss rose from {val[best]:.3g} (step {steps[best]}) to {val[-1]:.3g} "
            f"while the training loss fell from {then.mean():.3g} to {now.mean():.3g}: the model "
            "memorises its training data.")


def _val_hint(runs: Sequence[Run], labels: list[str], is_loss: bool) -> str:
    hint = "A gap opening between training and validation loss = memorising the training batches."
    if is_loss and any(np.isfinite(r.train_loss) for run in runs for r in run.records):
        hint = ("Solid: held-out text; dotted: the same measure on training data (no dropout). A gap "
                "opening between them = memorising the training data.")
    if is_loss and runs and all(np.isfinite(r.val_baseline_loss) for r in runs):
        hint += " Dashed: the best constant prediction for the validation data itself."
    many = len(runs) > 1
    for run, label in zip(runs, labels, strict=True):
        prefix = f"{label}: " if many else ""
        if run.val_unseen_share > 0:
            hint += (f" {prefix}{run.val_unseen_share:.0%} of the validation targets never occur in the "
                     "training text: no model trained on it can predict them, and they stay in the loss.")
        found = overfitting(run) if run.records else None
        if found:
            hint += f" {prefix}{found}"
    return hint


def val_figure(runs: Run | Sequence[Run], metric: str = "loss", presenter: bool = False) -> go.Figure:
    """Held-out loss (or a Record.val_metrics entry) at every record, against the validation
    split's own baseline, and the loss on training data taken the same way (dotted; the gap is
    overfitting); the subtitle notes tokens unseen in training, and overfitting."""
    runs = as_runs(runs)
    is_loss = metric == "loss"
    labels = run_labels(runs) if runs else []
    both = is_loss and any(np.isfinite(r.train_loss) for run in runs for r in run.records)
    title = "Validation loss, and on training data" if both else f"Validation {metric}"
    fig = new_figure(title, _val_hint(runs, labels, is_loss), STEP_AXIS,
                     _loss_axis(runs) if is_loss else metric)
    if not runs or not any(r.records for r in runs):
        return finish(note(fig, NO_RECORD), presenter)
    ys = []
    for i, run in enumerate(runs):
        x = np.array(run.record_steps)
        y = np.array([r.val_loss if is_loss else r.val_metrics.get(metric, np.nan) for r in run.records],
                     dtype=np.float64)
        ys.append(y)
        fig.add_trace(go.Scatter(x=x, y=finite_or_nan(y), mode="lines+markers", name=labels[i],
                                 line=dict(color=color(i), width=2.5), meta=f"val_{metric}"))
        seen = np.array([r.train_loss for r in run.records], dtype=np.float64)
        if is_loss and np.isfinite(seen).any():  # older run files lack it
            ys.append(seen)
            fig.add_trace(go.Scatter(x=x, y=finite_or_nan(seen), mode="lines+markers", meta="train_loss",
                                     name=f"{labels[i]}: on training data", legendgroup=labels[i],
                                     line=dict(color=color(i), width=2, dash="dot"), marker=dict(size=5)))
        mark_divergence(fig, run, labels[i], color(i), len(runs) > 1)
    if is_loss:
        ys.append(np.array(_baselines(fig, runs, labels, _last_step(runs), val=True)))
    _log_if_wide(fig, ys)
    return finish(fig, presenter)
