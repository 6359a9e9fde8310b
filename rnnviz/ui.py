"""Streamlit glue shared by the pages: the session (runs, job, link), config widgets, live panel.

The only module of the package that imports streamlit; everything it decides is in urlstate,
job and runstore, which are plain Python."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from rnnviz import plots, urlstate
from rnnviz.config import RunConfig
from rnnviz.job import TrainingJob, available_devices, configure_torch, outcome, trainer_slots
from rnnviz.run import Run
from rnnviz.runfile import run_from_bytes, run_to_bytes
from rnnviz.runstore import RunStore
from rnnviz.tasks import TASKS, Option

log = logging.getLogger(__name__)
ss = st.session_state
LIMITS = urlstate.Limits.from_env()
CELL_NAMES = {"rnn_tanh": "RNN (tanh)", "rnn_relu": "RNN (ReLU)", "lstm": "LSTM", "gru": "GRU"}
PRESENTER_CSS = """<style>
.stApp p, .stApp li, .stApp label, .stApp [data-testid="stWidgetLabel"] p {font-size: 1.5rem !important;}
.stApp h1 {font-size: 4rem !important;} .stApp h2, .stApp h3 {font-size: 2.4rem !important;}
.stApp .katex {font-size: 1.6em !important;} .stApp button p {font-size: 1.3rem !important;}
</style>"""
EQUATIONS = {
    "rnn_tanh": [r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})"],
    "rnn_relu": [r"h_t = \max(0,\; W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})"],
    "lstm": [r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \quad"
             r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
             r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \quad"
             r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
             r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \qquad h_t = o_t \odot \tanh(c_t)"],
    "gru": [r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \quad"
            r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
            r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
            r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}"],
}


def debug() -> bool:
    return bool(os.environ.get("RNNVIZ_DEBUG"))


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


def flash(kind: str, text: str) -> None:
    ss.flash.append((kind, text))


def sync_url() -> str:
    """Write the current config into the URL (only what differs); return the shareable link."""
    params = urlstate.encode(ss.cfg, ss.preset, ss.hide, ss.presenter)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    base = st.context.url or "http://localhost:8501/"  # None under AppTest
    return base + ("?" + urlencode(params) if params else "")


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
    with st.sidebar:
        for path, label, icon in NAV:
            st.page_link(path, label=label, icon=icon)
    sidebar(sync_url())
    st.title(title)
    for kind, text in ss.flash:
        getattr(st, kind)(text)
    ss.flash = []
    if not live_charts:
        job_panel(False)
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


def guard(body: Callable[[], Any]) -> None:
    """Run a page; an unexpected error becomes a short message, never a traceback."""
    try:
        body()
    except Exception as err:
        if debug():
            raise
        log.exception("page failed")
        st.error(f"Something went wrong on this page ({type(err).__name__}: {str(err)[:200]}). "
                 "Your runs are safe: pick another run or change a setting and try again.")


def plot(fn: Callable[..., Any], *args: Any, key: str | None = None, **kwargs: Any) -> None:
    """Draw one figure; if it cannot be drawn, say so and keep the rest of the page."""
    try:
        fig = fn(*args, presenter=ss.presenter, **kwargs)
    except Exception as err:
        if debug():
            raise
        log.exception("figure failed")
        st.error(f"Could not draw this chart ({type(err).__name__}: {str(err)[:200]}).")
        return
    if ss.presenter:  # the figure's own (scaled) fonts and a taller chart for the back row
        fig.update_layout(height=max(fig.layout.height or 0, 650))
    st.plotly_chart(fig, key=key or fn.__name__, config={"displaylogo": False},
                    theme=None if ss.presenter else "streamlit")


def views(names: list[str], key: str) -> list[str]:
    """All views, or in presenter mode the one picked: one big chart at a time on a projector."""
    if not ss.presenter or len(names) < 2:
        return names
    return [st.segmented_control("View", names, default=names[0], required=True, key=key)]


def how_to_read(cell: str, text: str) -> None:
    with st.expander("How to read this", expanded=ss.presenter):
        st.markdown(f"**{CELL_NAMES[cell]}**, as torch computes it (σ = sigmoid, ⊙ = elementwise):")
        for line in EQUATIONS[cell]:
            st.latex(line)
        st.markdown(text)


def busy() -> bool:
    return ss.get("job") is not None


def start_job(cfg: RunConfig, label: str = "", compare_with: str | None = None) -> None:
    """Train `cfg` in the background (one job per session); the pages poll it."""
    if busy():
        flash("warning", "A run is already training: stop it or wait for it to finish.")
        return
    ss.job, ss.compare_with = TrainingJob(cfg, label=label).start(), compare_with


def collect_job() -> None:
    """Every rerun: a finished job's run goes into the session's store, with a message."""
    job = ss.get("job")
    if job is None:
        return
    job.heartbeat()
    if not job.done:
        return
    ss.job, run = None, job.run
    dropped = ss.store.add(run, job.label) if run is not None and run.rows else []
    ss.flash += outcome(job, run.name if run else "")
    if dropped:
        flash("info", f"This session keeps at most {ss.store.max_runs} runs ({ss.store.max_mb:g} MB): "
                      f"dropped the oldest — {', '.join(dropped)}. Download runs you want to keep.")
    base = ss.pop("compare_with", None)
    if base in ss.store.runs and run is not None and run.name in ss.store.runs:
        ss.compare_pick = [base, run.name]


@st.fragment(run_every=0.5)
def _panel(charts: bool) -> None:
    job = ss.get("job")
    if job is None:
        return
    job.heartbeat()
    if job.done:
        st.rerun()  # the whole app: the run joins the store, controls come back
    if job.state == "queued":
        st.info(f"⏳ {job.status.capitalize()}. This server trains {job_slots()} runs at once; "
                "yours starts as soon as one finishes.")
    else:
        p = job.progress()
        st.progress(p.fraction, text=f"Training {job.config.cell} on {job.config.task}: step "
                                     f"{p.steps_done} / {p.steps} · {p.steps_per_s:.0f} steps/s")
    stopping = job.stop_event.is_set()
    st.button("Stopping…" if stopping else "Stop", on_click=job.stop, disabled=stopping, key="stop",
              icon=":material/stop_circle:")
    run = job.snapshot() if charts else None
    if run is not None and run.rows:
        for name in views(["Loss", "Gradient norm"], "view.live"):
            plot(plots.loss_figure if name == "Loss" else plots.grad_norm_figure, run,
                 key=f"live.{name}")


def job_slots() -> int:
    return trainer_slots().capacity


def job_panel(charts: bool) -> None:
    """The running job, polled twice a second without blocking the page: queue place or progress,
    a Stop button, and (on Train) the live loss and gradient-norm curves."""
    if busy():
        _panel(charts)


def open_run_files(uploads: Any) -> None:
    """Add uploaded run files to the store; a bad file is an error and nothing else changes."""
    for upload in uploads if isinstance(uploads, list) else [uploads] if uploads else []:
        if upload.file_id in ss.seen_uploads:
            continue
        ss.seen_uploads.add(upload.file_id)
        try:
            run = run_from_bytes(upload.getvalue())
        except ValueError as err:
            st.error(f"{upload.name} is not a run file rnnviz can read ({err}). Save runs with the "
                     "Download button or `python -m rnnviz train --out run.npz`.")
            continue
        dropped = ss.store.add(run, f"{upload.name} · {run.config.cell} · {run.config.task}")
        st.success(f"Opened {run.name}." + (f" Dropped the oldest: {', '.join(dropped)}." if dropped else ""))


def sidebar(link: str) -> None:
    """Pick the current run, download it, open a run file, share the link, presenter mode."""
    store: RunStore = ss.store
    with st.sidebar:
        picker = st.container()
        open_run_files(st.file_uploader("Open a run file (.npz)", type=["npz"], key="w.runfile"))
        if len(store):  # drawn above the uploader, filled after it: an opened file shows at once
            ss["w.current"] = store.current_run().name
            picker.selectbox("Current run", store.names(), key="w.current",
                             on_change=lambda: store.select(ss["w.current"]))
            run = store.current_run()
            name = f"{run.config.cell}-{run.config.task}-{run.name.rsplit('#', 1)[-1]}.npz"
            picker.download_button("Download run file", lambda: run_to_bytes(run), on_click="ignore",
                                   file_name=name, mime="application/octet-stream",
                                   icon=":material/download:")
        with st.expander("Share this setup", icon=":material/link:"):
            st.code(link, language=None, wrap_lines=True)
            if urlstate.left_out(ss.cfg):
                st.caption("Your own text / CSV is too long for a link: the link uses the default one.")
            st.toggle("Presenter mode", key="w.presenter", value=ss.presenter,
                      on_change=lambda: ss.update(presenter=ss["w.presenter"]),
                      help="Larger text and charts, one view at a time; add &hide=lr,optimizer to the "
                           "link to hide controls.")


def _set_widgets(cfg: RunConfig, pending: bool) -> None:
    """cfg's values into the widgets' state before they are drawn: all when `pending`, else the missing."""
    own, others = urlstate.widget_values(cfg)
    for key, value in own.items():
        if pending or key not in ss:
            ss[key] = value
    for key, value in others.items():
        ss.setdefault(key, value)


def _hidden(*names: str) -> bool:
    return any(n in ss.hide for n in names)


def _field(name: str, draw: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One config widget keyed w.<name>, kept across pages; a hidden one keeps the config's value."""
    if _hidden(name):
        return getattr(ss.cfg, name)
    return draw(*args, key=f"w.{name}", disabled=busy(), persist_state="session", **kwargs)


