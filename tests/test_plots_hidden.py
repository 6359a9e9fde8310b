"""plots.hidden for lessons: Reber's second symbol and inner end marked, units in a chosen order."""

import numpy as np
import pytest

import rnnviz
from rnnviz import plots
from rnnviz.claims import reber_spans
from rnnviz.tasks.reber import SYMBOLS


@pytest.fixture(scope="module")
def reber():
    return rnnviz.train(rnnviz.RunConfig(task="reber", cell="lstm", hidden_size=6, seq_len=40, steps=2,
                                         batch_size=2, record_every=1, probe_size=3, device="cpu"))


@pytest.mark.parametrize("sequence", [0, 1, 2])
def test_reber_heatmaps_mark_the_second_symbol_and_the_inner_end(reber, sequence):
    tokens = reber.probe_tokens[sequence]
    ids = np.array([[SYMBOLS.index(t) for t in tokens]])
    spans = reber_spans(ids)
    assert spans  # a 40-step probe holds at least one whole embedded string
    for fig in (plots.hidden_heatmap_figure(reber, sequence=sequence),
                plots.cell_state_figure(reber, sequence=sequence)):
        lines = [(s.x0, s.line.dash) for s in fig.layout.shapes if s.x0 == s.x1]
        assert lines == [x for _, b, e, _ in spans for x in ((b, "dash"), (e, "dot"))]
        for _, branch, end, _ in spans:
            assert tokens[branch] in "TP" and tokens[end] == "E" and tokens[end + 1] == tokens[branch]
        assert list(fig.layout.xaxis.ticktext) == tokens  # every step labelled


def test_units_in_a_chosen_order_top_down(reber):
    record = reber.records[-1].hidden[-1][0]  # (T, H)
    fig = plots.hidden_heatmap_figure(reber, sequence=0, units=[4, 0, 2])
    heat = fig.data[0]
    np.testing.assert_allclose(heat.z, record.T[[4, 0, 2]])
    assert list(heat.y) == ["4", "0", "2"] and fig.layout.yaxis.autorange == "reversed"


def test_no_marks_for_other_tasks():
    run = rnnviz.train(rnnviz.RunConfig(task="chars", hidden_size=4, seq_len=30, steps=1, batch_size=2,
                                        record_every=1, probe_size=1, device="cpu"))
    fig = plots.hidden_heatmap_figure(run)
    assert not [s for s in fig.layout.shapes if s.x0 == s.x1]
    assert len(fig.layout.xaxis.ticktext) == 30


def test_fewer_time_ticks_where_the_chart_is_narrow_or_the_fonts_big(reber):
    """Every step labelled across a laptop screen; at most half as many labels (every other step)
    on two-up gate heatmaps and in presenter mode, so that the characters never overlap."""
    tokens = reber.probe_tokens[0]
    assert len(plots.hidden_heatmap_figure(reber).layout.xaxis.ticktext) == len(tokens) == 40
    for fig in (plots.hidden_heatmap_figure(reber, presenter=True),
                plots.gate_heatmap_figure(reber, gate="forget"),
                plots.cell_state_figure(reber, presenter=True)):
        axis = fig.layout.xaxis
        assert len(axis.ticktext) <= 24 and list(axis.tickvals) == list(range(0, 40, 2))
        assert list(axis.ticktext) == tokens[::2] and axis.tickangle == 0
