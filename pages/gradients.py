"""Gradients: ||dL_T/dh_t|| through time, per-parameter norms and clipping, spectral radius of W_hh."""

import streamlit as st

from rnnviz import plots, ui

HOW_TO_READ = r"""
**Through time**: ‖∂L_T/∂h_t‖, how much the loss at the last step depends on the hidden state t steps
earlier (log axis). Backpropagation multiplies by the Jacobian $\partial h_t/\partial h_{t-1}$ once per
step, so the curve falls exponentially when those factors are below 1 — **vanishing**: early inputs get
no learning signal — and rises when they are above 1 — **exploding**. An LSTM's additive cell state
keeps it flat. The heatmap shows the same curve at every recorded training step.

**Per parameter**: each weight's gradient norm before (raw) and after clipping; the share of steps
clipped says how often the clipping toggle stepped in.

**Spectral radius**: the largest |eigenvalue| of W_hh. Above 1 (dashed) the recurrent map can amplify
and gradients may explode; well below 1 they vanish. The eigenvalue plot shows them against the unit
circle at the chosen step."""


def body() -> None:
    run = ui.current_run()
    record, _, layer = ui.pickers(run, sequence=False)
    for name in ui.views(["Through time", "Over training", "Per parameter", "Spectral radius"], "view.grad"):
        if name == "Through time":
            ui.plot(plots.grad_by_time_figure, run, record_index=record)
        elif name == "Over training":
            ui.plot(plots.grad_heatmap_figure, run, layer=layer)
        elif name == "Per parameter":
            history = run.history
            st.metric("Steps clipped", f"{history['clipped'].mean():.0%}" if len(history) else "–",
                      help="Share of optimizer steps whose gradient the clipping toggle rescaled.")
            ui.plot(plots.param_grad_figure, run)
        else:
            left, right = st.columns(2)
            with left:
                ui.plot(plots.spectral_radius_figure, run)
            with right:
                ui.plot(plots.eigenvalue_figure, run, record_index=record)
    ui.how_to_read(run.config.cell, HOW_TO_READ)


ui.frame("Gradients", body)
