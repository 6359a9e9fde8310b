"""Compare: two or more runs on shared axes; one click trains the same run with clipping flipped,
or the same task with another cell, and compares."""

import streamlit as st

from rnnviz import plots
from rnnviz.app import ui
from rnnviz.app.escape import md
from rnnviz.app.sidebar import open_run_files
from rnnviz.cells import CELLS
from rnnviz.config import CLIP_NORM_ON


def twins() -> None:
    run = ui.session().store.current_run()
    if run is None:
        return
    cfg = run.config
    left, right = st.columns(2)
    flipped = cfg.replace(clip_norm=None if cfg.clip_norm is not None else CLIP_NORM_ON)
    if left.button(f"Same run, clipping {'off' if cfg.clip_norm is not None else f'on ({CLIP_NORM_ON})'}",
                   disabled=ui.busy(), icon=":material/content_cut:", help=f"Train {md(run.name)} again, "
                   "same config and seed, with the clipping toggle flipped; then compare the two."):
        ui.start_job(flipped, compare_with=run.name)
        st.rerun()
    others = [c for c in CELLS if c != cfg.cell]
    cell = right.selectbox("Another cell", others, format_func=lambda c: CELLS[c].display_name,
                           key="w.other_cell", label_visibility="collapsed")
    name = CELLS[cell].display_name
    if right.button(f"Same task, {name}", disabled=ui.busy(), icon=":material/swap_horiz:",
                    help=f"Train {md(run.name)} again with another cell (same seed), then compare."):
        ui.start_job(cfg.replace(cell=cell), compare_with=run.name)
        st.rerun()
    st.caption(f"Both buttons start from the current run, {md(run.name)}.")


def pins(store, chosen: list[str]) -> None:
    """A pin per chosen run: a pinned run is never dropped when the session keeps too many."""
    for name in chosen:
        on = st.toggle(f"Keep {md(name)}", value=name in store.pinned, key=f"pin.{name}",
                       help=f"Pinned runs stay when the session is full (it keeps {store.max_runs}): "
                            "the oldest unpinned run is dropped instead.")
        if not store.pin(name, on):
            st.warning(f"At most {store.max_runs - 1} runs can be pinned, so a new run has room: "
                       "unpin one first.")


def body() -> None:
    session = ui.session()
    store = session.store
    open_run_files(session, st.file_uploader("Add run files (.npz)", type=["npz"], accept_multiple_files=True,
                                       key="w.compare_files"))
    twins()
    names = store.names()
    picked = session.compare_pick or st.session_state.get("w.compare") or store.comparable()
    session.compare_pick = []
    st.session_state["w.compare"] = [n for n in picked if n in names]
    chosen = st.multiselect("Runs to compare", names, key="w.compare")
    runs = [store.runs[n] for n in chosen]
    pins(store, chosen)
    if len(runs) < 2:
        st.info("Pick two or more runs (train them, or add run files above), or use a button above.")
    names = ["Loss", "Gradient through time", "Validation"] if len(runs) > 1 else []
    for name in ui.views(names, "view.compare"):
        if name == "Loss":
            ui.plot(plots.loss_figure, runs)
        elif name == "Gradient through time":
            ui.plot(plots.grad_by_time_figure, runs, total=ui.loss_trained(runs))  # the toggle above it
        else:
            ui.plot(plots.val_figure, runs)
    ui.how_to_read(runs[0].config.cell if runs else session.cfg.cell, "compare")


ui.frame("Compare", body)
