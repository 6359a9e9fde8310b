"""The Memory page's body: the memory map, the cell inspector, and hidden states, gates and (text)
next-token guesses, all on a probe sequence or the student's own input, with a chosen record's weights
(an encoder-decoder: its memory map, decoder step x encoder step, and the encoder's cell inspector)."""

from __future__ import annotations

import streamlit as st

from rnnviz import plots
from rnnviz.app import memory_input, ui
from rnnviz.app.memory_inspector import inspector
from rnnviz.memory_map import memory_map
from rnnviz.own_input import next_probabilities, run_on_input
from rnnviz.plots.memory_map import memory_map_figure
from rnnviz.plots.next_token import next_token_figure
from rnnviz.run import Run
from rnnviz.tasks import Seq2SeqTask, make_task
from rnnviz.tasks.text import TextTask
from rnnviz.weights import model_at

MAP, INSPECTOR, HIDDEN, GATES, NEXT = "Memory map", "Cell inspector", "Hidden states", "Gates", "Next token"
ENCODER_INSPECTOR = "Cell inspector (encoder)"


def layer_picker(run: Run) -> int:
    """The layer the inspector (and the state views) follow: the last one unless picked."""
    if run.config.num_layers == 1:
        return -1
    layers = list(range(run.config.num_layers))
    return st.selectbox("Layer (cell inspector, hidden states, gates)", layers, index=layers[-1],
                        key=f"mem.layer.{run.name}")


def body() -> None:
    run = ui.current_run()
    task = make_task(run.config)
    if task.kind == "seq2seq":
        encoder_decoder(run, task)
        return
    picked = memory_input.pick(run, task)
    if picked is None:
        ui.how_to_read(run.config.cell, "memory")
        return
    model = model_at(run, picked.record)
    x, tokens = picked.own.x, picked.own.tokens
    step = run.records[picked.record].step
    layer = layer_picker(run)
    names = [MAP, INSPECTOR, HIDDEN] + ([GATES] if run.records[0].gates and run.records[0].gates[0] else [])
    names += [NEXT] if isinstance(task, TextTask) else []
    mine = run_on_input(run, picked.record, model, task, picked.own)
    for name in ui.views(names, "view.memory"):
        if name == MAP:
            marks = [int(s) for s in x[0, :, 1].nonzero()] if task.name == "adding" else None
            ui.plot(memory_map_figure, memory_map(model, task, x), tokens, step, marks, key="mem.map")
        elif name == INSPECTOR:
            inspector(run, picked.record, model, x, tokens, layer)
        elif name == HIDDEN:
            ui.plot(plots.hidden_heatmap_figure, mine, record_index=0, layer=layer, key="mem.hidden")
        elif name == GATES:
            cols = st.columns(1 if ui.session().presenter else 2)  # a projector: one wide chart each
            for i, gate in enumerate(mine.records[0].gates[layer]):
                with cols[i % len(cols)]:
                    ui.plot(plots.gate_heatmap_figure, mine, record_index=0, gate=gate, layer=layer,
                            key=f"mem.gate.{gate}")
        else:
            ui.plot(next_token_figure, next_probabilities(model, picked.own), task.vocab, tokens, step=step,
                    key="mem.next")
    ui.how_to_read(run.config.cell, "memory")


def encoder_decoder(run: Run, task: Seq2SeqTask) -> None:
    """An encoder-decoder run: its memory map, decoder step x encoder step, and the cell inspector
    on the encoder (the stack its records look at)."""
    picked = memory_input.pick(run, task)
    if picked is not None:
        model = model_at(run, picked.record)
        layer = layer_picker(run)
        for name in ui.views([MAP, ENCODER_INSPECTOR], "view.memory"):
            if name == MAP:
                mm = memory_map(model, task, picked.own.x)
                written = [task.output_vocab[int(i)] for i in mm.written]
                ui.plot(memory_map_figure, mm, picked.own.tokens, run.records[picked.record].step, None,
                        written=written, key="mem.map")
            else:
                inspector(run, picked.record, model, picked.own.x, picked.own.tokens, layer)
    st.caption("The cell inspector follows the encoder, whose states the records keep. Where the decoder "
               "looks is on the Attention page; the Hidden states and Gates pages show both sides.")
    st.page_link("pages/attention.py", label="Open Attention", icon=":material/visibility:")
    ui.how_to_read(run.config.cell, "memory")
