"""Hidden states: the PCA trajectory of h_t, unit-by-time heatmaps, text coloured by one unit."""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.claims import reber_spans
from rnnviz.plots.style import (
    DIVERGING,
    MIN_FONT,
    NO_RECORD,
    REFERENCE,
    SEQUENTIAL,
    TIME_AXIS,
    axis_labels,
    finish,
    new_figure,
    note,
)
from rnnviz.run import Run

# At most this many tick labels along time (the hover names every step): characters, then words
# (wider), on a chart across a laptop screen (every step of a 40-step Reber string). Half as many
# on a chart half as wide (two-up gate heatmaps) or in presenter mode (fonts 1.5x, so fewer fit).
MAX_TICKS, MAX_WORD_TICKS = 48, 24


def pick_sequence(array: np.ndarray, sequence: int) -> np.ndarray:
    if not -len(array) <= sequence < len(array):
        raise IndexError(f"sequence: {sequence} is out of range for {len(array)} probe sequence(s)")
    return array[sequence]


def inputs_text(run: Run, sequence: int) -> list[str]:
    """Per step, a short hover text of the input: its character, or its values."""
    if run.probe_tokens:
        return axis_labels(run.probe_tokens[sequence])
    if run.probe_inputs is None:
        return []
    x = np.asarray(run.probe_inputs[sequence])
    return [f"x = {np.array2string(np.atleast_1d(v), precision=2, separator=', ')}" for v in x]


def time_ticks(fig: go.Figure, run: Run, sequence: int, T: int, fewer: bool = False) -> None:
    """For text tasks, the characters as x tick labels, thinned so that they never overlap (half
    as many with `fewer`; words also slanted: they are wider than the gap between steps)."""
    if not run.probe_tokens:
        return
    words = any(len(token) > 1 for token in run.probe_tokens[sequence])
    every = math.ceil(T / ((MAX_WORD_TICKS if words else MAX_TICKS) // (2 if fewer else 1)))
    labels = axis_labels(run.probe_tokens[sequence])[:T]
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, T, every)), ticktext=labels[::every],
                     tickangle=-45 if words else 0, automargin=True,
                     title_text=f"input {'word' if words else 'character'} (time step t →)")


def reber_marks(fig: go.Figure, run: Run, sequence: int) -> None:
    """Embedded Reber: a line at each string's second symbol (the T/P to remember) and one at the
    end of its inner string (the next prediction must repeat that T/P)."""
    if run.config.task != "reber" or run.probe_inputs is None:
        return
    ids = np.asarray(run.probe_inputs)
    ids = ids.argmax(-1) if ids.ndim == 3 else ids
    for i, (_, branch, end, _) in enumerate(reber_spans(pick_sequence(ids, sequence)[None])):
        for t, label, dash in ((branch, "2nd symbol", "dash"), (end, "inner end", "dot")):
            words = dict(annotation=dict(text=label, font=dict(size=MIN_FONT - 2)),
                         annotation_position="top") if i == 0 else {}  # later strings: same lines, no words
            fig.add_vline(x=t, line=dict(color="black", width=2, dash=dash), **words)


def unit_heatmap(fig: go.Figure, run: Run, values: np.ndarray, sequence: int, zrange: tuple[float, float],
                 colorscale: str, colorbar: str, meta: str, units: list[int] | None = None,
                 fewer_ticks: bool = False) -> go.Figure:
    """Draw (T, units) `values` as a unit x time heatmap with inputs in the hover; `units` (an
    order of the unit indices, e.g. by a statistic) puts those rows first, top down; `fewer_ticks`
    for a narrow chart or big fonts."""
    T, width = values.shape
    z = np.where(np.isfinite(values), values, np.nan).T  # (units, T)
    y = np.arange(width)
    if units is not None:
        z, y = z[units], [str(u) for u in units]
    text = inputs_text(run, sequence)
    custom = np.tile(np.array(text or [""] * T, dtype=object), (len(z), 1))
    fig.add_trace(go.Heatmap(
        z=z, x=np.arange(T), y=y, zmin=zrange[0], zmax=zrange[1],
        zmid=0 if zrange[0] < 0 < zrange[1] else None, colorscale=colorscale, customdata=custom,
        colorbar=dict(title=dict(text=colorbar, side="right")), meta=meta,
        hovertemplate="t=%{x}, unit %{y}<br>value %{z:.3f}<br>%{customdata}<extra></extra>"))
    if units is not None:  # rows in the given order, the first at the top
        fig.update_yaxes(type="category", autorange="reversed", title_text="hidden unit (sorted)")
    elif run.config.bidirectional:  # forward units first, then the reverse direction's
        half = width // 2
        fig.add_hline(y=half - 0.5, line=dict(color="black", width=2),
                      annotation=dict(text="↑ reverse direction / forward ↓", font=dict(size=MIN_FONT)),
                      annotation_position="top right")
    time_ticks(fig, run, sequence, T, fewer_ticks)
    reber_marks(fig, run, sequence)
    return fig