def _ranged(name: str, draw: Callable[..., Any], label: str, **kwargs: Any) -> Any:
    """A widget for a number whose bounds are this server's limits."""
    low, high = LIMITS.ranges[name]
    cast = int if name in urlstate.INTS else float
    return _field(name, draw, label, cast(low), cast(high), **kwargs)


def _upload_text(task: str, name: str, label: str, kind: str) -> None:
    """A .txt/.csv upload replaces the option only if the task accepts it: else an error, and the
    previous text stays."""
    key = f"w.opt.{task}.{name}"
    upload = st.file_uploader(label, type=[kind], key=f"{key}.upload", disabled=busy())
    if upload is not None and upload.file_id not in ss.seen_uploads:
        ss.seen_uploads.add(upload.file_id)
        try:
            text = urlstate.read_upload(task, name, upload.getvalue(), upload.name)
        except ValueError as err:
            st.error(f"{err}. The previous {'text' if kind == 'txt' else 'CSV'} is kept.")
        else:
            ss[key] = text


def _option(task: str, name: str, opt: Option, csv_columns: list[str]) -> Any:
    key = f"w.opt.{task}.{name}"
    common = dict(key=key, help=opt.help, disabled=busy(), persist_state="session")
    label = name.replace("_", " ").capitalize()
    if name == "text":
        return st.text_area("Text to learn", height=140, **common)
    if name == "csv":
        st.caption(f"CSV: {len(ss[key].splitlines()) - 1} rows · numeric columns: "
                   f"{', '.join(csv_columns) or 'none'}")
        return ss[key]
    if name == "target" and csv_columns:
        ss[key] = ss[key] if ss[key] in csv_columns else csv_columns[0]
        return st.selectbox("Column to forecast", csv_columns, **common)
    if name == "features" and csv_columns:
        ss[key] = [c for c in ss[key] if c in csv_columns]
        return ",".join(st.multiselect("Other columns as inputs", csv_columns, **common))
    if opt.choices is not None:
        return st.segmented_control(label, opt.choices, required=True, **common)
    if isinstance(opt.default, bool):
        return st.toggle(label, **common)
    if isinstance(opt.default, int | float):
        integer = isinstance(opt.default, int)
        cast = int if integer else float
        return st.number_input(label, min_value=None if opt.low is None else cast(opt.low),
                               max_value=None if opt.high is None else cast(opt.high),
                               step=1 if integer else None, format=None if integer else "%g", **common)
    return st.text_input(label, **common)


