"""The sidebar of every page: the pages, the current run (pick, download, open a file), the link."""

from __future__ import annotations

from typing import Any

import streamlit as st

from rnnviz.app import urlstate
from rnnviz.app.escape import md
from rnnviz.app.runstore import file_name
from rnnviz.app.session import Session
from rnnviz.runfile import run_to_bytes

NAV = [("app.py", "Home", ":material/home:"), ("pages/train.py", "Train", ":material/model_training:"),
       ("pages/hidden.py", "Hidden states", ":material/scatter_plot:"),
       ("pages/gates.py", "Gates", ":material/tune:"),
       ("pages/gradients.py", "Gradients", ":material/trending_down:"),
       ("pages/memory.py", "Memory", ":material/memory:"),
       ("pages/attention.py", "Attention", ":material/visibility:"),
       ("pages/sentiment.py", "Decisions", ":material/thumbs_up_down:"),
       ("pages/compare.py", "Compare", ":material/compare_arrows:"),
       ("pages/sweep.py", "Sweep", ":material/stacked_line_chart:")]


def open_run_files(session: Session, uploads: Any) -> None:
    """Add uploaded run files to the store; a bad file is an error and nothing else changes."""
    for upload in uploads if isinstance(uploads, list) else [uploads]:
        if upload is not None and session.new_upload(upload.file_id):
            kind, text = session.store.open_file(upload.name, upload.getvalue())
            getattr(st, kind)(md(text, 1000))


def _set_presenter(session: Session) -> None:
    session.presenter = st.session_state["w.presenter"]


def draw(session: Session, link: str) -> None:
    """The pages; pick the current run, download it, open a run file; share the link, presenter mode."""
    store = session.store
    with st.sidebar:
        for path, label, icon in NAV:
            st.page_link(path, label=label, icon=icon)
        picker = st.container()
        open_run_files(session, st.file_uploader("Open a run file (.npz)", type=["npz"], key="w.runfile"))
        if len(store):  # drawn above the uploader, filled after it: an opened file shows at once
            names = store.names()
            # No key: the store's current run is the picker's index, so it cannot disagree with it.
            picked = picker.selectbox("Current run", names, index=names.index(store.current_run().name))
            store.select(picked)
            run = store.current_run()
            picker.download_button("Download run file", lambda: run_to_bytes(run), on_click="ignore",
                                   file_name=file_name(run), mime="application/octet-stream",
                                   icon=":material/download:")
        with st.expander("Share this setup", icon=":material/link:"):
            st.code(link, language=None, wrap_lines=True)
            if urlstate.left_out(session.cfg):
                st.caption("Your own text / CSV is too long for a link: the link uses the default one.")
            st.toggle("Presenter mode", key="w.presenter", value=session.presenter,
                      on_change=_set_presenter, args=(session,),
                      help="Larger text and charts, one view at a time; add &hide=lr,optimizer to the "
                           "link to hide controls.")
