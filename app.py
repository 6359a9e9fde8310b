"""rnnviz: see inside RNNs, LSTMs and GRUs while they learn. `streamlit run app.py`.

Classic multipage: this file is Home, pages/*.py the others; each calls ui.frame (see README)."""

import platform

import numpy as np
import plotly
import streamlit as st
import torch

from rnnviz.app import ui
from rnnviz.app.lesson_panel import lesson_markdown
from rnnviz.cells import CELLS
from rnnviz.presets import PRESETS


def home() -> None:
    st.markdown(
        "Pick a cell (vanilla RNN, LSTM, GRU) and a sequence task, press **Train**, and watch — live — "
        "the loss, the hidden-state trajectory, the gates opening and closing, and the gradient "
        "flowing back through time: vanishing in a vanilla RNN on a long sequence, exploding when "
        "the recurrent weights are too large, tamed by the clipping toggle.")
    st.subheader("Start from a lesson")
    presets = list(PRESETS.values())
    for i, preset in enumerate(presets):
        if i % 3 == 0:
            columns = st.columns(3)
        with columns[i % 3].container(border=True, height="stretch"):
            st.markdown(f"**{preset.title}**")
            st.markdown(lesson_markdown(preset.lesson))
            cfg = preset.config
            st.caption(f"{CELLS[cfg.cell].display_name} · {cfg.task} · hidden {cfg.hidden_size} · "
                       f"{cfg.steps} steps · clipping {'off' if cfg.clip_norm is None else cfg.clip_norm}")
            if st.button("Open in Train", key=f"preset.{preset.name}", icon=":material/play_arrow:",
                         disabled=ui.busy()):
                ui.load_config(cfg, preset.name)
                st.switch_page("pages/train.py")
    st.subheader("This machine")
    device = f"GPU ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "CPU"
    st.markdown(f"Training runs on **{device}** · {torch.get_num_threads()} torch thread(s) per "
                f"trainer · at most {ui.job_slots()} trainings at once.")
    st.caption(f"Python {platform.python_version()} · torch {torch.__version__} · streamlit "
               f"{st.__version__} · numpy {np.__version__} · plotly {plotly.__version__}")


ui.frame("rnnviz — see inside recurrent networks", home)
