"""Hidden states: h_t through PCA in 2-D/3-D, units over time, and text coloured by one unit."""

import streamlit as st

from rnnviz import plots
from rnnviz.app import ui


def body() -> None:
    run = ui.current_run()
    record, sequence, layer = ui.pickers(run)
    names = ["Trajectory", "Units over time"] + (["Text"] if run.probe_tokens else [])
    for name in ui.views(names, "view.hidden"):
        if name == "Trajectory":
            dims = st.segmented_control("Projection", [2, 3], default=2, required=True,
                                        format_func=lambda d: f"{d}-D", key="dims")
            ui.plot(plots.trajectory_figure, run, record_index=record, dims=dims, sequence=sequence,
                    layer=layer)
        elif name == "Units over time":
            ui.plot(plots.hidden_heatmap_figure, run, record_index=record, sequence=sequence, layer=layer)
        else:
            width = run.records[record].hidden[layer].shape[-1]
            unit = st.slider("Unit", 0, width - 1, 0, key=f"unit.{run.name}")
            st.html(plots.text_activation_html(run, record, unit, sequence=sequence, layer=layer))
    ui.how_to_read(run.config.cell, "hidden")


ui.frame("Hidden states", body)
