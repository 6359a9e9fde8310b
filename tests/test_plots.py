"""plots: figures of real runs (finished, diverged, stopped, bidirectional, text) carry their data
(gradient and weight figures: test_plots_gradients.py; the `runs` fixture is in conftest.py)."""

import dataclasses
import json

import numpy as np
import plotly.graph_objects as go
import pytest

import rnnviz
from rnnviz import analysis, plots
from rnnviz.plots.style import TRACE_TYPES
from tests.plot_helpers import annotations, metas, subtitle, tiny, trace

FIGURES = {
    "loss": plots.loss_figure, "loss_smooth": lambda r: plots.loss_figure(r, smooth=5),
    "grad_norm": plots.grad_norm_figure, "grad_by_time": plots.grad_by_time_figure,
    "grad_by_time_layers": lambda r: plots.grad_by_time_figure(r, 0, all_layers=True, total=True),
    "grad_heatmap": plots.grad_heatmap_figure, "param_grad": plots.param_grad_figure,
    "spectral": plots.spectral_radius_figure, "eigen": plots.eigenvalue_figure,
    "traj2": plots.trajectory_figure, "traj3": lambda r: plots.trajectory_figure(r, 0, dims=3),
    "traj_record": lambda r: plots.trajectory_figure(r, fit="record"),
    "hidden": plots.hidden_heatmap_figure, "saturation": plots.saturation_figure,
    "gate_hist": plots.gate_histogram_figure, "cell_state": plots.cell_state_figure,
    "gates": lambda r: plots.gate_heatmap_figure(r, gate={"gru": "update"}.get(r.config.cell, "forget")),
    "accuracy": lambda r: plots.metric_figure(r, "accuracy"), "val": plots.val_figure,
    "presenter": lambda r: plots.grad_by_time_figure(r, presenter=True),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_of_every_run_serialises(runs, name):
    for run in runs.values():
        fig = FIGURES[name](run)
        assert json.loads(fig.to_json())  # no NaN/inf crash, valid JSON
        # the house template keeps plotly_white's defaults only for these trace types
        assert {t.type for t in fig.data} <= set(TRACE_TYPES)


def test_loss_figure_carries_the_history_and_the_baseline(runs):
    run = runs["lstm"]
    fig = plots.loss_figure(run)
    np.testing.assert_array_equal(trace(fig, "loss").y, run.history.loss)
    np.testing.assert_array_equal(trace(fig, "loss").x, run.history.step)
    baseline = trace(fig, "baseline")
    assert baseline.name == "best constant prediction" and list(baseline.y) == [run.baseline_loss] * 2
    assert not any("diverged" in text for text in annotations(fig))
    assert fig.layout.yaxis.type != "log"  # the loss of a few steps spans less than two decades
    smooth = plots.loss_figure(run, smooth=3)
    np.testing.assert_allclose(trace(smooth, "loss").y, run.history.loss.rolling(3, min_periods=1).mean())
    np.testing.assert_array_equal(trace(smooth, "raw").y, run.history.loss)


def test_loss_figure_marks_divergence_for_the_diverged_run_only(runs):
    diverged, lstm = runs["diverged"], runs["lstm"]
    fig = plots.loss_figure([lstm, diverged])
    assert len({t.name for t in fig.data if t.meta == "loss"}) == 2 == metas(fig).count("loss")
    texts = [t for t in annotations(fig) if "diverged" in t]
    assert len(texts) == 1 and f"diverged at step {diverged.diverged_step}" in texts[0]
    assert fig.layout.shapes[0].x0 == diverged.diverged_step
    assert fig.layout.yaxis.type == "log"  # the diverged loss climbs by many decades


def test_loss_figure_draws_non_finite_losses_as_gaps_with_a_mark(runs):
    rows = list(runs["lstm"].rows)
    rows[5]["loss"], rows[6]["loss"] = float("inf"), float("nan")
    run = dataclasses.replace(runs["lstm"], rows=rows)
    fig = plots.loss_figure(run)
    assert np.isnan(trace(fig, "loss").y[5:7]).all()
    assert list(trace(fig, "nonfinite").x) == [5, 6]
    json.loads(fig.to_json())


def test_trajectory_figure_is_the_pca_trajectory(runs):
    run = runs["gru2bi"]
    traj = analysis.pca_trajectory(run, 1, layer=0, k=2)
    fig = plots.trajectory_figure(run, 1, sequence=2, layer=0)
    states = trace(fig, "states")
    np.testing.assert_allclose(states.x, traj.points[2, :, 0])
    np.testing.assert_allclose(states.y, traj.points[2, :, 1])
    assert list(states.marker.color) == list(range(run.config.seq_len))
    assert trace(fig, "start").x[0] == traj.points[2, 0, 0]
    assert trace(fig, "end").x[0] == traj.points[2, -1, 0]
    assert "% of variance" in fig.layout.xaxis.title.text and fig.layout.xaxis.range is not None
    fig3 = plots.trajectory_figure(run, dims=3)
    assert isinstance(trace(fig3, "states"), go.Scatter3d) and "PC3" in fig3.layout.scene.zaxis.title.text
    with pytest.raises(ValueError, match="dims"):
        plots.trajectory_figure(run, dims=4)
    with pytest.raises(IndexError, match="sequence"):
        plots.trajectory_figure(run, sequence=99)


def test_hidden_heatmap_is_units_by_time_centred_at_zero(runs):
    run = runs["gru2bi"]
    heat = trace(plots.hidden_heatmap_figure(run, 0, sequence=1, layer=0), "hidden")
    np.testing.assert_allclose(heat.z, run.records[0].hidden[0][1].T)
    assert heat.zmid == 0 and heat.zmin == -heat.zmax
    text = plots.hidden_heatmap_figure(runs["text"], sequence=1)
    ticks, tokens = list(text.layout.xaxis.ticktext), runs["text"].probe_tokens[1]
    assert len(ticks) == len(tokens)
    letters = [c for c in tokens if c.isalpha()]
    assert [t for t, c in zip(ticks, tokens, strict=True) if c.isalpha()] == letters


def test_text_activation_html(runs):
    assert plots.text_activation_html(runs["lstm"], -1, 0) == ""
    run = runs["text"]
    out = plots.text_activation_html(run, -1, 2, sequence=1)
    assert out.count("<span title=") == run.config.seq_len
    values = run.records[-1].hidden[-1][1, :, 2]
    assert f"t=0: {values[0]:.3f}" in out and "linear-gradient" in out
    hostile = dataclasses.replace(run, probe_tokens=[["<", "b", ">", "&", '"', " ", "\n"] + ["x"] * 5] * 4)
    out = plots.text_activation_html(hostile, -1, 0)
    assert "&lt;" in out and "&amp;" in out and "<b>" not in out and "&quot;" in out
    words = dataclasses.replace(run, probe_tokens=[["the", "cat"] + ["."] * 10] * 4)
    assert "the</span> <span" in plots.text_activation_html(words, -1, 0)  # words keep their spaces
    with pytest.raises(IndexError, match="unit"):
        plots.text_activation_html(run, -1, 999)


def test_gate_heatmap_ranges_and_errors(runs):
    run = runs["lstm"]
    forget = trace(plots.gate_heatmap_figure(run, 1, "forget", sequence=3), "forget")
    np.testing.assert_allclose(forget.z, run.records[1].gates[0]["forget"][3].T)
    assert (forget.zmin, forget.zmax) == (0.0, 1.0)
    cell = trace(plots.gate_heatmap_figure(run, gate="cell"), "cell")
    assert (cell.zmin, cell.zmax) == (-1.0, 1.0)
    with pytest.raises(ValueError, match="valid gates are input, forget, cell, output"):
        plots.gate_heatmap_figure(run, gate="update")
    rnn = plots.gate_heatmap_figure(runs["diverged"])
    assert not rnn.data and "no gates" in annotations(rnn)[0]
    bi = trace(plots.gate_heatmap_figure(runs["gru2bi"], gate="new", layer=1), "new")
    assert np.asarray(bi.z).shape == (12, 8)  # both directions' units


def test_saturation_and_cell_state(runs):
    run = runs["lstm"]
    fig = plots.saturation_figure(run)
    frame = analysis.saturation_over_training(run)
    assert metas(fig) == ["input", "forget", "cell", "output"]
    np.testing.assert_allclose(trace(fig, "forget").y, frame[frame.gate == "forget"].share)
    assert metas(plots.saturation_figure(runs["diverged"])) == ["hidden"]
    assert not plots.saturation_figure(runs["seq2"]).data  # a ReLU RNN: nothing saturates
    cell = trace(plots.cell_state_figure(run, 0, sequence=1), "cell_state")
    np.testing.assert_allclose(cell.z, run.records[0].cell_state[0][1].T)
    gru = plots.cell_state_figure(runs["gru2bi"])
    assert not gru.data and "no separate cell state" in annotations(gru)[0]
    hist = plots.gate_histogram_figure(run)
    assert metas(hist) == ["input", "forget", "cell", "output"]
    forget = np.asarray(run.records[-1].gates[-1]["forget"], dtype=np.float64).ravel()
    bar = trace(hist, "forget")
    assert len(bar.y) == 50 and abs(sum(bar.y) - 1) < 1e-9  # shares of every value, binned on the server
    bin_of = np.minimum(((forget + 1) / 0.04).astype(int), 49)  # the bin of each value, as np.histogram
    np.testing.assert_allclose(bar.y, np.bincount(bin_of, minlength=50) / forget.size)


def test_metric_figures_name_metrics_in_words():
    rows = [{"step": s, "loss": 1.0, "grad_norm": 1.0, "grad_norm_clipped": 1.0, "clipped": False,
             "accuracy": 0.5, "negated_accuracy": s / 4} for s in range(5)]
    run = rnnviz.Run(config=rnnviz.RunConfig(task="sentiment"), rows=rows,
                     metric_names=("accuracy", "negated_accuracy"))
    fig = plots.metric_figure(run, "negated_accuracy")
    assert fig.layout.title.text.startswith("Training accuracy on negated sentences")
    assert fig.layout.yaxis.title.text == "share correct"
    assert fig.layout.yaxis.tickformat == ".0%"
    np.testing.assert_allclose(trace(fig, "negated_accuracy").y, [0, 0.25, 0.5, 0.75, 1.0])
    assert plots.metric_label("some_new_metric") == "some new metric"  # unknown names still read


def test_metric_and_val_figures(runs):
    text = runs["text"]
    acc = plots.metric_figure(text, "accuracy")
    np.testing.assert_allclose(trace(acc, "accuracy").y, text.history.accuracy)
    assert acc.layout.yaxis.tickformat == ".0%"
    assert not plots.metric_figure(runs["lstm"], "accuracy").data  # a regression task has none
    val = plots.val_figure([runs["lstm"], text])
    np.testing.assert_allclose(trace(val, "val_loss").y, [r.val_loss for r in runs["lstm"].records])
    assert metas(val).count("baseline") == 2  # two tasks, two different constant predictions
    perplexity = plots.val_figure(text, metric="perplexity")
    np.testing.assert_allclose(trace(perplexity, "val_perplexity").y,
                               [r.val_metrics["perplexity"] for r in text.records])


def test_presenter_mode_and_labels(runs):
    plain = plots.loss_figure(runs["lstm"])
    big = plots.loss_figure(runs["lstm"], presenter=True)
    assert big.layout.font.size > plain.layout.template.layout.font.size >= 14  # the house minimum
    assert plots.scale_fonts(plots.loss_figure(runs["lstm"]), 2.0).layout.font.size == 28
    assert len(set(plots.run_labels([runs["lstm"], runs["lstm"]]))) == 2
    assert plots.run_labels([dataclasses.replace(runs["lstm"], name="my run"), runs["seq2"]])[0] == "my run"
    assert "clip off" in plots.run_labels([runs["lstm"], runs["diverged"]])[1]


def test_empty_inputs_give_a_note_not_an_error(runs):
    fresh = rnnviz.Run(config=tiny())
    for fig in (plots.loss_figure([]), plots.grad_by_time_figure(fresh), plots.trajectory_figure(fresh),
                plots.hidden_heatmap_figure(fresh), plots.val_figure(fresh), plots.param_grad_figure(fresh),
                plots.spectral_radius_figure(fresh), plots.grad_heatmap_figure(fresh)):
        assert annotations(fig) and json.loads(fig.to_json())
    assert plots.text_activation_html(fresh, -1, 0) == ""



def test_loss_figure_draws_the_memory_line_for_adding_only_on_top(runs):
    fig = plots.loss_figure(runs["lstm"])
    memory = trace(fig, "memory")
    assert memory.name == "remembers one number" and list(memory.y) == [1 / 12, 1 / 12]
    assert list(trace(fig, "baseline").y) == [1 / 6, 1 / 6]
    order = metas(fig)
    assert order.index("memory") > order.index("loss") and order.index("baseline") > order.index("loss")
    assert "long memory" in subtitle(fig)
    sine = plots.loss_figure(runs["sine_lstm"])
    assert "memory" not in metas(sine) and "long memory" not in subtitle(sine)


def test_val_figure_uses_the_validation_splits_own_baseline_and_names_unseen_tokens(runs):
    words = runs["words"]
    assert words.val_unseen_share > 0 and words.val_baseline_loss != words.baseline_loss
    fig = plots.val_figure(words)
    assert list(trace(fig, "baseline").y) == [words.val_baseline_loss] * 2
    assert "validation data" in trace(fig, "baseline").name
    assert f"{words.val_unseen_share:.0%} of the validation targets never occur" in subtitle(fig)
    sine = plots.val_figure(runs["sine_lstm"])
    assert "never occur" not in subtitle(sine)
    assert list(trace(sine, "baseline").y) == [runs["sine_lstm"].baseline_loss] * 2  # one distribution
    older = dataclasses.replace(words, val_baseline_loss=float("nan"))  # a file from before the field
    assert list(trace(plots.val_figure(older), "baseline").y) == [words.baseline_loss] * 2


@pytest.mark.parametrize("train_trend", [-1.0, 1.0])
def test_val_figure_says_overfitting_only_when_validation_rises_while_training_falls(runs, train_trend):
    base = runs["sine_lstm"]  # records at steps 0, 10, 20
    rows = [dict(row, loss=1.0 + train_trend * 0.02 * row["step"]) for row in base.rows]
    for val, rises in (([1.0, 0.5, 0.8], True), ([1.0, 0.5, 0.45], False), ([1.0, 0.5, 0.51], False)):
        records = [dataclasses.replace(r, val_loss=v) for r, v in zip(base.records, val, strict=True)]
        fig = plots.val_figure(dataclasses.replace(base, records=records, rows=rows))
        assert ("Overfitting" in subtitle(fig)) == (rises and train_trend < 0), (val, train_trend)
