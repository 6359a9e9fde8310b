"""The Train form drawn: each config field and task option as its widget, read back as a config.

Direction of sync (see session.py): Session.cfg -> widget state (before drawing) -> the form's
config -> Session.cfg. Widget keys: "w.<field>", "w.opt.<task>.<option>" (Streamlit needs
them in session_state; only the Session decides their values)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from rnnviz.app import form
from rnnviz.app.escape import md
from rnnviz.app.inputs import read_upload
from rnnviz.app.limits import UPLOAD_MB
from rnnviz.app.session import Session
from rnnviz.config import RunConfig
from rnnviz.tasks import TASKS, make_task

ss = st.session_state


def fields(session: Session, v: dict[str, Any], *names: str, where: Any = st) -> bool:
    """Config fields (form.FORM) into `v`, each as its widget keyed w.<name> (kept across pages), or
    without one where hidden or not applicable; whether the last one was drawn."""
    for name in names:
        f = form.FORM[name]
        drawn = form.draws(f, v, session.hide)
        v[name] = getattr(where, f.widget)(
            *form.widget_args(f, session.limits, session.devices), key=f"w.{name}", disabled=session.busy,
            persist_state="session", **f.kwargs) if drawn else form.undrawn_value(f, v, session.cfg, ss)
    return drawn


def upload_text(session: Session, task: str, name: str, kind: str, what: str) -> None:
    """A .txt/.csv upload replaces the option only if the task accepts it: else an error, and the
    previous text stays."""
    key = f"w.opt.{task}.{name}"
    upload = st.file_uploader(f"Upload a {what} (.{kind}, UTF-8)", type=[kind], key=f"{key}.upload",
                              disabled=session.busy, max_upload_size=UPLOAD_MB)
    if upload is not None and session.new_upload(upload.file_id):
        try:
            ss[key] = read_upload(task, name, upload.getvalue(), upload.name)
        except ValueError as err:
            st.error(md(f"{err}. The previous {what} is kept.", 1000))


def option(session: Session, task: str, name: str, columns: list[str]) -> Any:
    """Task option `name` as its widget keyed w.opt.<task>.<name>; the CSV text shows as a caption."""
    key = f"w.opt.{task}.{name}"
    if name == "csv":
        st.caption(md(form.csv_caption(ss[key], columns), 1000))
        return ss[key]
    if (fitted := form.fit_to_columns(name, ss[key], columns)) != ss[key]:
        ss[key] = fitted
    opt = TASKS[task].OPTIONS[name]
    widget, args, kwargs = form.option_widget(name, opt, columns)
    value = getattr(st, widget)(*args, key=key, help=opt.help, disabled=session.busy,
                                persist_state="session", **kwargs)
    return ",".join(value) if isinstance(value, list) else value  # features: a multiselect


def task_options(session: Session, task: str) -> dict:
    """Widgets built from the task's OPTIONS; returns only the values that differ from defaults."""
    for name, kind, what in form.uploads(task, session.hide):
        upload_text(session, task, name, kind, what)
    columns = form.csv_columns(task, ss)
    return form.changed_options(task, {
        name: form.option_value(session.cfg, task, name) if form.option_hidden(name, session.hide)
        else option(session, task, name, columns) for name in TASKS[task].OPTIONS})


def config_form(session: Session) -> RunConfig | None:
    """Every RunConfig option as a widget; the valid config (or None, with the error shown)."""
    ss.update(session.widget_values(ss))  # config -> widgets
    v: dict = {}
    fields(session, v, "cell", "task")
    with st.expander("Task settings", expanded=v["task"] in form.TASKS_WITH_DATA):
        st.caption(TASKS[v["task"]].__doc__.split("\n\n")[0])
        v["task_options"] = task_options(session, v["task"])
    left, right = st.columns(2)
    fields(session, v, "hidden_size", "seq_len", "steps", "recurrent_init", "optimizer", where=left)
    fields(session, v, "num_layers", "batch_size", "lr", "seed", "device", where=right)
    fields(session, v, "spectral_radius", "momentum", "forget_bias", "bidirectional", "dropout")
    fields(session, v, "attention", "teacher_forcing")  # seq2seq tasks only
    norm, mode = st.columns(2) if fields(session, v, "clip_on") and v["clip_on"] else (st, st)
    fields(session, v, "clip_norm", where=norm)
    fields(session, v, "clip_mode", where=mode)
    with st.expander("Recording"):
        fields(session, v, "record_every", "probe_size")
    cfg, error, notes = form.to_config(v, session.limits)  # widgets -> config
    if cfg is None:
        st.error(md(error, 1000))
        return None
    if session.take_form(cfg, notes):
        st.rerun()  # fitting changed a value: the widgets show the config that trains
    for note in notes:  # refitted twice in a row (fit is not idempotent): say so here
        st.info(md(note))
    if vocabulary := getattr(make_task(cfg), "vocab_note", None):  # capped: changes no setting
        st.caption(md(vocabulary, 400))
    return cfg
