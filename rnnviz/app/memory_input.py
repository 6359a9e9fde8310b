"""Memory page: which weights (a record that kept them) and which input (a probe sequence or the
student's own), as widgets; the parsed input or a clear message."""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st
import torch

from rnnviz.app import escape
from rnnviz.own_input import MAX_STEPS, OwnInput, example, input_kind, parse_input, symbols
from rnnviz.run import Run
from rnnviz.tasks import Task

PROBE, OWN = "Probe sequence", "Your own input"
HOW = {"text": "Type a text", "tokens": "Type the symbols ({symbols})",
       "numbers": "Edit the numbers (one row per time step; add or delete rows)"}


class Picked(NamedTuple):
    record: int        # index into run.records
    own: OwnInput      # the input, parsed (a probe sequence goes through the same parser)
    label: str         # what the views are computed on, in words


def kept(run: Run) -> list[int]:
    """Records whose weights the run kept."""
    return [i for i, r in enumerate(run.records) if r.weights is not None]


def no_weights(run: Run) -> None:
    st.warning(f"**{escape.md(run.name)}** kept no weights (a run file from before rnnviz kept them, or "
               "a run that diverged), so its memory map and cell inspector cannot be computed. Train it "
               "again to look inside it here.", icon=":material/warning:")


def pick_record(run: Run, records: list[int]) -> int:
    steps = run.record_steps
    if len(records) == 1:
        st.caption(f"Weights at step {steps[records[0]]} (the only record whose weights this run kept).")
        return records[0]
    return st.select_slider("Training step (slide to watch the memory form)", records, value=records[-1],
                            format_func=lambda i: f"step {steps[i]}", key=f"mem.rec.{run.name}")


def _own(run: Run, task: Task, kind: str) -> OwnInput | None:
    start = example(run, task)
    key = f"mem.own.{run.name}"
    if kind == "numbers":
        table = st.data_editor(start, num_rows="dynamic", key=key, width="stretch", height=240)
        value = table
    else:
        names = " ".join(symbols(task)) if kind == "tokens" else ""
        value = st.text_area(HOW[kind].format(symbols=names), start, key=key, max_chars=4 * MAX_STEPS,
                             help=f"At most {MAX_STEPS} steps; the model reads it with the chosen weights.")
    try:
        own = parse_input(task, value)
    except ValueError as err:
        st.error(escape.md(str(err)), icon=":material/error:")
        return None
    for text in own.notes:
        st.caption(escape.md(text))
    return own


def pick(run: Run, task: Task) -> Picked | None:
    """The record slider and the input picker; None (a message shown) when there is nothing to compute."""
    records = kept(run)
    if not records:
        no_weights(run)
        return None
    record = pick_record(run, records)
    kind = input_kind(task)
    left, right = st.columns([1, 2])
    source = left.segmented_control("Input", [PROBE, OWN], default=PROBE, required=True,
                                    key=f"mem.source.{run.name}")
    if source == PROBE:
        count = len(run.probe_inputs) if run.probe_inputs is not None else 0
        sequence = int(right.number_input("Probe sequence", 0, max(count - 1, 0), 0,
                                          key=f"mem.seq.{run.name}"))
        tokens = run.probe_tokens[sequence] if run.probe_tokens else None
        own = OwnInput(torch.as_tensor(run.probe_inputs[sequence])[None], tokens, [])
        return Picked(record, own, f"probe sequence {sequence}")
    with right:
        own = _own(run, task, kind)
    return None if own is None else Picked(record, own, "your own input")

