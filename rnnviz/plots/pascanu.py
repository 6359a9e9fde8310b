"""Pascanu et al. (2013) on the spectral chart: σ_max of each W_hh block beside its ρ, against 1/γ."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz import pascanu
from rnnviz.plots.style import REFERENCE, color
from rnnviz.run import Run

SIGMA_DASH = "dot"


def _label(key: str) -> str:
    from rnnviz.plots.gradients import block_label  # gradients imports this module

    return block_label(key)


def add_singular_values(fig: go.Figure, run: Run) -> go.Figure:
    """Add σ_max of each block (dotted, the colour of its ρ) and a line at 1/γ for each kind of
    block; where no record kept weights, a note says σ_max cannot be drawn."""
    sigmas = pascanu.singular_values(run)
    steps = np.array(run.record_steps)
    drawn = False
    for j, (key, values) in enumerate(sigmas.items()):
        if not np.isfinite(values).any():
            continue
        drawn = True
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", meta=f"sigma:{key}",
                                 name=f"{_label(key)}: σ_max", marker=dict(symbol="diamond", size=7),
                                 line=dict(color=color(j), width=2, dash=SIGMA_DASH)))
    kinds = {}  # 1/γ -> nonlinearity, one line each
    for key in sigmas:
        kinds.setdefault(1 / pascanu.gamma(key), pascanu.gamma_name(key, run.config.cell))
    for inverse, name in kinds.items():
        if inverse == 1.0:  # the line ρ = 1 is already there: say it is 1/γ too
            fig.update_traces(selector=dict(meta="unit"), name=f"ρ = 1 = 1/γ ({name})")
            continue
        fig.add_trace(go.Scatter(x=[steps.min(), steps.max()], y=[inverse, inverse], mode="lines",
                                 name=f"1/γ = {inverse:g} ({name} gates)", meta=f"inverse_gamma:{inverse:g}",
                                 line=dict(color=REFERENCE, dash="dashdot", width=2)))
    if not drawn and sigmas:
        fig.add_annotation(text="σ_max needs the weights at each record: this run did not keep them",
                           x=0, y=1, xref="paper", yref="paper", showarrow=False, xanchor="left",
                           yanchor="bottom", name="no_weights")
    fig.update_yaxes(title_text="ρ = max |λ| (solid), σ_max (dotted)")
    return fig
