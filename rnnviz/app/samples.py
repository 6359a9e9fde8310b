"""Text runs on the Train page: what the network wrote at each record (the char-RNN progression),
and "Write with this model": a prompt, a length, a temperature or greedy, and the text it writes."""

from __future__ import annotations

import streamlit as st

from rnnviz.app.escape import md, problem
from rnnviz.generate import MAX_LENGTH, TEMPERATURE_RANGE, record_prompt, sample
from rnnviz.run import Run
from rnnviz.tasks import make_task

SHOWN = 5  # records in the panel: step 0 and the latest ones (a projector shows five lines)


def panel(run: Run) -> None:
    """What the network wrote from the same prompt at step 0 and at the latest records."""
    written = [(r.step, r.sample) for r in run.records if r.sample is not None]
    if not written:
        return
    shown = written if len(written) <= SHOWN else [written[0], *written[-(SHOWN - 1):]]
    with st.container(key="samples"):
        st.markdown("**What the network writes** — from the same start, at temperature 0.8, as it trains:")
        rows = [f"step {step:>6} │ {' '.join(text.split())}" for step, text in shown]  # one line each
        st.code("\n".join(rows), language=None, wrap_lines=True)


def writer(run: Run) -> None:
    """A prompt, length, temperature (or greedy) and weights to write with; the text it writes."""
    if not any(r.sample is not None for r in run.records) or run.weights is None:
        return
    task = make_task(run.config)
    low, high = TEMPERATURE_RANGE
    kept = [i for i, r in enumerate(run.records) if r.weights is not None]
    st.markdown("**Write with this model** — your start, its next characters (or words):")
    with st.form(key="write"):
        prompt = st.text_input("Start from", key="write.prompt", value="".join(
            task.vocab[i] + (" " if task.input_tokens else "") for i in record_prompt(task)),
            max_chars=2000, help="Only characters (or words) the model saw in its text.")
        left, right = st.columns(2)
        unit = "words" if task.input_tokens else "characters"
        length = left.number_input(f"Length ({unit})", 1, MAX_LENGTH, 200 if unit == "characters" else 40)
        greedy = right.toggle("Greedy (always the most likely)", value=False)
        temperature = st.slider("Temperature", low, high, 0.8, 0.05, disabled=False,
                                help="Low: cautious and repetitive. High: surprising, then noise. "
                                     "Ignored when greedy is on.")
        record = st.select_slider("Weights", [*kept, None], value=None,
                                  format_func=lambda i: "final" if i is None else
                                  f"step {run.records[i].step}") if kept else None
        if not st.form_submit_button("Write", icon=":material/edit:", key="write.go"):
            return
    try:
        text = sample(run, prompt, int(length), None if greedy else float(temperature), record=record)
    except ValueError as err:
        st.error(md(problem(err, 400)))
        return
    st.code(prompt + text, language=None, wrap_lines=True)
