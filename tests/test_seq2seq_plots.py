"""The Attention page's figures: their data are the run's numbers; runs without them say so."""

import numpy as np
import pytest

import rnnviz
from rnnviz import plots
from rnnviz.seq2seq_view import side

TINY = dict(cell="gru", hidden_size=6, seq_len=5, steps=4, record_every=2, probe_size=3, batch_size=8)


@pytest.fixture(scope="module")
def pair():
    return [rnnviz.train(rnnviz.RunConfig(task="reverse", attention=a, **TINY)) for a in ("dot", "none")]


def test_attention_figure_shows_the_recorded_weights_with_tokens(pair):
    run = pair[0]
    fig = plots.attention_figure(run, record_index=1, sequence=2)
    (heatmap,) = fig.data
    np.testing.assert_array_equal(heatmap.z, run.records[1].attention[2])
    inputs = [f"{j}: {t}" for j, t in enumerate(run.probe_tokens[2])]
    assert list(fig.layout.xaxis.ticktext) == inputs
    targets = [run.output_vocab[i] for i in run.probe_targets[2]]
    assert [t.split(" ")[1] for t in fig.layout.yaxis.ticktext] == targets
    assert "step 2" in fig.layout.title.text


def test_attention_figure_without_attention_says_so(pair):
    fig = plots.attention_figure(pair[1])
    assert not fig.data and "no attention" in fig.layout.annotations[0].text
    with pytest.raises(IndexError, match="record_index"):
        plots.attention_figure(pair[0], record_index=10)


@pytest.mark.parametrize("metric", ["accuracy", "sequence_accuracy"])
def test_length_figure_has_one_line_per_run(pair, metric):
    fig = plots.length_accuracy_figure(pair, metric=metric)
    assert [t.name.rsplit(": ", 1)[1] for t in fig.data] == ["dot", "none"]
    for trace, run in zip(fig.data, pair, strict=True):
        np.testing.assert_array_equal(trace.x, run.length_accuracy.lengths)
        np.testing.assert_array_equal(trace.y, getattr(run.length_accuracy, metric))
    with pytest.raises(ValueError, match="^metric: "):
        plots.length_accuracy_figure(pair, metric="bleu")


def test_length_figure_for_other_runs_says_so():
    run = rnnviz.train(rnnviz.RunConfig(task="copy", hidden_size=4, seq_len=12, steps=2))
    fig = plots.length_accuracy_figure(run)
    assert not fig.data and "No accuracy by length" in fig.layout.annotations[0].text


def test_decoder_side_feeds_the_single_stack_views(pair):
    run = pair[0]
    decoder = side(run, "decoder")
    assert side(run, "encoder") is run
    record = decoder.records[-1]
    assert record.hidden[0] is run.records[-1].decoder_hidden[0]
    assert record.grad_by_time is run.records[-1].decoder_grad_by_time
    assert decoder.probe_tokens == [[run.output_vocab[i] for i in row] for row in run.probe_targets]
    for fig in (plots.hidden_heatmap_figure(decoder), plots.trajectory_figure(decoder),
                plots.gate_heatmap_figure(decoder, gate="update"), plots.grad_by_time_figure(decoder),
                plots.spectral_radius_figure(decoder), plots.eigenvalue_figure(decoder),
                plots.param_grad_figure(decoder)):
        assert fig.layout.title.text
    with pytest.raises(ValueError, match="^side: only a seq2seq run"):
        side(rnnviz.train(rnnviz.RunConfig(task="copy", hidden_size=4, seq_len=12, steps=2)), "decoder")
    with pytest.raises(ValueError, match="^side: must be encoder or decoder"):
        side(run, "both")
