"""Hidden states: h_t through PCA in 2-D/3-D, units over time, and text coloured by one unit."""

import streamlit as st

from rnnviz import analysis, plots
from rnnviz.app import ui
from rnnviz.app.sides import pick_side

UNSORTED = "unit number"
STAT_WORDS = {"variance": "variance over time", "time": "correlation with the time step"}


def stat_label(name: str) -> str:
    return UNSORTED if name == UNSORTED else STAT_WORDS.get(name, f"correlation with {name}")


def unit_order(run, record: int, layer: int) -> tuple[list[int] | None, str, dict]:
    """The units in the order the student picked (None: by number), the statistic, its values."""
    stats = analysis.unit_statistics(run, record, layer)
    default = next((n for n in ("space", "vowel") if n in stats), UNSORTED)
    options = [UNSORTED, *stats]
    name = st.selectbox("Sort units by", options, index=options.index(default), format_func=stat_label,
                        key=f"unit_stat.{run.name}",
                        help="Units whose activation follows this statistic most strongly come first "
                             "(by absolute value: a unit can track a class by switching off on it).")
    return (None if name == UNSORTED else analysis.rank_units(stats[name])), name, stats


def body() -> None:
    run = pick_side(ui.current_run())
    record, sequence, layer = ui.pickers(run, record=analysis.lesson_record(run))
    order, stat, stats = unit_order(run, record, layer)
    names = ["Trajectory", "Units over time"] + (["Text"] if run.probe_tokens else [])
    for name in ui.views(names, "view.hidden"):
        if name == "Trajectory":
            dims = st.segmented_control("Projection", [2, 3], default=2, required=True,
                                        format_func=lambda d: f"{d}-D", key="dims")
            ui.plot(plots.trajectory_figure, run, record_index=record, dims=dims, sequence=sequence,
                    layer=layer)
        elif name == "Units over time":
            ui.plot(plots.hidden_heatmap_figure, run, record_index=record, sequence=sequence, layer=layer,
                    units=order)
        else:
            width = run.records[record].hidden[layer].shape[-1]
            units = order or list(range(width))
            words = (lambda u: f"unit {u}") if order is None else (
                lambda u: f"unit {u} ({stat_label(stat)} {stats[stat][u]:+.2f})")
            unit = st.selectbox("Unit (sorted as above)", units, format_func=words, key=f"unit.{run.name}")
            st.html(plots.text_activation_html(run, record, unit, sequence=sequence, layer=layer))
    ui.how_to_read(run.config.cell, "hidden")


ui.frame("Hidden states", body)
