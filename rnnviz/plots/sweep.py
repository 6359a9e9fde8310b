"""Sweep -> Figure: success rate (with a Wilson interval) or final loss against the swept field."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.cells import CELLS
from rnnviz.config import FIELDS
from rnnviz.plots.style import REFERENCE, color, finish, new_figure, note
from rnnviz.sweeps.summary import finished, rates, swept_field

DASHES = ("solid", "dash", "dot", "dashdot")


def _name(cell: str) -> str:
    return CELLS[cell].display_name if cell in CELLS else str(cell)


def _x_axis(fig: go.Figure, values: pd.Series, field: str) -> None:
    """A log axis for a field whose values span over 10x (radius, learning rate), else linear."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    log = len(v) > 1 and (v > 0).all() and v.max() / v.min() > 10 and field != "seed"
    ticks = sorted(v.unique()) if log and len(v.unique()) <= 12 else None  # the swept values only
    fig.update_xaxes(type="log" if log else "linear", tickvals=ticks,
                     ticktext=[f"{t:g}" for t in ticks] if ticks else None,
                     title=f"{field} ({FIELDS[field].help})" if field in FIELDS else field)


def sweep_figure(table: pd.DataFrame, field: str | None = None, show: str = "success",
                 presenter: bool = False) -> go.Figure:
    """One line per cell against `field` (default: the swept field). show="success": the share of
    runs that met the criterion, with a 95% Wilson interval; "loss": each run's final validation
    loss over the baseline (dots) and their median (line)."""
    field = field or swept_field(table)
    criterion = str(table["criterion"].dropna().iloc[0]) if "criterion" in table and \
        table["criterion"].notna().any() else "the task's criterion"
    if show == "success":
        fig = new_figure("Success rate", f"Share of seeds with {criterion}; bars: 95% interval.",
                         y_title="runs that succeed")
    else:
        fig = new_figure("Final loss", "Dots: each run's final validation loss over the baseline; "
                         "line: their median.", y_title="loss / baseline")
    done = finished(table) if "status" in table else table.iloc[0:0]
    if field is None or done.empty or "cell" not in done:
        return finish(note(fig, "No finished run yet."), presenter)
    if show == "success":
        _success(fig, rates(done, field), field)
    else:
        _loss(fig, done, field)
    _x_axis(fig, done[field], field)
    return finish(fig, presenter)


def _success(fig: go.Figure, summary: pd.DataFrame, field: str) -> None:
    for i, (cell, part) in enumerate(summary.groupby("cell", sort=False)):
        rate = part["rate"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            x=part[field], y=rate, mode="lines+markers", name=_name(cell),
            line=dict(color=color(i), dash=DASHES[i % len(DASHES)]),  # equal lines stay visible
            marker=dict(size=9), error_y=dict(type="data", symmetric=False, array=part["high"] - rate,
                                              arrayminus=rate - part["low"], thickness=1.5, width=6),
            customdata=np.stack([part["successes"], part["runs"], part["low"], part["high"]], axis=-1),
            hovertemplate=f"{_name(cell)}<br>{field} %{{x}}<br>%{{customdata[0]}} of %{{customdata[1]}} "
                          "runs succeed<br>95% interval %{customdata[2]:.0%} – %{customdata[3]:.0%}"
                          "<extra></extra>"))
    fig.update_yaxes(range=[-0.05, 1.05], tickformat=".0%")


def _loss(fig: go.Figure, done: pd.DataFrame, field: str) -> None:
    ratios = pd.to_numeric(done["loss_ratio"], errors="coerce")
    shown = ratios.where(np.isfinite(ratios))  # diverged runs have no finite loss: left out, said so
    for i, (cell, part) in enumerate(done.assign(ratio=shown).groupby("cell", sort=False)):
        fig.add_trace(go.Scatter(x=part[field], y=part["ratio"], mode="markers", name=f"{_name(cell)} runs",
                                 marker=dict(color=color(i), size=7, opacity=0.5), legendgroup=cell,
                                 showlegend=False, hovertemplate=f"{_name(cell)}<br>{field} %{{x}}<br>"
                                 "loss / baseline %{y:.3g}<extra></extra>"))
        median = part.groupby(field, sort=True)["ratio"].median()
        fig.add_trace(go.Scatter(x=median.index, y=median.to_numpy(), mode="lines+markers", name=_name(cell),
                                 line=dict(color=color(i)), legendgroup=cell))
    fig.add_hline(y=1.0, line=dict(color=REFERENCE, dash="dash"))
    # on a log axis an annotation's y is log10 of the value (add_hline's own text lands at 10)
    fig.add_annotation(text="baseline (a constant guess)", x=0, xref="paper", y=0, yref="y",
                       xanchor="left", yanchor="bottom", showarrow=False, font=dict(color=REFERENCE))
    fig.update_yaxes(type="log")
    missing = int(shown.isna().sum())
    if missing:
        fig.add_annotation(text=f"{missing} run(s) diverged (no finite loss): not shown", xref="paper",
                           yref="paper", x=1, y=0, xanchor="right", yanchor="bottom", showarrow=False)
