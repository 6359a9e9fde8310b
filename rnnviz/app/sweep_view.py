"""The Sweep page's body: the form, the live plot of a running sweep, the results and their file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from rnnviz import plots
from rnnviz.app import live, ui
from rnnviz.app.escape import md, problem
from rnnviz.app.limits import UPLOAD_MB
from rnnviz.app.sweep_job import SweepJob
from rnnviz.app.sweep_plan import MAX_SEEDS, SWEPT, Request, check
from rnnviz.cells import CELLS
from rnnviz.config import FIELDS, RunConfig
from rnnviz.fit import time_words
from rnnviz.sweeps import store
from rnnviz.sweeps.presets import SWEEP_PRESETS, check_claims
from rnnviz.tasks import TASKS

SHOWN = ["cell", "seed", "status", "success", "loss_ratio", "accuracy", "steps_to_success", "elapsed_s"]


@dataclass
class SweepState:
    """This session's sweep (st.session_state["sweep"]): the running job, or the last results."""

    job: SweepJob | None = None
    table: pd.DataFrame | None = None
    preset: str | None = None
    filled: bool = False                   # the widgets took a preset's (or the defaults') values
    seen_uploads: set[str] = field(default_factory=set)
    last: Request | None = None            # the choices last shown, restored after another page


def state() -> SweepState:
    if "sweep" not in st.session_state:
        st.session_state["sweep"] = SweepState()
    return st.session_state["sweep"]


def form(s: SweepState, disabled: bool) -> Request:
    """The choices, opening on a preset's; returns what they ask for."""
    names = [None, *SWEEP_PRESETS]
    if "sw.preset" not in st.session_state and s.filled:  # back from another page: as it was left
        st.session_state["sw.preset"] = s.preset
    preset = st.selectbox("Preset", names, format_func=lambda n: SWEEP_PRESETS[n].title if n else "Your own",
                          key="sw.preset", disabled=disabled)
    start = Request.of_preset(preset) if preset else Request(("rnn_tanh", "lstm"), "adding", "seq_len",
                                                              "10, 30, 60", 3, 500)
    if preset != s.preset or not s.filled:  # a new preset fills the widgets with its values
        s.preset, s.filled = preset, True
    elif "sw.cells" not in st.session_state and s.last is not None:
        start = s.last  # back from another page (Streamlit dropped the widgets): the student's choices
    else:
        start = None
    if start is not None:
        for key, value in (("cells", list(start.cells)), ("task", start.task), ("field", start.field),
                           ("values", start.values), ("seeds", start.seeds), ("steps", start.steps)):
            st.session_state[f"sw.{key}"] = value
    if preset:
        st.caption(md(SWEEP_PRESETS[preset].lesson))
    left, right = st.columns(2)
    cells = left.multiselect("Cells", list(CELLS), format_func=lambda c: CELLS[c].display_name,
                             key="sw.cells", disabled=disabled)
    task = right.selectbox("Task", list(TASKS), format_func=lambda t: TASKS[t].title or t, key="sw.task",
                           disabled=disabled)
    field_ = left.selectbox("Swept field", list(SWEPT), format_func=lambda f: f"{f} ({FIELDS[f].help})",
                            key="sw.field", disabled=disabled)
    values = right.text_input("Values (commas between)", key="sw.values", disabled=disabled)
    seeds = left.number_input("Seeds per point", 1, MAX_SEEDS, key="sw.seeds", disabled=disabled)
    steps = right.number_input("Steps per run", 1, ui.limits().ranges["steps"][1], key="sw.steps",
                               disabled=disabled)
    s.last = Request(tuple(cells), task, field_, values, int(seeds), int(steps), preset)
    return s.last


def start_button(request: Request, disabled: bool) -> None:
    session = ui.session()
    try:
        plan, seconds = check(request, session.settings, ui.limits())
    except ValueError as err:
        st.error(md(problem(err, 400)))
        return
    st.caption(f"{len(plan.configs)} runs, about {time_words(seconds)} of training on this server. Each "
               f"run waits for one of its {ui.job_slots()} trainers like any run, so the class shares them.")
    if st.button("Start the sweep", type="primary", disabled=disabled, icon=":material/play_arrow:",
                 key="sw.start"):
        s = state()
        s.job = SweepJob(plan, live.trainer_slots(), session.settings, alive=live.tab_alive(),
                         machine=ui.limits().machine).start()
        s.table = None
        st.rerun()


