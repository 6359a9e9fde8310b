"""Decisions of a many-to-one classifier: final states by label, word contributions, accuracy."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis, decisions
from rnnviz.plots.hidden import _rgb, symmetric_range
from rnnviz.plots.style import (
    MIN_FONT,
    NO_RECORD,
    REFERENCE,
    color,
    finish,
    finite_or_nan,
    new_figure,
    note,
)
from rnnviz.plots.training import STEP_AXIS
from rnnviz.run import Run
from rnnviz.tasks.sentiment import PAD

TOWARD, AGAINST = f"rgb{_rgb(1.0, 1.0)}", f"rgb{_rgb(-1.0, 1.0)}"  # red and blue, as the sentences'
NOT_HERE = "This run holds no decisions to show: train a many-to-one classification task (sentiment)."


def words_of(run: Run, sequence: int) -> tuple[list[int], list[str]]:
    """(steps, words) of one probe sequence, padding left out."""
    tokens = run.probe_tokens[sequence] if run.probe_tokens else []
    kept = [(t, w) for t, w in enumerate(tokens) if w != PAD]
    return [t for t, _ in kept], [w for _, w in kept]


def sentence(run: Run, sequence: int) -> str:
    return " ".join(words_of(run, sequence)[1]) or f"probe sequence {sequence}"


def final_state_figure(run: Run, record_index: int = -1, layer: int = -1,
                       presenter: bool = False) -> go.Figure:
    """Each probe sentence's final hidden state on the last record's top two PCA axes, coloured by
    its label; x marks a sentence the model gets wrong at this record."""
    fig = new_figure("Final hidden state of each probe sentence, by label",
                     "Same axes at every step (fitted on the last record): slide through training "
                     "and watch the labels pull apart. x = classified wrong at this step.",
                     "PC 1", "PC 2")
    if not decisions.has_decisions(run):
        return finish(note(fig, NOT_HERE if run.records else NO_RECORD), presenter)
    projection = decisions.project_final_states(run, layer)
    record = analysis.record_at(run, record_index)
    points = projection.points[record_index]                                 # (P, 2)
    labels = np.asarray(run.probe_targets).reshape(-1) if run.probe_targets is not None else None
    predicted = record.probe_logits.argmax(-1)
    names = decisions.class_names(run)
    for k, name in enumerate(names):
        rows = np.flatnonzero(labels == k) if labels is not None else np.flatnonzero(predicted == k)
        if not len(rows):
            continue
        wrong = predicted[rows] != k
        for these, symbol in ((rows[~wrong], "circle"), (rows[wrong], "x")):  # the legend: a circle
            fig.add_trace(go.Scatter(
                x=points[these, 0], y=points[these, 1], mode="markers", name=name, meta=f"class {k}",
                legendgroup=name, showlegend=symbol == "circle",
                marker=dict(color=color(k), size=13, symbol=symbol, line=dict(width=1, color="white")),
                hovertext=[f"{html.escape(sentence(run, p))}<br>says {names[predicted[p]]}" for p in these],
                hoverinfo="text"))
    finite = projection.points[np.isfinite(projection.points).all(-1)]
    if finite.size:  # fixed ranges: the frame does not jump as the slider moves
        low, high = finite.min(0), finite.max(0)
        pad = 0.08 * np.maximum(high - low, 1e-6)
        fig.update_xaxes(range=[low[0] - pad[0], high[0] + pad[0]],
                         title_text=f"PC 1 ({projection.explained[0]:.0%} of the variance)")
        fig.update_yaxes(range=[low[1] - pad[1], high[1] + pad[1]],
                         title_text=f"PC 2 ({projection.explained[1]:.0%})")
    fig.update_layout(legend_title_text=f"label (step {record.step})")
    return finish(fig, presenter)


def contribution_figure(run: Run, record_index: int = -1, sequence: int = 0,
                        presenter: bool = False) -> go.Figure:
    """One probe sentence's words as bars: each word's contribution to the model's decision."""
    fig = new_figure("What each word contributes to the decision",
                     "Gradient x input on each word's embedding: red pushes toward what the model "
                     "says, blue against. A gradient is local: trained networks often give the last "
                     "words most.",
                     "word (in reading order)", "contribution (logit units)")
    if not decisions.has_decisions(run):
        return finish(note(fig, NOT_HERE if run.records else NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    steps, words = words_of(run, sequence)
    scores = decisions.decision_scores(record)[sequence][steps]
    said = decisions.class_names(run)[int(record.probe_logits[sequence].argmax())]
    fig.add_trace(go.Bar(x=[f"{t}: {w}" for t, w in zip(steps, words, strict=True)], y=scores,
                         marker_color=[TOWARD if s > 0 else AGAINST for s in scores], meta="scores",
                         hovertemplate="%{x}: %{y:.3g}<extra></extra>", name=f"toward {said}"))
    fig.add_hline(y=0, line=dict(color=REFERENCE, width=1))
    fig.update_xaxes(tickangle=-45)
    fig.update_layout(showlegend=False, title_text=f"Why the model says {said} (step {record.step})")
    return finish(fig, presenter)


def contributions_html(run: Run, record_index: int = -1, limit: int = 32) -> str:
    """Every probe sentence (up to `limit`), each word's background coloured by its contribution:
    red toward the class the model says, blue against it; with its label and the model's answer."""
    if not decisions.has_decisions(run) or not run.probe_tokens:
        return ""
    record = analysis.record_at(run, record_index)
    scores = decisions.decision_scores(record)
    names, probs = decisions.class_names(run), decisions.probabilities(record)
    labels = np.asarray(run.probe_targets).reshape(-1) if run.probe_targets is not None else None
    top = symmetric_range(np.concatenate([scores[p][words_of(run, p)[0]]
                                          for p in range(len(scores))] + [np.zeros(1)]))[1]
    lines = []
    for p in range(min(len(scores), limit)):
        steps, words = words_of(run, p)
        said = int(probs[p].argmax())
        right = labels is None or labels[p] == said
        spans = []
        for t, w in zip(steps, words, strict=True):
            r, g, b = _rgb(float(scores[p, t]), top)
            spans.append(f'<span title="{scores[p, t]:+.3f}" style="background: rgb({r},{g},{b}); '
                         f'padding: 0 2px">{html.escape(w)}</span>')
        mark = "✓" if right else "✗"
        truth = "" if labels is None else f" · label {html.escape(names[labels[p]])}"
        lines.append(f'<div style="margin: 2px 0"><b>{mark} says {html.escape(names[said])} '
                     f'({probs[p, said]:.0%}){truth}</b>: {" ".join(spans)}</div>')
    stops = ", ".join(f"rgb{_rgb(v, 1.0)}" for v in (-1.0, -0.5, 0.0, 0.5, 1.0))
    legend = (f'<div style="display: flex; align-items: center; gap: 8px; margin-top: 8px; '
              f'font-size: {MIN_FONT}px">against {-top:.2g}<span style="display: inline-block; '
              f'width: 200px; height: 14px; background: linear-gradient(to right, {stops})"></span>'
              f'{top:+.2g} toward<span>what the model says, step {record.step}</span></div>')
    return f'<div style="font-size: 17px; line-height: 1.8; color: #000">{"".join(lines)}</div>{legend}'


def accuracy_figure(run: Run, smooth: int = 10, presenter: bool = False) -> go.Figure:
    """Training accuracy (and on negated sentences) per step, validation accuracy per record,
    against chance: always saying the most frequent class."""
    fig = new_figure("Accuracy against chance",
                     "Dashed: always saying the most frequent class. Negated sentences are the hard "
                     "part: the same adjective means the opposite there.", STEP_AXIS,
                     "accuracy (share correct)")
    if not run.rows:
        return finish(note(fig, "No training step yet."), presenter)
    history = run.history
    x = history["step"].to_numpy()
    for i, (name, words) in enumerate((("accuracy", "training"), ("negated_accuracy", "negated (training)"))):
        if name in history.columns:
            y = history[name].to_numpy(dtype=np.float64)
            fig.add_trace(go.Scatter(x=x, y=analysis.smooth(finite_or_nan(y), smooth), mode="lines",
                                     name=words, line=dict(color=color(i), width=2.5), meta=name))
    if run.records:
        val = [r.val_metrics.get("accuracy", np.nan) for r in run.records]
        fig.add_trace(go.Scatter(x=run.record_steps, y=val, mode="lines+markers", name="validation",
                                 line=dict(color=color(2), width=2), meta="val_accuracy"))
    chance = decisions.chance_accuracy(run)
    if np.isfinite(chance):
        fig.add_trace(go.Scatter(x=[0, run.config.steps], y=[chance, chance], mode="lines", meta="chance",
                                 name=f"chance ({chance:.0%})",
                                 line=dict(color=REFERENCE, dash="dash", width=2.5)))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return finish(fig, presenter)
