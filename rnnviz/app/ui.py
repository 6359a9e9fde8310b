"""Streamlit glue shared by the pages: the session (runs, job, link), config widgets, live panel.

The only module of the package that imports streamlit; everything it decides is in form,
urlstate, job and runstore, which are plain Python."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from rnnviz.app import form, urlstate
from rnnviz.app.how_to_read import HOW_TO_READ
from rnnviz.app.inputs import read_upload
from rnnviz.app.job import TrainingJob, configure_torch, panel_line, trainer_slots
from rnnviz.app.limits import Limits
from rnnviz.app.runstore import RunStore, file_name
from rnnviz.app.settings import Settings
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.devices import available_devices
from rnnviz.run import Run
from rnnviz.runfile import run_to_bytes
from rnnviz.tasks import TASKS

log = logging.getLogger(__name__)
ss = st.session_state
LIMITS = Limits.from_env()
PRESENTER_CSS = f"<style>{(Path(__file__).with_name('presenter.css')).read_text()}</style>"


def start_session() -> None:
    """Every rerun: torch set up once per process; on a session's first run, read the link."""
    configure_torch()
    if "store" in ss:
        return
    ss.store, ss.job, ss.flash, ss.seen_uploads = RunStore.from_env(), None, [], set()
    state = urlstate.parse(st.query_params.to_dict(), LIMITS, available_devices())
    ss.hide, ss.presenter = set(state.hide), state.presenter
    load_config(state.config, state.preset)
    ss.flash += [("warning", f"Link parameter ignored — {n}") for n in state.notices]


def load_config(cfg: RunConfig, preset: str | None = None) -> None:
    """Make `cfg` the current config; the Train widgets take its values on their next draw."""
    ss.cfg, ss.preset, ss.pending = cfg, preset, True


def sync_url() -> str:
    """Write the current config into the URL (only what differs); return the shareable link."""
    params = urlstate.encode(ss.cfg, ss.preset, ss.hide, ss.presenter)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    return urlstate.link(st.context.url or "http://localhost:8501/", params)  # url: None under AppTest


NAV = [("app.py", "Home", ":material/home:"), ("pages/train.py", "Train", ":material/model_training:"),
       ("pages/hidden.py", "Hidden states", ":material/scatter_plot:"),
       ("pages/gates.py", "Gates", ":material/tune:"),
       ("pages/gradients.py", "Gradients", ":material/trending_down:"),
       ("pages/compare.py", "Compare", ":material/compare_arrows:")]


def frame(title: str, body: Callable[[], Any], live_charts: bool = False) -> None:
    """Every page: the session, the sidebar (pages, runs, link), one-time notices, the running
    job, then the page's own body inside `guard`."""
    st.set_page_config(page_title=f"{title} · rnnviz", page_icon=":material/insights:", layout="wide")
    guard(lambda: _frame(title, body, live_charts))


def _frame(title: str, body: Callable[[], Any], live_charts: bool) -> None:
    start_session()
    collect_job()
    if ss.presenter:
        st.html(PRESENTER_CSS)
    sidebar(sync_url())
    st.title(title)
    for kind, text in ss.flash:
        getattr(st, kind)(text)
    ss.flash = []
    if not live_charts:
        job_panel()
    guard(body)


