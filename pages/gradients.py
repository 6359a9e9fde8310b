"""Gradients: ||dL_T/dh_t|| through time, per-parameter norms and clipping, spectral radius of W_hh."""

import streamlit as st

from rnnviz import analysis, plots
from rnnviz.app import ui
from rnnviz.app.memory_inspector import gradients_chain
from rnnviz.app.sides import pick_side


def body() -> None:
    run = pick_side(ui.current_run())
    record, _, layer = ui.pickers(run, sequence=False, record=analysis.lesson_record(run))
    total = ui.loss_trained([run])
    names = ["Through time", "Over training", "Per parameter", "Spectral radius"]
    names += [] if run.task_kind == "seq2seq" else ["Jacobian product"]  # it follows one stack
    for name in ui.views(names, "view.grad"):
        if name == "Through time":
            ui.plot(plots.grad_by_time_figure, run, record_index=record, total=total)
        elif name == "Over training":
            ui.plot(plots.grad_heatmap_figure, run, layer=layer, total=total)
        elif name == "Per parameter":
            history = run.history
            st.metric("Steps clipped", f"{history['clipped'].mean():.0%}" if len(history) else "–",
                      help="Share of optimizer steps whose gradient the clipping toggle rescaled.")
            ui.plot(plots.param_grad_figure, run)
        elif name == "Jacobian product":
            gradients_chain(run, record, layer)
        else:
            left, right = ui.grid(2, key="grid-spectra")
            with left:
                ui.plot(plots.spectral_radius_figure, run)
            with right:
                ui.plot(plots.eigenvalue_figure, run, record_index=record)
    ui.how_to_read(run.config.cell, "gradients")


ui.frame("Gradients", body)
