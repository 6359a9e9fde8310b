"""Streamlit glue shared by the pages: the session, the page frame, charts and pickers.

Everything it decides is plain Python in session, form, urlstate, job and runstore; the sidebar,
the live job panel and the Train form are drawn by sidebar.py, live.py and widgets.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from rnnviz.app import escape, live, sidebar, urlstate
from rnnviz.app.how_to_read import HOW_TO_READ
from rnnviz.app.job import configure_torch
from rnnviz.app.limits import Limits
from rnnviz.app.session import Session
from rnnviz.app.settings import Settings
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.cost import calibrate
from rnnviz.devices import available_devices
from rnnviz.plots.style import for_dark
from rnnviz.run import Run

log = logging.getLogger(__name__)
PRESENTER_CSS = f"<style>{(Path(__file__).with_name('presenter.css')).read_text()}</style>"
PRESENTER_HEIGHT = 600  # px: one chart fills a 1024x768 or 1280x720 projector
CHART_HEIGHT = 450  # px: Streamlit's default, fixed so live and final charts take the same room
# ui.grid's two columns wrap to one per row where a column would be under 26rem (~420 px: a narrow
# window, or a laptop with the sidebar open): a heatmap's title and time ticks need that width.
GRID_CSS = ("<style>[class*='st-key-grid'] [data-testid='stHorizontalBlock'] {flex-wrap: wrap !important;}\n"
            "[class*='st-key-grid'] [data-testid='stColumn'] "
            "{flex: 1 1 26rem !important; min-width: min(100%, 26rem) !important;}</style>")


@st.cache_resource(show_spinner=False)
def limits() -> Limits:
    """This server's limits, with its speed measured once per process (about a second), so
    estimated run times are this machine's."""
    configure_torch()
    return Limits.from_env(machine=calibrate())


def session() -> Session:
    """This browser session's Session (the only app key in st.session_state besides widget keys),
    made from the link on the session's first run."""
    if "session" not in st.session_state:
        st.session_state["session"] = Session.from_link(st.query_params.to_dict(), limits(),
                                                        available_devices())
    return st.session_state["session"]


def busy() -> bool:
    return session().busy


def load_config(cfg: RunConfig, preset: str | None = None) -> None:
    """Make `cfg` (fitted to the limits) the config; the Train widgets take it on their next draw."""
    session().load(cfg, preset)


def start_job(cfg: RunConfig, label: str = "", compare_with: str | None = None, load: bool = False) -> None:
    """Train `cfg`, fitted to the limits, in the background (one job per session); pages poll it."""
    live.start(session(), cfg, label=label, compare_with=compare_with, load=load)


def job_slots() -> int:
    return live.trainer_slots().capacity


def job_panel(charts: Callable[[Run], Any] | None = None) -> None:
    live.panel(session(), charts)


def sync_url() -> str:
    """Config -> URL (only what differs from the defaults); return the shareable link."""
    s = session()
    params = urlstate.encode(s.cfg, s.preset, s.hide, s.presenter)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    return urlstate.link(st.context.url or "http://localhost:8501/", params)  # url: None under AppTest


def frame(title: str, body: Callable[[], Any], live_charts: bool = False) -> None:
    """Every page: the session, the sidebar (pages, runs, link), one-time notices and the running
    job (Train, with `live_charts`, draws these itself), then the page's own body inside `guard`."""
    presenter = guard_value(lambda: session().presenter, False)
    st.set_page_config(page_title=f"{title} · rnnviz", page_icon=":material/insights:", layout="wide",
                       initial_sidebar_state="collapsed" if presenter else "auto")  # a projector's width
    guard(lambda: _frame(title, body, live_charts))


def notices() -> None:
    """One-time notices (a run finished, a file opened). Train draws them atop its charts, in the
    room the live panel's progress bar took, so the charts do not move when a run ends."""
    for kind, text in session().take_flash():  # plain text, some of it from files and links
        getattr(st, kind)(escape.md(text, 1000))


def guard_value(fn: Callable[[], Any], default: Any) -> Any:
    """fn(), or `default` if it fails (the page's own guard then shows the error)."""
    try:
        return fn()
    except Exception:
        return default


def showing_line(s: Session) -> None:
    """While a run trains, which run the view page shows (its charts are not the training run's)."""
    run = s.store.current_run()
    if s.job is None or run is None:
        return
    doing = "is training" if s.job.state == "training" else "is waiting for a trainer"
    st.info(f"Showing run **{escape.md(run.name)}** ({escape.md(run.status)}); run #{s.store.counter + 1} "
            f"{doing} — its charts appear here when it finishes.", icon=":material/info:")


def _frame(title: str, body: Callable[[], Any], live_charts: bool) -> None:
    configure_torch()
    s = session()
    s.collect()
    if s.presenter:
        st.html(PRESENTER_CSS)
    sidebar.draw(s, sync_url())
    st.title(title)
    if (text := escape.summary(s.link_notices)) is not None:
        st.warning(text)
        s.link_notices = []
    if not live_charts:
        notices()
        job_panel()
        showing_line(s)
    guard(body)


