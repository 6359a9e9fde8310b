"""The session's training job on a page: start it on the process's trainers, poll it live."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.app.job import panel_line
from rnnviz.app.session import Session
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots
from rnnviz.config import RunConfig
from rnnviz.run import Run

log = logging.getLogger(__name__)


@st.cache_resource
def trainer_slots() -> TrainerSlots:
    """The trainers of this process, shared by every session: RNNVIZ_MAX_TRAINERS at once, FIFO."""
    return TrainerSlots.from_settings(Settings.from_env())


def tab_alive() -> Callable[[], bool] | None:
    """Whether this session's browser tab is still connected (None where there is no server,
    as under AppTest). A hidden tab stays connected, a closed one is not within a second, so
    a job is not stopped because a browser throttles a background tab's timers."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def start(session: Session, cfg: RunConfig, label: str = "", compare_with: str | None = None,
          load: bool = False) -> None:
    """Train `cfg` (fitted to this server's limits, see Session.start) in the background."""
    session.start(cfg, trainer_slots(), label=label, compare_with=compare_with, load=load,
                  alive=tab_alive())


@st.fragment(run_every=0.5)
def _panel(session: Session, charts: Callable[[Run], Any] | None) -> None:
    job = session.job
    if job is None:
        return
    job.heartbeat()
    if job.done:
        st.rerun()  # the whole app: the run joins the store, controls come back
    fraction, text = panel_line(job)
    if fraction is None:
        st.info(text)
    else:
        st.progress(fraction, text=text)
    stopping = job.stop_event.is_set()
    st.button("Stopping…" if stopping else "Stop", on_click=job.stop, disabled=stopping, key="stop",
              icon=":material/stop_circle:")
    run = job.snapshot() if charts else None
    if run is not None and run.rows:
        charts(run)


def panel(session: Session, charts: Callable[[Run], Any] | None = None) -> None:
    """The running job, polled twice a second without blocking the page: queue place and expected
    wait, or progress; a Stop button; `charts` of the run so far (Train: live loss, gradient norm)."""
    if session.job is not None:
        session.job.heartbeat()
        _panel(session, charts)