@st.fragment(run_every=1.0)
def running(s: SweepState) -> None:
    """The running sweep, redrawn every second: progress, Stop, the plot so far."""
    job = s.job
    if job is None:
        return
    job.heartbeat()
    if job.done:
        st.rerun()
    done = len(job.rows)
    where = (f"waiting for a trainer ({job.ahead} ahead)" if job.current is None
             else f"training run {done + 1}")
    st.progress(done / job.total, text=f"Sweep: {done} of {job.total} runs done · {where}")
    st.button("Stop the sweep", on_click=job.stop, key="sw.stop", icon=":material/stop_circle:")
    results(job.table(), live_=True)


def collect(s: SweepState) -> None:
    job = s.job
    if job is None or not job.done:
        return
    s.job, s.table = None, job.table()
    if job.state == "error":
        st.error(f"The sweep failed: {md(job.error)}. Its finished runs are kept below.")
    elif job.timed_out:
        st.info(f"{job.timed_out} run(s) reached this server's time limit per run and are left out.")


def results(table: pd.DataFrame, live_: bool = False) -> None:
    """The plot (success rate or final loss), and for a finished table its claims and rows."""
    preset = SWEEP_PRESETS.get(state().preset or "")
    default = preset.show if preset else "success"
    show = st.segmented_control("Show", ["success", "loss"], default=default, required=True,
                                format_func=lambda v: "Success rate" if v == "success" else "Final loss",
                                key="sw.show.live" if live_ else "sw.show")
    field_ = preset.field if preset and preset.field in table else None
    ui.plot(plots.sweep_figure, table, field_, show,
            key="sweep.live" if live_ else "sweep")
    if live_ or table.empty:
        return
    if preset and len(table) == preset.runs:  # the preset's own sweep: its claims are about it
        for claim, result in check_claims(preset, table):
            mark = ":material/check_circle:" if result.passed else ":material/cancel:"
            st.markdown(f"{mark} {md(claim.text)} — {md(result.detail)}")
    columns = [c for c in table.columns if c in FIELDS or c in SHOWN]
    st.dataframe(table[list(dict.fromkeys(columns))], hide_index=True)


def files(s: SweepState) -> None:
    """Download the results; upload a results file (checked) to plot it here."""
    left, right = st.columns(2)
    if s.table is not None and not s.table.empty:
        left.download_button("Download results (.parquet)", store.to_bytes(s.table), "sweep.parquet",
                             icon=":material/download:", on_click="ignore")
        left.download_button("Download results (.csv)", s.table.to_csv(index=False).encode(), "sweep.csv",
                             icon=":material/download:", on_click="ignore")
    upload = right.file_uploader("Open a results file", type=["parquet", "csv"], key="sw.upload",
                                 max_upload_size=UPLOAD_MB)
    if upload is not None and upload.file_id not in s.seen_uploads:
        s.seen_uploads.add(upload.file_id)
        try:
            s.table = store.read_bytes(upload.getvalue(), upload.name)
        except ValueError as err:
            right.error(md(problem(err, 400)))
            return
        right.success(f"Opened {md(upload.name)}: {len(s.table)} runs.")


def open_run(table: pd.DataFrame) -> None:
    """Train one run of the sweep again, as a normal run (with its records), and open it."""
    fields = [c for c in table.columns if c in FIELDS]
    labels = [", ".join(f"{f} {row[f]}" for f in fields) for _, row in table.iterrows()]
    pick = st.selectbox("Open one run in the other views", range(len(labels)), format_func=labels.__getitem__,
                        key="sw.pick")
    if st.button("Train it again and open it", disabled=ui.busy(), icon=":material/open_in_new:",
                 help="The sweep kept only its numbers: this trains the same config and seed again, "
                      "looking inside the model as a normal run does, on the Train page."):
        try:
            cfg = RunConfig.from_dict(json.loads(table.iloc[pick]["config"]))
        except ValueError as err:  # an uploaded file's config may be anything
            st.error(f"This row's config cannot be trained: {md(problem(err, 300))}")
            return
        normal = RunConfig()  # a sweep's run looks inside only twice: a normal run looks more often
        ui.start_job(cfg.replace(record_every=normal.record_every, probe_size=normal.probe_size), load=True)
        st.switch_page("pages/train.py")


def body() -> None:
    s = state()
    collect(s)
    busy = s.job is not None
    request = form(s, busy)
    if busy:
        running(s)
        return
    start_button(request, False)
    files(s)
    if s.table is not None and not s.table.empty:
        results(s.table)
        open_run(s.table)
