"""Attention: encoder-decoder attention matrices over training, and accuracy against input length."""

import streamlit as st

from rnnviz import plots
from rnnviz.app import ui
from rnnviz.app.escape import md
from rnnviz.plots.attention import METRIC_WORDS
from rnnviz.seq2seq_view import is_seq2seq


def not_seq2seq(run) -> None:
    st.info(f"{md(run.name)} is not an encoder-decoder run. This page shows seq2seq tasks (reverse, "
            "sort, add): pick one on Train, or open the lesson *Attention and the bottleneck* from Home.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")


def matrix(run) -> None:
    if run.config.attention == "none":
        st.info(f"{md(run.name)} has no attention: its decoder sees the input only through the encoder's "
                "final state, so there is no matrix to show. Its accuracy by length is below.")
        return
    steps = run.record_steps
    index = len(steps) - 1
    if len(steps) > 1:
        index = st.select_slider("Training step (slide to watch the alignment appear)",
                                 list(range(len(steps))), value=index,
                                 format_func=lambda i: f"step {steps[i]}", key=f"att.rec.{run.name}")
    sequence = st.number_input("Probe sequence", 0, run.config.probe_size - 1, 0, key=f"att.seq.{run.name}")
    ui.plot(plots.attention_figure, run, record_index=index, sequence=int(sequence))


def by_length(run) -> None:
    store = ui.session().store
    same = [n for n in store.names() if n != run.name and is_seq2seq(store.runs[n])
            and store.runs[n].config.task == run.config.task]
    chosen = st.multiselect("Compare with (same task)", same, default=same[-3:], key=f"att.with.{run.name}")
    metric = st.segmented_control("Accuracy", list(METRIC_WORDS), default="accuracy", required=True,
                                  format_func=lambda m: METRIC_WORDS[m].capitalize(), key="att.metric")
    ui.plot(plots.length_accuracy_figure, [run, *(store.runs[n] for n in chosen)], metric=metric)
    other = "none" if run.config.attention != "none" else "additive"
    if st.button(f"Train the same with attention {other}, to compare", disabled=ui.busy(),
                 icon=":material/compare_arrows:", help="Same config and seed; only the attention "
                 "changes. Its line joins this chart when it finishes."):
        ui.start_job(run.config.replace(attention=other))
        st.rerun()


def body() -> None:
    run = ui.current_run()
    if not is_seq2seq(run):
        not_seq2seq(run)
        return
    for name in ui.views(["Attention matrix", "Accuracy by length"], "view.attention"):
        if name == "Attention matrix":
            matrix(run)
        else:
            by_length(run)
    ui.how_to_read(run.config.cell, "attention")


ui.frame("Attention", body)
