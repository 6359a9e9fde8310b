"""Attention: where each output step of a seq2seq decoder looks, and accuracy against input length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.plots.hidden import pick_sequence
from rnnviz.plots.style import (
    NO_RECORD,
    REFERENCE,
    SEQUENTIAL,
    as_runs,
    axis_labels,
    color,
    finish,
    new_figure,
    note,
    run_labels,
)
from rnnviz.run import Run

NO_ATTENTION = ("This run has no attention (attention: none):<br>its decoder sees the input only "
                "through the encoder's final state.<br>Train it with attention additive or dot.")
METRIC_WORDS = {"accuracy": "output tokens right", "sequence_accuracy": "whole outputs right"}


def attention_figure(run: Run, record_index: int = -1, sequence: int = 0,
                     presenter: bool = False) -> go.Figure:
    """The attention weights of one probe sequence: decoder steps (rows) x encoder steps (columns)."""
    fig = new_figure("Attention: where each output step looks",
                     "Each row sums to 1. Reversal: an anti-diagonal appears as the model learns.",
                     "input step: token", "output step: target")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    if record.attention is None:
        return finish(note(fig, NO_ATTENTION), presenter)
    weights = np.asarray(pick_sequence(record.attention, sequence), dtype=np.float64)  # (T_out, T_in)
    inputs = axis_labels(run.probe_tokens[sequence]) if run.probe_tokens else []
    vocab = run.output_vocab or []
    targets = [vocab[int(i)] for i in run.probe_targets[sequence]] if run.probe_targets is not None else []
    wrote = [vocab[int(i)] for i in record.decoded[sequence]] if record.decoded is not None else targets
    rows = [f"{t}: {target}" + ("" if w == target else f" (wrote {w})")
            for t, (target, w) in enumerate(zip(targets, wrote, strict=True))]
    cols = [f"{j}: {tok}" for j, tok in enumerate(inputs)]
    # numeric axes with tick text: a repeated token must not merge two columns into one
    fig.add_trace(go.Heatmap(
        z=weights, x=list(range(weights.shape[1])), y=list(range(weights.shape[0])), zmin=0.0, zmax=1.0,
        colorscale=SEQUENTIAL, colorbar=dict(title="weight"),
        customdata=np.array([[[r, c] for c in cols] for r in rows], dtype=object) if rows and cols else None,
        hovertemplate="output %{customdata[0]}<br>input %{customdata[1]}<br>weight %{z:.3f}<extra></extra>"
        if rows and cols else "output %{y}, input %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(tickvals=list(range(len(cols))), ticktext=cols, side="bottom")
    fig.update_yaxes(tickvals=list(range(len(rows))), ticktext=rows, autorange="reversed")
    fig.update_layout(title_text=f"Attention at step {record.step}: where each output step looks")
    return finish(fig, presenter)


def length_accuracy_figure(runs: Run | Sequence[Run], metric: str = "accuracy",
                           presenter: bool = False) -> go.Figure:
    """Greedy-decoding accuracy against input length, one line per run (evaluated when it ended)."""
    if metric not in METRIC_WORDS:
        raise ValueError(f"metric: must be one of {', '.join(METRIC_WORDS)}, got {metric!r}")
    runs = as_runs(runs)
    fig = new_figure("Accuracy against input length",
                     "Without attention all of the input must pass through one fixed-size state, so "
                     "accuracy falls as inputs grow (Bahdanau et al. 2015).",
                     "input length (tokens)", METRIC_WORDS[metric])
    shown = [(r, label) for r, label in zip(runs, run_labels(runs), strict=True)
             if r.length_accuracy is not None]
    if not shown:
        return finish(note(fig, "No accuracy by length yet: a seq2seq run measures it when it ends."),
                      presenter)
    for i, (run, label) in enumerate(shown):
        acc = run.length_accuracy
        fig.add_trace(go.Scatter(x=acc.lengths, y=getattr(acc, metric), mode="lines+markers",
                                 name=f"{label}, attention: {run.config.attention}",
                                 line=dict(color=color(i)),
                                 hovertemplate="length %{x}: %{y:.1%}<extra>" + label + "</extra>"))
    trained = {r.config.seq_len for r, _ in shown}
    if len(trained) == 1:  # the training length: longer inputs test generalisation, not the bottleneck
        fig.add_vline(x=trained.pop(), line=dict(color=REFERENCE, dash="dot"),
                      annotation_text="trained up to here", annotation_position="bottom left")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_xaxes(dtick=1 if max(len(r.length_accuracy.lengths) for r, _ in shown) <= 20 else None)
    return finish(fig, presenter)