def symmetric_range(values: np.ndarray) -> tuple[float, float]:
    """(-m, m) with m the largest finite |value|, at least 1 for values within [-1, 1]."""
    finite = np.abs(values[np.isfinite(values)])
    m = float(finite.max()) if finite.size else 1.0
    m = 1.0 if m <= 1.0 else m
    return -m, m


def trajectory_figure(run: Run, record_index: int = -1, dims: int = 2, sequence: int = 0,
                      layer: int = -1, fit: str = "all", presenter: bool = False) -> go.Figure:
    """The path of h_t through the top principal components, coloured by time."""
    if dims not in (2, 3):
        raise ValueError(f"dims: must be 2 or 3, got {dims!r}")
    fig = new_figure("Hidden-state trajectory", "Each dot is h_t, coloured by time. Move through "
                     "training: an untrained net wanders near one point; a trained one draws a path "
                     "shaped by the inputs.")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    traj = analysis.pca_trajectory(run, record_index, layer, k=dims, fit=fit)
    points = pick_sequence(traj.points, sequence)  # (T, dims)
    T = len(points)
    axes = [f"PC{i + 1} ({traj.explained[i]:.0%} of variance)" for i in range(dims)]
    hover = inputs_text(run, sequence) or [""] * T
    t = np.arange(T)
    coords = dict(zip("xyz", points.T, strict=False))
    marker = dict(color=t, colorscale=SEQUENTIAL, size=7 if dims == 2 else 4,
                  colorbar=dict(title=dict(text="time step t", side="right")))
    hovertemplate = "t=%{marker.color}<br>%{text}<extra></extra>"
    ends = [(0, "start (t=0)", "diamond"), (T - 1, f"end (t={T - 1})", "square")]
    if dims == 2:
        fig.add_trace(go.Scatter(**coords, mode="lines", line=dict(color=REFERENCE, width=1),
                                 name="path", showlegend=False, hoverinfo="skip", meta="path"))
        fig.add_trace(go.Scatter(**coords, mode="markers", marker=marker, text=hover, name="h_t",
                                 hovertemplate=hovertemplate, meta="states"))
        for i, name, symbol in ends:
            fig.add_trace(go.Scatter(x=[points[i, 0]], y=[points[i, 1]], mode="markers", name=name,
                                     meta="start" if i == 0 else "end",
                                     marker=dict(symbol=symbol, size=16, color="black",
                                                 line=dict(color="white", width=2))))
        fig.update_xaxes(title_text=axes[0])
        fig.update_yaxes(title_text=axes[1])
    else:
        fig.add_trace(go.Scatter3d(**coords, mode="lines+markers", marker=marker, text=hover,
                                   line=dict(color=REFERENCE, width=2), name="h_t",
                                   hovertemplate=hovertemplate, meta="states"))
        for i, name, symbol in ends:
            fig.add_trace(go.Scatter3d(x=[points[i, 0]], y=[points[i, 1]], z=[points[i, 2]],
                                       mode="markers", name=name, meta="start" if i == 0 else "end",
                                       marker=dict(symbol=symbol, size=8, color="black")))
        fig.update_layout(scene=dict(xaxis_title=axes[0], yaxis_title=axes[1], zaxis_title=axes[2]))
    if fit == "all":  # fixed ranges too, so the slider over records does not rescale the view
        _fix_ranges(fig, run, traj, layer, dims)
    fig.update_layout(title_text=f"Hidden-state trajectory at step {traj.step}")
    return finish(fig, presenter)


