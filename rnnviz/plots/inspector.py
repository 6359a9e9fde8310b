"""The cell inspector as pictures: the step's equations with its numbers (LaTeX), and the product
of step Jacobians against distance in time (where the gradient shrinks)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.inspector import Chain, Inspection
from rnnviz.plots.style import MIN_FONT, PALETTE, REFERENCE, TEMPLATE, finish, new_figure

LETTER = {"input": "i", "forget": "f", "cell": "g", "output": "o", "reset": "r", "update": "z",
          "new": "n", "h": "h"}
SIGMOID = {"input", "forget", "output", "reset", "update"}


def _n(value: float) -> str:
    """A number for LaTeX: 3 significant digits, minus signs that read as such."""
    return f"{value:.3g}".replace("e", r"\mathrm{e}")


def _sum(g) -> str:
    """The two sums a gate adds, each under where it comes from."""
    x, h = r"\text{from } x_t", r"\text{from } h_{t-1}"
    gate = r"r_t \cdot " if g.name == "new" else ""  # a GRU's reset gate scales the h part
    return rf"\underbrace{{{_n(g.from_input)}}}_{{{x}}} + {gate}\underbrace{{({_n(g.from_hidden)})}}_{{{h}}}"


def equations_with_numbers(ins: Inspection) -> list[str]:
    """One LaTeX line per equation of the cell, for unit `ins.unit` at step `ins.t`, with the numbers
    the step used (what each sum is, what the nonlinearity gives)."""
    j, lines = ins.unit, []
    for g in ins.gates:
        k = LETTER[g.name]
        phi = r"\sigma" if g.name in SIGMOID else (r"\max(0,\,\cdot)" if ins.cell == "rnn_relu" else r"\tanh")
        lines.append(rf"{k}_t = {phi}\Big({_sum(g)}\Big) = {phi}({_n(g.pre_activation)}) = "
                     rf"\mathbf{{{_n(g.value)}}}")
    v = {g.name: g.value for g in ins.gates}
    if ins.cell == "lstm":
        lines.append(rf"c_t = f_t\, c_{{t-1}} + i_t\, g_t = {_n(v['forget'])} \cdot ({_n(ins.c_prev[j])}) + "
                     rf"{_n(v['input'])} \cdot ({_n(v['cell'])}) = \mathbf{{{_n(ins.c_t[j])}}}")
        lines.append(rf"h_t = o_t \tanh(c_t) = {_n(v['output'])} \cdot \tanh({_n(ins.c_t[j])}) = "
                     rf"\mathbf{{{_n(ins.h_t[j])}}}")
    elif ins.cell == "gru":
        lines.append(rf"h_t = (1 - z_t)\, n_t + z_t\, h_{{t-1}} = (1 - {_n(v['update'])}) \cdot "
                     rf"({_n(v['new'])}) + {_n(v['update'])} \cdot ({_n(ins.h_prev[j])}) = "
                     rf"\mathbf{{{_n(ins.h_t[j])}}}")
    return lines


def jacobian_chain_figure(chain: Chain, cell: str, sigma: float | None = None, gamma: float = 1.0,
                          presenter: bool = False) -> go.Figure:
    """‖∂s_t/∂s_{t-k}‖ against k (log), with each step's own factor below; `sigma` (σ_max of W_hh,
    vanilla RNNs) adds Pascanu's bound (γ σ_max)^k."""
    end, k = chain.end, np.arange(chain.end + 1)
    state = "(h, c)" if cell == "lstm" else "h"
    hint = (f"‖∂s_t/∂s_{{t-k}}‖ = ‖J_t ⋯ J_{{t-k+1}}‖ with s = {state}: how much a change k steps back "
            f"still moves the state at t = {end}. Below: each step's own ‖J‖; under 1 it shrinks the "
            "signal (a saturated tanh, a closed forget gate).")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06)
    base = new_figure(f"Gradient through the chain of step Jacobians, from t = {end}", hint)
    fig.update_layout(template=TEMPLATE, title=base.layout.title, margin=base.layout.margin)
    steps = end - k  # the step whose state is differentiated
    fig.add_trace(go.Scatter(x=k, y=chain.product, mode="lines+markers", name="‖∂s_t/∂s_{t-k}‖",
                             meta="product", customdata=steps, line=dict(color=PALETTE[0], width=2.5),
                             hovertemplate="k=%{x} (step %{customdata})<br>%{y:.3e}<extra></extra>"),
                  row=1, col=1)
    if sigma is not None and np.isfinite(sigma):
        bound = (gamma * sigma) ** k.astype(float)
        fig.add_trace(go.Scatter(x=k, y=bound, mode="lines", meta="bound",
                                 name=f"bound (γ σ_max)^k, γ σ_max = {gamma * sigma:.3g}",
                                 line=dict(color=REFERENCE, dash="dash", width=2)), row=1, col=1)
    local = chain.local[end - k[1:] + 1] if end else np.zeros(0)  # J of the step each k multiplies in
    fig.add_trace(go.Bar(x=k[1:], y=local, name="‖J‖ of that step", meta="local",
                         marker_color=PALETTE[1], customdata=end - k[1:] + 1,
                         hovertemplate="step %{customdata}: ‖J‖ = %{y:.3f}<extra></extra>"), row=2, col=1)
    fig.add_hline(y=1.0, line=dict(color=REFERENCE, dash="dot"), row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", title_text="norm (log)", row=1, col=1)
    fig.update_yaxes(title_text="step ‖J‖", row=2, col=1)
    fig.update_xaxes(title_text="distance back in time k (steps)", row=2, col=1)
    fig.update_layout(font=dict(size=MIN_FONT), bargap=0.1)
    return finish(fig, presenter)
