"""Train: every RunConfig option as a widget, a Train button, live loss and gradient-norm curves."""

import streamlit as st

from rnnviz import plots, ui
from rnnviz.run import Run

HOW_TO_READ = """
**Loss**: the training loss per step; the dashed line is the *baseline*, the loss of the best constant
guess. A model below it has learnt something from the sequence; one stuck on it has not.

**Gradient norm**: the total L2 norm of the gradient before clipping (raw) and after (applied). Spikes
of the raw norm are exploding gradients; with clipping on, the applied norm never exceeds the max
norm. A run whose loss or gradient turns inf/nan has *diverged*: the charts mark the step."""


def show_run(run: Run) -> None:
    st.markdown(f"**{run.name}** — {run.status} · {run.steps_done} steps in {run.elapsed_s:.1f} s on "
                f"{run.device} · steps clipped: {run.history['clipped'].mean():.0%}")
    if run.diverged:
        st.warning(f"This run {run.status}: the gradient exploded and the loss became inf/nan (marked "
                   "on the charts). Turn gradient clipping on, or lower the learning rate, and train again.")
        if run.config.clip_norm is None and st.button("Train again with clipping at 1.0"):
            fixed = run.config.replace(clip_norm=1.0)
            ui.load_config(fixed)
            ui.start_job(fixed)
            st.rerun()
    for name in ui.views(["Loss", "Gradient norm", "Validation", *run.metric_names], "view.train"):
        if name == "Loss":
            ui.plot(plots.loss_figure, run)
        elif name == "Gradient norm":
            ui.plot(plots.grad_norm_figure, run)
        elif name == "Validation":
            ui.plot(plots.val_figure, run)
        else:
            ui.plot(plots.metric_figure, run, name, key=f"metric.{name}")


def body() -> None:
    controls, charts = st.columns([2, 3], gap="large")
    with controls:
        cfg = ui.config_form()
        if st.button("Train", type="primary", icon=":material/play_arrow:", width="stretch", key="train",
                     disabled=cfg is None or ui.busy()):
            ui.start_job(cfg)
            st.rerun()
    ui.sync_url()
    with charts:
        run = ui.ss.store.current_run()
        if ui.busy():
            ui.job_panel(charts=True)
        elif run is not None and run.rows:
            show_run(run)
        else:
            st.info("Choose a cell and a task, then press **Train**. The loss and the gradient norm "
                    "(before and after clipping) draw here, live, as the network learns.")
    ui.how_to_read(ui.ss.cfg.cell, HOW_TO_READ)


ui.frame("Train", body, live_charts=True)
