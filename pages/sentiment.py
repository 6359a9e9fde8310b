"""Decisions: a many-to-one classifier's final states by label, word contributions, accuracy."""

import streamlit as st

from rnnviz import decisions, plots
from rnnviz.app import ui

VIEWS = ["Final states", "Words", "Accuracy", "Loss"]


def body() -> None:
    run = ui.current_run()
    if not decisions.has_decisions(run):
        st.info("This page reads a classifier that decides once, after the last word: train the "
                "**sentiment** task (the lesson *Sentiment with negation* on Home), or your own CSV of "
                "texts and labels in its Task settings.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        return
    record, sequence, layer = ui.pickers(run)
    shown = ui.views(VIEWS, "view.decisions")
    if "Final states" in shown and "Words" in shown:  # wide screen: the two views side by side
        left, right = st.columns(2)
        with left:
            ui.plot(plots.final_state_figure, run, record_index=record, layer=layer)
        with right:
            ui.plot(plots.contribution_figure, run, record_index=record, sequence=sequence)
        st.html(plots.contributions_html(run, record))
    elif "Final states" in shown:
        ui.plot(plots.final_state_figure, run, record_index=record, layer=layer)
    elif "Words" in shown:
        ui.plot(plots.contribution_figure, run, record_index=record, sequence=sequence)
        st.html(plots.contributions_html(run, record))
    if "Accuracy" in shown and "Loss" in shown:
        left, right = st.columns(2)
        with left:
            ui.plot(plots.accuracy_figure, run)
        with right:
            ui.plot(plots.loss_figure, run)
    elif "Accuracy" in shown:
        ui.plot(plots.accuracy_figure, run)
    elif "Loss" in shown:
        ui.plot(plots.loss_figure, run)
    ui.how_to_read(run.config.cell, "decisions")


ui.frame("Decisions", body)