def task_options(task: str) -> dict[str, Any]:
    """Widgets built from the task's OPTIONS; returns only the values that differ from defaults."""
    options, columns, shown = {}, [], not _hidden("task_options")
    for name, kind in (("text", "txt"), ("csv", "csv")):
        if name in TASKS[task].OPTIONS and shown and not _hidden(name, urlstate.option_url_name(name)):
            _upload_text(task, name, f"Upload a {'text' if kind == 'txt' else 'CSV'} (.{kind}, UTF-8)", kind)
    if "csv" in TASKS[task].OPTIONS:
        try:
            columns = urlstate.numeric_columns(ss[f"w.opt.{task}.csv"])
        except ValueError:
            pass  # check_config reports it
    for name, opt in TASKS[task].OPTIONS.items():
        if _hidden(name, urlstate.option_url_name(name), "task_options"):
            value = ss.cfg.task_options.get(name, opt.default) if ss.cfg.task == task else opt.default
        else:
            value = _option(task, name, opt, columns)
        if value != opt.default:
            options[name] = value
    return options


def config_form() -> RunConfig | None:
    """Every RunConfig option as a widget; the valid config (or None, with the error shown)."""
    _set_widgets(ss.cfg, pending=ss.pop("pending", False))
    v: dict[str, Any] = {"cell": _field("cell", st.segmented_control, "Cell", list(CELL_NAMES),
                                        format_func=CELL_NAMES.get, required=True)}
    v["task"] = _field("task", st.selectbox, "Task", list(TASKS), format_func=lambda t: TASKS[t].title)
    with st.expander("Task settings", expanded=v["task"] in ("chars", "words", "csv")):
        st.caption(TASKS[v["task"]].__doc__.split("\n\n")[0])
        v["task_options"] = task_options(v["task"])
    left, right = st.columns(2)
    with left:
        v["hidden_size"] = _ranged("hidden_size", st.slider, "Hidden size")
        v["seq_len"] = _ranged("seq_len", st.slider, "Sequence length")
        v["steps"] = _ranged("steps", st.slider, "Training steps")
        v["recurrent_init"] = _field("recurrent_init", st.selectbox, "Recurrent init", urlstate.CHOICES[
            "recurrent_init"], help="W_hh at step 0: torch's uniform, orthogonal, identity (IRNN), or "
                                    "scaled to a spectral radius")
        v["optimizer"] = _field("optimizer", st.selectbox, "Optimizer", urlstate.CHOICES["optimizer"])
    with right:
        v["num_layers"] = _ranged("num_layers", st.slider, "Layers")
        v["batch_size"] = _ranged("batch_size", st.slider, "Batch size")
        v["lr"] = _ranged("lr", st.number_input, "Learning rate", format="%g")
        v["seed"] = _ranged("seed", st.number_input, "Seed", step=1)
        v["device"] = _field("device", st.selectbox, "Device", ("auto", *available_devices()))
    v["spectral_radius"] = (_field("spectral_radius", st.slider, "Spectral radius of W_hh", 0.05, 10.0)
                            if v["recurrent_init"] == "scaled" else None)
    v["momentum"] = (_field("momentum", st.slider, "Momentum", 0.0, 0.99)
                     if v["optimizer"] != "adam" else ss["w.momentum"])
    v["forget_bias"] = (_field("forget_bias", st.number_input, "LSTM forget-gate bias at init", -10.0, 10.0,
                               placeholder="torch default") if v["cell"] == "lstm" else None)
    v["bidirectional"] = _field("bidirectional", st.toggle, "Bidirectional")
    v["clip_norm"], v["clip_mode"] = ss.cfg.clip_norm, ss.cfg.clip_mode
    if not _hidden("clip", "clip_norm"):
        on = st.toggle("Gradient clipping", key="w.clip_on", disabled=busy(), persist_state="session",
                       help="Rescale (norm) or clamp (value) the gradient before each step.")
        if on:
            c1, c2 = st.columns(2)
            v["clip_norm"] = c1.number_input("Max norm", 1e-3, 1e3, key="w.clip_norm", disabled=busy(),
                                             format="%g", persist_state="session")
            v["clip_mode"] = _field("clip_mode", c2.segmented_control, "Clip", urlstate.CHOICES["clip_mode"],
                                    required=True) if not _hidden("clip_mode") else ss.cfg.clip_mode
        else:
            v["clip_norm"] = None
    with st.expander("Recording"):
        v["record_every"] = _field("record_every", st.number_input, "Look inside every N steps", 1, 1000)
        v["probe_size"] = _ranged("probe_size", st.slider, "Probe sequences")
    cfg, error = urlstate.check_config(v)
    if error is not None:
        st.error(f"{error}. Fix this setting to train; your runs and other settings are kept.")
        return None
    cfg, notes = urlstate.fit_limits(cfg, LIMITS)
    for note in notes:
        st.info(note)
    if cfg != ss.cfg:
        ss.cfg = cfg
    return cfg


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
