"""Gates: LSTM/GRU gates as unit x time heatmaps, their saturation over training, the cell state."""

import streamlit as st

from rnnviz import analysis, plots
from rnnviz.app import ui
from rnnviz.app.sides import pick_side
from rnnviz.cells import CELLS


def no_gates(run) -> None:
    phi = r"\tanh" if run.config.cell == "rnn_tanh" else r"\mathrm{ReLU}"
    st.info(f"A vanilla RNN, {CELLS[run.config.cell].display_name}, has no gates: its whole memory is "
            f"$h_t = {phi}(W_{{ih}} x_t + W_{{hh}} h_{{t-1}} + b)$, rewritten at every step. "
            "Train the same settings with a gated cell to see gates at work:")
    cols = st.columns(2)
    for col, cell in zip(cols, ("lstm", "gru"), strict=True):
        if col.button(f"Train the same with {'an' if cell == 'lstm' else 'a'} {CELLS[cell].display_name}",
                      key=f"switch.{cell}",
                      disabled=ui.busy(), icon=":material/swap_horiz:"):
            ui.start_job(run.config.replace(cell=cell), load=True)
            st.rerun()


def body() -> None:
    run = pick_side(ui.current_run())
    if not run.records[0].gates or not run.records[0].gates[0]:
        no_gates(run)
        ui.how_to_read(run.config.cell, "gates")
        return
    record, sequence, layer = ui.pickers(run, record=analysis.lesson_record(run))
    gates = list(run.records[record].gates[layer])
    lstm = run.config.cell == "lstm"
    names = ["Gate heatmaps", "Saturation", "Gate values", *(["Cell state"] if lstm else [])]
    for name in ui.views(names, "view.gates"):
        if name == "Gate heatmaps":
            for gate, slot in zip(gates, ui.grid(len(gates)), strict=True):
                with slot:
                    ui.plot(plots.gate_heatmap_figure, run, record_index=record, gate=gate, sequence=sequence,
                            layer=layer, key=f"gate.{gate}")
        elif name == "Saturation":
            ui.plot(plots.saturation_figure, run, layer=layer)
        elif name == "Gate values":
            ui.plot(plots.gate_histogram_figure, run, record_index=record, layer=layer)
        else:
            ui.plot(plots.cell_state_figure, run, record_index=record, sequence=sequence, layer=layer)
    if run.config.cell == "gru":
        st.caption("A GRU has no separate cell state: its hidden state h_t is its memory "
                   "(see Hidden states).")
    ui.how_to_read(run.config.cell, "gates")


ui.frame("Gates", body)