def current_run() -> Run:
    """The run the view pages show, or a pointer to Train (and the page stops)."""
    run = ss.store.current_run()
    if run is None:
        st.info("No run yet. Train one, or open a run file from the sidebar.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    if not run.records:
        st.warning(f"{run.name} has no records to look at (it stopped before its first step).")
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
        st.error(failed.format(error=f"{type(err).__name__}: {str(err)[:200]}"))


def plot(fn: Callable[..., Any], *args: Any, key: str | None = None, **kwargs: Any) -> None:
    """Draw one figure; if it cannot be drawn, say so and keep the rest of the page."""
    guard(lambda: _plot(fn(*args, presenter=ss.presenter, **kwargs), key or fn.__name__),
          "Could not draw this chart ({error}).")


def _plot(fig: Any, key: str) -> None:
    if ss.presenter:  # the figure's own (scaled) fonts and a taller chart for the back row
        fig.update_layout(height=max(fig.layout.height or 0, 650))
    st.plotly_chart(fig, key=key, config={"displaylogo": False}, theme=None if ss.presenter else "streamlit")


def views(names: list[str], key: str) -> list[str]:
    """All views, or in presenter mode the one picked: one big chart at a time on a projector."""
    if not ss.presenter or len(names) < 2:
        return names
    return [st.segmented_control("View", names, default=names[0], required=True, key=key)]


def how_to_read(cell: str, page: str) -> None:
    """The cell's equations and how to read the page's charts (open in presenter mode)."""
    with st.expander("How to read this", expanded=ss.presenter):
        st.markdown(f"**{CELLS[cell].display_name}**, as torch computes it (σ = sigmoid, ⊙ = elementwise):")
        for line in CELLS[cell].equations:
            st.latex(line)
        st.markdown(HOW_TO_READ[page])


def busy() -> bool:
    return ss.get("job") is not None


def start_job(cfg: RunConfig, label: str = "", compare_with: str | None = None) -> None:
    """Train `cfg` in the background (one job per session); the pages poll it."""
    if busy():
        ss.flash.append(("warning", "A run is already training: stop it or wait for it to finish."))
        return
    ss.job, ss.compare_with = TrainingJob(cfg, label=label).start(), compare_with


def watched_job() -> TrainingJob | None:
    """The session's job, told that a page still watches it (an unwatched job stops itself)."""
    job = ss.get("job")
    if job is not None:
        job.heartbeat()
    return job


def collect_job() -> None:
    """Every rerun: a finished job's run goes into the session's store, with a message."""
    job = watched_job()
    if job is not None and job.done:
        ss.job = None
        notes, pick = ss.store.collect(job, ss.pop("compare_with", None))
        ss.flash += notes
        if pick:
            ss.compare_pick = pick


@st.fragment(run_every=0.5)
def _panel(charts: Callable[[Run], Any] | None) -> None:
    job = watched_job()
    if job is None:
        return
    if job.done:
        st.rerun()  # the whole app: the run joins the store, controls come back
    fraction, text = panel_line(job, job_slots())
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


def job_slots() -> int:
    return trainer_slots().capacity


def job_panel(charts: Callable[[Run], Any] | None = None) -> None:
    """The running job, polled twice a second without blocking the page: queue place or progress,
    a Stop button, and `charts` of the run so far (Train: the live loss and gradient norm)."""
    if busy():
        _panel(charts)


def new_upload(upload: Any) -> bool:
    """True the first time an uploaded file is seen: a rerun does not read it again."""
    if upload is None or upload.file_id in ss.seen_uploads:
        return False
    ss.seen_uploads.add(upload.file_id)
    return True


def open_run_files(uploads: Any) -> None:
    """Add uploaded run files to the store; a bad file is an error and nothing else changes."""
    for upload in uploads if isinstance(uploads, list) else [uploads]:
        if new_upload(upload):
            kind, text = ss.store.open_file(upload.name, upload.getvalue())
            getattr(st, kind)(text)


def sidebar(link: str) -> None:
    """The pages; pick the current run, download it, open a run file; share the link, presenter mode."""
    store: RunStore = ss.store
    with st.sidebar:
        for path, label, icon in NAV:
            st.page_link(path, label=label, icon=icon)
        picker = st.container()
        open_run_files(st.file_uploader("Open a run file (.npz)", type=["npz"], key="w.runfile"))
        if len(store):  # drawn above the uploader, filled after it: an opened file shows at once
            ss["w.current"] = store.current_run().name
            picker.selectbox("Current run", store.names(), key="w.current",
                             on_change=lambda: store.select(ss["w.current"]))
            run = store.current_run()
            picker.download_button("Download run file", lambda: run_to_bytes(run), on_click="ignore",
                                   file_name=file_name(run), mime="application/octet-stream",
                                   icon=":material/download:")
        with st.expander("Share this setup", icon=":material/link:"):
            st.code(link, language=None, wrap_lines=True)
            if urlstate.left_out(ss.cfg):
                st.caption("Your own text / CSV is too long for a link: the link uses the default one.")
            st.toggle("Presenter mode", key="w.presenter", value=ss.presenter,
                      on_change=lambda: ss.update(presenter=ss["w.presenter"]),
                      help="Larger text and charts, one view at a time; add &hide=lr,optimizer to the "
                           "link to hide controls.")


def fields(v: dict[str, Any], *names: str, where: Any = st) -> bool:
    """Config fields (form.FORM) into `v`, each as its widget keyed w.<name> (kept across pages), or
    without one where hidden or not applicable; whether the last one was drawn."""
    devices = available_devices()
    for name in names:
        f = form.FORM[name]
        drawn = form.draws(f, v, ss.hide)
        v[name] = getattr(where, f.widget)(
            *form.widget_args(f, LIMITS, devices), key=f"w.{name}", disabled=busy(), persist_state="session",
            **f.kwargs) if drawn else form.undrawn_value(f, v, ss.cfg, ss)
    return drawn


def upload_text(task: str, name: str, kind: str, what: str) -> None:
    """A .txt/.csv upload replaces the option only if the task accepts it: else an error, and the
    previous text stays."""
    key = f"w.opt.{task}.{name}"
    upload = st.file_uploader(f"Upload a {what} (.{kind}, UTF-8)", type=[kind], key=f"{key}.upload",
                              disabled=busy())
    if new_upload(upload):
        try:
            ss[key] = read_upload(task, name, upload.getvalue(), upload.name)
        except ValueError as err:
            st.error(f"{err}. The previous {what} is kept.")


def option(task: str, name: str, columns: list[str]) -> Any:
    """Task option `name` as its widget keyed w.opt.<task>.<name>; the CSV text shows as a caption."""
    key = f"w.opt.{task}.{name}"
    if name == "csv":
        st.caption(form.csv_caption(ss[key], columns))
        return ss[key]
    if (fitted := form.fit_to_columns(name, ss[key], columns)) != ss[key]:
        ss[key] = fitted
    opt = TASKS[task].OPTIONS[name]
    widget, args, kwargs = form.option_widget(name, opt, columns)
    value = getattr(st, widget)(*args, key=key, help=opt.help, disabled=busy(), persist_state="session",
                                **kwargs)
    return ",".join(value) if isinstance(value, list) else value  # features: a multiselect


def pickers(run: Run, sequence: bool = True) -> tuple[int, int, int]:
    """Slider over the records, probe sequence and layer: (record_index, sequence, layer)."""
    steps, cfg = run.record_steps, run.config
    index = len(steps) - 1
    if len(steps) > 1:
        index = st.select_slider("Training step (slide to watch it learn)", list(range(len(steps))),
                                 value=index, format_func=lambda i: f"step {steps[i]}", key=f"rec.{run.name}")
    cols = st.columns(2)
    seq = cols[0].number_input("Probe sequence", 0, len(run.records[0].hidden[0]) - 1, 0,
                               key=f"seq.{run.name}") if sequence else 0
    layer = cols[1].selectbox("Layer", list(range(cfg.num_layers)), index=cfg.num_layers - 1,
                              key=f"layer.{run.name}") if cfg.num_layers > 1 else -1
    return index, int(seq), layer