def current_run() -> Run:
    """The run the view pages show, or a pointer to Train (and the page stops)."""
    run = session().store.current_run()
    if run is None:
        st.info("No run yet. Train one, or open a run file from the sidebar.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    if not run.records:
        st.warning(f"{escape.md(run.name)} has no records to look at (it stopped before its first step).")
        st.stop()
    return run


def guard(body: Callable[[], Any], failed: str = "Something went wrong on this page ({error}). Your "
          "runs are safe: pick another run or change a setting and try again.") -> None:
    """Run a page (or draw a chart); an unexpected error becomes a short message, never a traceback."""
    try:
        body()
    except Exception as err:
        if Settings.from_env().debug:
            raise
        log.exception("unexpected error")
        st.error(failed.format(error=escape.md(escape.problem(err))))


def plot(fn: Callable[..., Any], *args: Any, key: str | None = None, **kwargs: Any) -> None:
    """Draw one figure; if it cannot be drawn, say so and keep the rest of the page."""
    presenter = session().presenter
    guard(lambda: _plot(escape.figure(fn(*args, presenter=presenter, **kwargs)), key or fn.__name__,
                        presenter),
          "Could not draw this chart ({error}).")


def _plot(fig: Any, key: str, presenter: bool) -> None:
    # A fixed height (taller for the back row): a live chart and the final one take the same room.
    height = max(fig.layout.height or 0, PRESENTER_HEIGHT) if presenter else fig.layout.height or CHART_HEIGHT
    fig.update_layout(height=height)
    if st.context.theme.type == "dark":  # None under AppTest and on a session's first run
        fig = for_dark(fig)
    # Presenter: the figure's own (scaled) fonts, which Streamlit's theme would replace.
    st.plotly_chart(fig, key=key, config={"displaylogo": False}, theme=None if presenter else "streamlit")


def views(names: list[str], key: str, label: Callable[[str], str] = str) -> list[str]:
    """All views, or in presenter mode the one picked (each shown as `label(name)`): one big chart
    at a time on a projector."""
    if not session().presenter or len(names) < 2:
        return names
    return [st.segmented_control("View", names, default=names[0], required=True, key=key,
                                 format_func=label)]


def grid(n: int, key: str = "grid") -> list[Any]:
    """`n` places for charts of equal rank: one per row in presenter mode, else two per row
    (one per row where two would be too narrow, see GRID_CSS); `key` starts with "grid"."""
    if session().presenter:
        return [st.container() for _ in range(n)]
    st.html(GRID_CSS)
    with st.container(key=key):  # a row of two per pair: wrapped, they keep their order
        slots = [col for _ in range(0, n, 2) for col in st.columns(2)]
    return slots[:n]


def loss_trained(runs: list[Run]) -> bool:
    """Which loss the gradient views differentiate: True, the loss trained (the default); False,
    the last step's loss, as a student picks with a toggle shown only where the two differ (a
    task with a target at every step: sine, Reber, text)."""
    if not any(r.records and r.records[-1].grad_by_time_total is not None for r in runs):
        return True
    return not st.toggle(
        "Last step's loss only: how far back one prediction reaches", key="w.last_step_loss",
        help="Off: the gradient of the loss training uses, the average of every step's error, so "
             "each step also learns from its own target. On: the gradient of the last step's error "
             "alone, which only reaches early steps through the whole chain of steps between.")


def how_to_read(cell: str, page: str) -> None:
    """The cell's equations and how to read the page's charts (open in presenter mode)."""
    with st.expander("How to read this", expanded=session().presenter):
        st.markdown(f"**{CELLS[cell].display_name}**, as torch computes it (σ = sigmoid, ⊙ = elementwise):")
        for line in CELLS[cell].equations:
            st.latex(line)
        st.markdown(HOW_TO_READ[page])


def pickers(run: Run, sequence: bool = True, record: int = -1) -> tuple[int, int, int]:
    """Slider over the records (opening at `record`), probe sequence and layer: (record, sequence, layer)."""
    steps, cfg = run.record_steps, run.config
    index = record % len(steps)
    if len(steps) > 1:
        index = st.select_slider("Training step (slide to watch it learn)", list(range(len(steps))),
                                 value=index, format_func=lambda i: f"step {steps[i]}", key=f"rec.{run.name}")
    cols = st.columns(2)
    seq = cols[0].number_input("Probe sequence", 0, len(run.records[0].hidden[0]) - 1, 0,
                               key=f"seq.{run.name}") if sequence else 0
    layer = cols[1].selectbox("Layer", list(range(cfg.num_layers)), index=cfg.num_layers - 1,
                              key=f"layer.{run.name}") if cfg.num_layers > 1 else -1
    return index, int(seq), layer
