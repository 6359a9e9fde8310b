"""Train: every RunConfig option as a widget, a Train button, live loss and gradient-norm curves."""

import streamlit as st

from rnnviz import plots
from rnnviz.app import form, ui
from rnnviz.config import CLIP_NORM_ON, RunConfig
from rnnviz.run import Run
from rnnviz.tasks import TASKS


def task_options(task: str) -> dict:
    """Widgets built from the task's OPTIONS; returns only the values that differ from defaults."""
    for name, kind, what in form.uploads(task, ui.ss.hide):
        ui.upload_text(task, name, kind, what)
    columns = form.csv_columns(task, ui.ss)
    return form.changed_options(task, {
        name: form.option_value(ui.ss.cfg, task, name) if form.option_hidden(name, ui.ss.hide)
        else ui.option(task, name, columns) for name in TASKS[task].OPTIONS})


def config_form() -> RunConfig | None:
    """Every RunConfig option as a widget; the valid config (or None, with the error shown)."""
    ui.ss.update(form.widget_state(ui.ss.cfg, ui.ss, pending=ui.ss.pop("pending", False)))
    v: dict = {}
    ui.fields(v, "cell", "task")
    with st.expander("Task settings", expanded=v["task"] in form.TASKS_WITH_DATA):
        st.caption(TASKS[v["task"]].__doc__.split("\n\n")[0])
        v["task_options"] = task_options(v["task"])
    left, right = st.columns(2)
    ui.fields(v, "hidden_size", "seq_len", "steps", "recurrent_init", "optimizer", where=left)
    ui.fields(v, "num_layers", "batch_size", "lr", "seed", "device", where=right)
    ui.fields(v, "spectral_radius", "momentum", "forget_bias", "bidirectional")
    norm, mode = st.columns(2) if ui.fields(v, "clip_on") and v["clip_on"] else (st, st)
    ui.fields(v, "clip_norm", where=norm)
    ui.fields(v, "clip_mode", where=mode)
    with st.expander("Recording"):
        ui.fields(v, "record_every", "probe_size")
    cfg, error, notes = form.to_config(v, ui.LIMITS)
    if cfg is None:
        st.error(error)
        return None
    for note in notes:
        st.info(note)
    if cfg != ui.ss.cfg:
        ui.ss.cfg = cfg
    return cfg


def curves(run: Run, names: list[str], live: bool = False) -> None:
    """The chosen views of a run's training curves (one at a time in presenter mode)."""
    for name in ui.views(names, "view.live" if live else "view.train"):
        key = f"live.{name}" if live else None
        if name == "Loss":
            ui.plot(plots.loss_figure, run, key=key)
        elif name == "Gradient norm":
            ui.plot(plots.grad_norm_figure, run, key=key)
        elif name == "Validation":
            ui.plot(plots.val_figure, run)
        else:
            ui.plot(plots.metric_figure, run, name, key=f"metric.{name}")


def show_run(run: Run) -> None:
    st.markdown(f"**{run.name}** — {run.status} · {run.steps_done} steps in {run.elapsed_s:.1f} s on "
                f"{run.device} · steps clipped: {run.history['clipped'].mean():.0%}")
    if run.diverged:
        st.warning(f"This run {run.status}: the gradient exploded and the loss became inf/nan (marked "
                   "on the charts). Turn gradient clipping on, or lower the learning rate, and train again.")
        if run.config.clip_norm is None and st.button(f"Train again with clipping at {CLIP_NORM_ON}"):
            fixed = run.config.replace(clip_norm=CLIP_NORM_ON)
            ui.load_config(fixed)
            ui.start_job(fixed)
            st.rerun()
    curves(run, ["Loss", "Gradient norm", "Validation", *run.metric_names])


def body() -> None:
    controls, charts = st.columns([2, 3], gap="large")
    with controls:
        cfg = config_form()
        if st.button("Train", type="primary", icon=":material/play_arrow:", width="stretch", key="train",
                     disabled=cfg is None or ui.busy()):
            ui.start_job(cfg)
            st.rerun()
    ui.sync_url()
    with charts:
        run = ui.ss.store.current_run()
        if ui.busy():
            ui.job_panel(lambda live: curves(live, ["Loss", "Gradient norm"], live=True))
        elif run is not None and run.rows:
            show_run(run)
        else:
            st.info("Choose a cell and a task, then press **Train**. The loss and the gradient norm "
                    "(before and after clipping) draw here, live, as the network learns.")
    ui.how_to_read(ui.ss.cfg.cell, "train")


ui.frame("Train", body, live_charts=True)
