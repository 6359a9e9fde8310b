"""The memory map as a picture: output step x input step, each row's ‖∂y_t/∂x_s‖ in decades below
its strongest input (many-to-one tasks: the final output's one row, as a curve)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from rnnviz.memory_map import MemoryMap, reach
from rnnviz.plots.style import REFERENCE, SEQUENTIAL, TIME_AXIS, axis_labels, finish, new_figure

DECADES = 8  # the colour scale spans this many powers of ten below each row's strongest input
MAX_TICKS = 40


def _ticks(fig: go.Figure, tokens: list[str] | None, T: int, rows: bool) -> None:
    if not tokens:
        return
    every = math.ceil(T / MAX_TICKS)
    labels = axis_labels(tokens)[:T]
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, T, every)), ticktext=labels[::every],
                     title_text="input s (time →)")
    if rows:
        fig.update_yaxes(tickmode="array", tickvals=list(range(0, T, every)), ticktext=labels[::every],
                         title_text="output after reading … (time ↓)")


def _written_ticks(fig: go.Figure, written: list[str]) -> None:
    """A seq2seq map's rows: each decoder step with the token it wrote."""
    every = math.ceil(len(written) / MAX_TICKS)
    labels = [f"{t}: {w}" for t, w in enumerate(written)]
    fig.update_yaxes(tickmode="array", tickvals=list(range(0, len(labels), every)), ticktext=labels[::every],
                     title_text="decoder step: token written")


def memory_map_figure(mm: MemoryMap, tokens: list[str] | None = None, step: int | None = None,
                      marks: list[int] | None = None, presenter: bool = False,
                      written: list[str] | None = None) -> go.Figure:
    """Heatmap of log10 of the normalised map (rows: output steps); a curve for a single row.
    `marks`: input steps to point at (the adding problem's two marked numbers). `written`: a seq2seq
    map's rows, the token the decoder wrote at each step (its columns are the encoder's inputs)."""
    T = mm.norms.shape[1]
    at = f", at step {step}" if step is not None else ""
    floored = np.log10(np.clip(mm.normalised, 10.0 ** -DECADES, None))
    hover = np.char.mod("%.2e", mm.norms)
    if written is not None:
        hint = (f"y_t = {mm.measure}. Each row over the encoder input it depends on most: bright = "
                f"that input shapes what the decoder writes, dark = {DECADES}+ decades less. Attention "
                "shows where the decoder looks; this shows what its output depends on.")
        fig = new_figure(f"Memory map: which inputs each output used{at}", hint, "encoder input s",
                         "decoder step t")
        _heatmap(fig, mm, floored, hover, "output t=%{y}, input s=%{x}")
        _ticks(fig, tokens, T, rows=False)
        _written_ticks(fig, written)
        return finish(fig, presenter)
    reaches = reach(mm)
    if len(mm.rows) == 1:
        hint = (f"y_T = {mm.measure} at the last step: how much it depends on each input, over the "
                f"strongest one (log scale). Falling steeply to the left = a short memory. The earliest "
                f"input above 1% of the strongest is {reaches[0]} steps back.")
        fig = new_figure(f"Memory map of the final output{at}", hint, TIME_AXIS, "share of the largest (log)")
        fig.update_yaxes(type="log", exponentformat="power", range=[-DECADES, 0.2])
        fig.add_trace(go.Scatter(x=np.arange(T), y=10.0 ** floored[0], mode="lines+markers", meta="row",
                                 customdata=hover[0], name="final output",
                                 hovertemplate="s=%{x}<br>‖∂y_T/∂x_s‖ = %{customdata}<extra></extra>"))
        fig.add_hline(y=0.01, line=dict(color=REFERENCE, dash="dot"))
        _ticks(fig, tokens, T, rows=False)
    else:
        hint = (f"y_t = {mm.measure} at step t. Each row over its strongest input: bright = the output "
                f"depends on that input, dark = {DECADES}+ decades less. A band by the diagonal is a short "
                f"memory; colour far to the left is long reach. Median reach (≥ 1% of the strongest): "
                f"{int(np.median(reaches))} steps back.")
        fig = new_figure(f"Memory map: which inputs each output used{at}", hint, TIME_AXIS, "output step t")
        _heatmap(fig, mm, floored, hover, "output t=%{y}, input s=%{x}")
        _ticks(fig, tokens, T, rows=True)
    for s in marks or []:
        fig.add_vline(x=s, line=dict(color=REFERENCE, dash="dash", width=1.5))
    if marks:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="marked inputs", meta="marks",
                                 line=dict(color=REFERENCE, dash="dash", width=1.5)))
    return finish(fig, presenter)


def _heatmap(fig: go.Figure, mm: MemoryMap, floored: np.ndarray, hover: np.ndarray, where: str) -> None:
    T = mm.norms.shape[1]
    fig.add_trace(go.Heatmap(
        z=np.where(mm.normalised > 0, floored, np.nan), x=np.arange(T), y=mm.rows, customdata=hover,
        colorscale=SEQUENTIAL, zmin=-DECADES, zmax=0, meta="map",
        colorbar=dict(title=dict(text="log10 share of the row's max", side="right")),
        hovertemplate=where + "<br>‖∂y_t/∂x_s‖ = %{customdata}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=min(760, 330 + 10 * len(mm.rows)))  # rows tall enough to read
