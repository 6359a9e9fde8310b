"""Train: every RunConfig option as a widget, a Train button, live loss and gradient-norm curves."""

import streamlit as st

from rnnviz import plots
from rnnviz.app import lesson_panel, samples, ui
from rnnviz.app.escape import md
from rnnviz.app.limits import Limits
from rnnviz.app.widgets import config_form
from rnnviz.config import CLIP_NORM_ON, RunConfig
from rnnviz.cost import estimate
from rnnviz.fit import size_words, time_words
from rnnviz.run import Run


def view_label(name: str) -> str:
    """A view's name in the presenter picker: "Loss" as it is, a metric as the charts call it."""
    label = plots.metric_label(name)
    return label[:1].upper() + label[1:]


def curves(run: Run, names: list[str], live: bool = False) -> None:
    """The chosen views of a run's training curves (one at a time in presenter mode)."""
    for name in ui.views(names, "view.live" if live else "view.train", view_label):
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
    st.markdown(f"**{md(run.name)}** — {md(run.status)} · {run.steps_done} steps in {run.elapsed_s:.1f} s "
                f"on {md(run.device)} · steps clipped: {run.history['clipped'].mean():.0%}")
    if run.diverged:
        st.warning(f"This run {md(run.status)}: the gradient exploded and the loss became inf/nan (marked "
                   "on the charts). Turn gradient clipping on, or lower the learning rate, and train again.")
        if run.config.clip_norm is None and st.button(f"Train again with clipping at {CLIP_NORM_ON}"):
            ui.start_job(run.config.replace(clip_norm=CLIP_NORM_ON), load=True)
            st.rerun()
    curves(run, ["Loss", "Gradient norm", "Validation", *run.metric_names])
    samples.panel(run)
    samples.writer(run)


def live_view(run: Run) -> None:
    """While training: the loss, the gradient norm and, for text, what the network writes."""
    curves(run, ["Loss", "Gradient norm"], live=True)
    samples.panel(run)


def estimate_line(cfg: RunConfig, limits: Limits) -> None:
    """The run's estimated time and memory on this server (its speed measured at start)."""
    cost = estimate(cfg, machine=limits.machine)
    about = "" if cost.total_seconds < 1 else "about "
    text = (f"Estimated on this server: {about}{time_words(cost.total_seconds)} "
            f"({cost.seconds_per_step * 1000:.0f} ms per step) and {size_words(cost.peak_bytes)} of memory.")
    if cost.total_seconds > 60:
        st.warning(text + " Over a minute: fewer steps or a smaller model train faster.")
    else:
        st.caption(text)


def layout(presenter: bool) -> tuple:
    """(action, lesson, charts, controls): where the student looks first holds Train/Stop and the charts.

    Wide screen: Train on top of the controls, the lesson and the charts on the right. Presenter:
    one column, Train and the charts first (above the fold at 1024x768), then the lesson and the
    controls."""
    if presenter:
        action, charts, lesson, controls = (st.container() for _ in range(4))
        return action, lesson, charts.container(key="train-charts"), controls
    controls, right = st.columns([2, 3], gap="large")
    return controls.container(), right.container(), right.container(key="train-charts"), controls.container()


def body() -> None:
    session = ui.session()
    action, lesson, charts, controls = layout(session.presenter)
    with controls:
        cfg = config_form(session)
    with action:  # drawn above the form, filled once the form has made the config
        if st.button("Train", type="primary", icon=":material/play_arrow:", width="stretch", key="train",
                     disabled=cfg is None or session.busy):
            ui.start_job(cfg)
            st.rerun()
        if cfg is not None:
            estimate_line(cfg, session.limits)
    ui.sync_url()
    run = session.store.current_run()
    with lesson:
        lesson_panel.draw(session, run)
    with charts:
        ui.notices()
        if session.busy:
            ui.job_panel(live_view)
        elif run is not None and run.rows:
            show_run(run)
        else:
            st.info("Choose a cell and a task, then press **Train**. The loss and the gradient norm "
                    "(before and after clipping) draw here, live, as the network learns.")
    ui.how_to_read(session.cfg.cell, "train")


ui.frame("Train", body, live_charts=True)
