"""The Memory page's figures draw the library's numbers: the map, the equations, the chain, the
next-token heatmap; and the memory-map claim measures what the map shows."""

import math

import numpy as np
import pytest
import torch

from rnnviz import RunConfig, train
from rnnviz.inspector import chain, inspect_step, local_jacobians
from rnnviz.memory_claims import first_marker_share
from rnnviz.memory_map import memory_map, reach
from rnnviz.model import build_model
from rnnviz.own_input import next_probabilities, parse_input
from rnnviz.plots.inspector import equations_with_numbers, jacobian_chain_figure
from rnnviz.plots.memory_map import DECADES, memory_map_figure
from rnnviz.plots.next_token import next_token_figure
from rnnviz.tasks import make_task


def model_and_task(cell: str, task: str):
    cfg = RunConfig(cell=cell, task=task, hidden_size=6, seq_len=10)
    task_ = make_task(cfg)
    return build_model(cfg, task_, torch.Generator().manual_seed(0)).eval(), task_


def test_the_map_figure_draws_the_map():
    model, task = model_and_task("lstm", "chars")
    own = parse_input(task, "hello world")
    mm = memory_map(model, task, own.x)
    fig = memory_map_figure(mm, own.tokens, step=5)
    heat = next(t for t in fig.data if t.meta == "map")
    want = np.log10(np.clip(mm.normalised, 10.0 ** -DECADES, None))
    np.testing.assert_allclose(np.nan_to_num(np.array(heat.z, dtype=float), nan=-99),
                               np.where(mm.normalised > 0, want, -99))
    assert f"{int(np.median(reach(mm)))} steps back" in fig.layout.title.subtitle.text.replace("<br>", " ")
    assert (reach(mm) <= mm.rows).all()


def test_a_many_to_one_map_is_a_curve_with_its_marks():
    model, task = model_and_task("rnn_tanh", "adding")
    x, _ = task.batch(1, torch.Generator().manual_seed(0))
    mm = memory_map(model, task, x)
    fig = memory_map_figure(mm, marks=[1, 7])
    row = next(t for t in fig.data if t.meta == "row")
    np.testing.assert_allclose(row.y, np.clip(mm.normalised[0], 10.0 ** -DECADES, None), rtol=1e-12)
    assert any(t.meta == "marks" for t in fig.data) and len(fig.layout.shapes) >= 3


@pytest.mark.parametrize("cell", ["rnn_relu", "lstm", "gru"])
def test_equations_carry_the_step_numbers_and_the_chain_figure_its_norms(cell):
    model, task = model_and_task(cell, "sine")
    x, _ = task.batch(1, torch.Generator().manual_seed(1))
    ins = inspect_step(model, x, 4, 1)
    lines = equations_with_numbers(ins)
    assert len(lines) == len(ins.gates) + {"lstm": 2, "gru": 1}.get(cell, 0)
    assert f"{ins.h_t[1]:.3g}".replace("e", r"\mathrm{e}") in lines[-1]
    ch = chain(local_jacobians(model, x), end=6)
    fig = jacobian_chain_figure(ch, cell, sigma=1.5)
    np.testing.assert_allclose(next(t for t in fig.data if t.meta == "product").y, ch.product)
    np.testing.assert_allclose(next(t for t in fig.data if t.meta == "local").y, ch.local[6:0:-1])
    np.testing.assert_allclose(next(t for t in fig.data if t.meta == "bound").y, 1.5 ** np.arange(7))


def test_next_token_figure_keeps_the_most_likely_tokens():
    model, task = model_and_task("gru", "chars")
    own = parse_input(task, "the")
    probs = next_probabilities(model, own)
    fig = next_token_figure(probs, task.vocab, own.tokens, top=5)
    z = np.array(fig.data[0].z)
    assert z.shape == (5, 3) and np.isclose(z.max(), probs.max())


def test_the_memory_claim_measures_adding_runs_only():
    cfg = RunConfig(cell="lstm", task="adding", hidden_size=6, seq_len=12, steps=3, batch_size=4)
    share = first_marker_share(train(cfg))
    assert 0 < share <= 1
    assert math.isnan(first_marker_share(train(cfg.replace(task="sine"))))


def test_the_seq2seq_map_figure_labels_decoder_rows_with_what_was_written():
    model, task = model_and_task("gru", "sort")
    own = parse_input(task, "3 1 4 1 5")
    mm = memory_map(model, task, own.x)
    written = [task.output_vocab[int(i)] for i in mm.written]
    fig = memory_map_figure(mm, own.tokens, step=40, written=written)
    heat = fig.data[0]
    np.testing.assert_allclose(heat.z, np.where(mm.normalised > 0, np.log10(
        np.clip(mm.normalised, 10.0 ** -DECADES, None)), np.nan))
    assert list(fig.layout.yaxis.ticktext) == [f"{t}: {w}" for t, w in enumerate(written)]
    assert list(fig.layout.xaxis.ticktext) == own.tokens
    assert fig.layout.xaxis.title.text == "input s (time →)" and "step 40" in fig.layout.title.text