def _fix_ranges(fig: go.Figure, run: Run, traj: analysis.Trajectory, layer: int, dims: int) -> None:
    every = np.concatenate([analysis.project(r.hidden[layer], traj.mean, traj.components).reshape(-1, dims)
                            for r in run.records])
    every = every[np.isfinite(every).all(axis=1)]
    if not every.size:
        return
    low, high = every.min(axis=0), every.max(axis=0)
    pad = np.maximum((high - low) * 0.05, 1e-6)
    ranges = [[float(a), float(b)] for a, b in zip(low - pad, high + pad, strict=True)]
    if dims == 2:
        fig.update_xaxes(range=ranges[0])
        fig.update_yaxes(range=ranges[1])
    else:
        fig.update_layout(scene=dict(xaxis_range=ranges[0], yaxis_range=ranges[1],
                                     zaxis_range=ranges[2], aspectmode="cube"))


def hidden_heatmap_figure(run: Run, record_index: int = -1, sequence: int = 0, layer: int = -1,
                          units: list[int] | None = None, presenter: bool = False) -> go.Figure:
    """Every hidden unit's activation (rows, in `units`' order if given) at every time step
    (columns), centred at 0."""
    fig = new_figure("Hidden units over time", "Look for rows that switch on a particular input "
                     "and hold their value: that unit remembers it.", TIME_AXIS, "hidden unit")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    values = np.asarray(pick_sequence(record.hidden[layer], sequence), dtype=np.float64)  # (T, H*D)
    unit_heatmap(fig, run, values, sequence, symmetric_range(values), DIVERGING, "h_t", "hidden", units,
                 presenter)
    fig.update_layout(title_text=f"Hidden units over time, at step {record.step}")
    return finish(fig, presenter)


def _rgb(value: float, limit: float) -> tuple[int, int, int]:
    """Blue (-limit) - white (0) - red (+limit), as in the heatmaps' RdBu_r."""
    s = 0.0 if not np.isfinite(value) else max(-1.0, min(1.0, value / limit))
    end = (178, 24, 43) if s > 0 else (33, 102, 172)
    return tuple(round(255 + (e - 255) * abs(s)) for e in end)


def text_activation_html(run: Run, record_index: int, unit: int, sequence: int = 0,
                         layer: int = -1) -> str:
    """The probe text, each character's background coloured by one unit's activation; "" if no text."""
    if not run.probe_tokens or not run.records:
        return ""
    record = analysis.record_at(run, record_index)
    hidden = pick_sequence(record.hidden[layer], sequence)  # (T, H*D)
    if not -hidden.shape[1] <= unit < hidden.shape[1]:
        raise IndexError(f"unit: {unit} is out of range for {hidden.shape[1]} hidden unit(s)")
    values = np.asarray(hidden[:, unit], dtype=np.float64)
    limit = symmetric_range(values)[1]
    spans = []
    gap = " " if any(len(token) > 1 for token in run.probe_tokens[sequence]) else ""  # words
    for t, (char, value) in enumerate(zip(run.probe_tokens[sequence], values, strict=False)):
        r, g, b = _rgb(value, limit)
        ink = "#fff" if (r * 299 + g * 587 + b * 114) / 1000 < 128 else "#000"
        shown = {" ": "&nbsp;", "\n": "↵<br>", "\t": "⇥"}.get(char, html.escape(char))
        spans.append(f'<span title="t={t}: {value:.3f}" style="background: rgb({r},{g},{b}); '
                     f'color: {ink}; padding: 0 1px">{shown}</span>')
    stops = ", ".join(f"rgb{_rgb(v, 1.0)}" for v in (-1.0, -0.5, 0.0, 0.5, 1.0))
    legend = (f'<div style="display: flex; align-items: center; gap: 8px; margin-top: 8px; '
              f'font-size: {MIN_FONT}px">{-limit:.2g}<span style="display: inline-block; width: 200px; '
              f'height: 14px; background: linear-gradient(to right, {stops})"></span>{limit:+.2g}'
              f'<span>unit {unit}, layer {layer % len(record.hidden)}, step {record.step}</span></div>')
    return (f'<div style="font-family: monospace; font-size: 18px; line-height: 1.9; '
            f'white-space: pre-wrap">{gap.join(spans)}</div>{legend}')
