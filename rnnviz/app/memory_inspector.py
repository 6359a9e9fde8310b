"""The cell inspector drawn: pick a step and a unit, read the equations with their numbers, see
the chain of step Jacobians back to the first step; and that chain on the Gradients page."""

from __future__ import annotations

import streamlit as st
import torch

from rnnviz import pascanu
from rnnviz.app import escape, ui
from rnnviz.cells import CELLS
from rnnviz.inspector import chain_of, inspect_step
from rnnviz.plots.inspector import equations_with_numbers, jacobian_chain_figure
from rnnviz.run import Run

LETTERS = {"lstm": "s = (h, c): an LSTM's gradient flows back through both", "gru": "s = h",
           "rnn_tanh": "s = h", "rnn_relu": "s = h"}


def layer_sigma(run: Run, record: int, layer: int) -> float | None:
    """σ_max of W_hh of `layer` at `record` where Pascanu's bound applies (vanilla RNNs), else None."""
    if not pascanu.bound_applies(run.config.cell):
        return None
    key = f"weight_hh_l{layer % run.config.num_layers}"
    return float(pascanu.singular_values(run)[key][record])


def inspector(run: Run, record: int, model: torch.nn.Module, x: torch.Tensor, tokens: list[str] | None,
              layer: int) -> None:
    """Step and unit pickers, the equations with numbers, the step's Jacobian and the chain."""
    if run.config.bidirectional:
        st.caption("A bidirectional layer: the inspector follows its forward direction.")
    T, H = x.shape[1], run.config.hidden_size
    left, right = st.columns(2)
    t = left.slider("Time step t", 0, T - 1, T - 1, key=f"mem.t.{run.name}")
    unit = int(right.number_input("Unit j", 0, H - 1, 0, key=f"mem.unit.{run.name}"))
    ins = inspect_step(model, x, t, unit, layer)
    read = f" (input {escape.md(repr(tokens[t]))})" if tokens else ""
    st.markdown(f"**{CELLS[run.config.cell].display_name}, unit {unit} at step {t}**{read}, with "
                f"h_(t−1) = {ins.h_prev[unit]:.3g}"
                + (f" and c_(t−1) = {ins.c_prev[unit]:.3g}" if ins.c_prev is not None else "") + ":")
    for line in equations_with_numbers(ins):
        st.latex(line)
    cols = st.columns(3)
    cols[0].metric("‖∂s_t/∂s_{t-1}‖", f"{ins.sigma:.3g}",
                   help="Largest singular value of this step's Jacobian: how much one step can amplify "
                        "(> 1) or shrink (< 1) the gradient passing back through it. " + LETTERS[ins.cell])
    ch = chain_of(model, x, layer, end=t)
    cols[1].metric(f"‖∂s_{t}/∂s_0‖", f"{ch.product[-1]:.3g}", help="The product back to the first step.")
    if ins.cell == "lstm":
        f = next(g.value for g in ins.gates if g.name == "forget")
        cols[2].metric("∂c_t/∂c_{t-1} for this unit", f"{f:.3g}",
                       help="Exactly the forget gate f_t: the cell state's own path back in time.")
    ui.plot(jacobian_chain_figure, ch, run.config.cell, sigma=layer_sigma(run, record, layer),
            key="mem.chain")


def gradients_chain(run: Run, record: int, layer: int) -> None:
    """Gradients page: ‖∂s_T/∂s_{T-k}‖ on probe sequence 0 with Pascanu's bound, or why not."""
    if run.records[record].weights is None:
        st.info("This chart needs the weights at the chosen record; this run did not keep them (an older "
                "run file, a diverged run, or too many records). The Memory page says which it kept.")
        return
    ch = pascanu.jacobian_chain(run, record, 0, layer)
    ui.plot(jacobian_chain_figure, ch, run.config.cell, sigma=layer_sigma(run, record, layer),
            key="grad.chain")
    if not pascanu.bound_applies(run.config.cell):
        st.caption("Pascanu's bound (γ σ_max)^k is a theorem for vanilla RNNs: in gated cells the gates "
                   "scale each step, so only the measured product is drawn.")
