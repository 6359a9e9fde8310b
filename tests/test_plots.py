"""plots: figures of real runs (finished, diverged, stopped, bidirectional, text) carry their data."""

import copy
import dataclasses
import json
import math
import threading

import numpy as np
import plotly.graph_objects as go
import pytest

import rnnviz
from rnnviz import analysis, plots

TINY = dict(hidden_size=6, seq_len=8, batch_size=8, steps=20, record_every=10, probe_size=4, device="cpu")


def tiny(**changes) -> rnnviz.RunConfig:
    return rnnviz.RunConfig(**(TINY | changes))


@pytest.fixture(scope="module")
def runs() -> dict[str, rnnviz.Run]:
    stop, never = threading.Event(), threading.Event()
    never.set()
    out = {
        "lstm": rnnviz.train(tiny(cell="lstm")),
        "diverged": rnnviz.train(rnnviz.RunConfig(
            cell="rnn_tanh", task="adding", recurrent_init="scaled", spectral_radius=5.0, clip_norm=None,
            lr=0.5, optimizer="sgd", steps=200, device="cpu")),
        "gru2bi": rnnviz.train(tiny(cell="gru", num_layers=2, bidirectional=True)),
        "stopped": rnnviz.train(tiny(cell="lstm", steps=100), on_record=lambda run: stop.set(), stop=stop),
        "single": rnnviz.train(tiny(cell="gru"), stop=never),  # stopped before step 0: one record
        "seq2": rnnviz.train(tiny(cell="rnn_relu", seq_len=2, steps=3)),
        "text": rnnviz.train(tiny(cell="gru", task="chars", seq_len=12, steps=10)),
        "sine_lstm": rnnviz.train(tiny(cell="lstm", task="sine")),
        "value_clip": rnnviz.train(tiny(cell="rnn_tanh", clip_mode="value", clip_norm=0.01)),
        "words": rnnviz.train(tiny(cell="gru", task="words", seq_len=12, steps=10)),
    }
    assert out["diverged"].diverged and out["stopped"].records[-1].param_grad_norm == {}
    assert len(out["single"].records) == 1 and out["single"].history.empty and out["text"].probe_tokens
    return out


def trace(fig: go.Figure, meta: str, nth: int = 0):
    return [t for t in fig.data if t.meta == meta][nth]


def metas(fig: go.Figure) -> list:
    return [t.meta for t in fig.data]


def annotations(fig: go.Figure) -> list[str]:
    return [a.text.replace("<br>", " ") for a in fig.layout.annotations]  # undo line wrapping


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
        assert json.loads(FIGURES[name](run).to_json())  # no NaN/inf crash, valid JSON


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


def test_grad_norm_figure_raw_applied_and_clip_line(runs):
    run = runs["lstm"]
    fig = plots.grad_norm_figure(run)
    np.testing.assert_allclose(trace(fig, "raw").y, run.history.grad_norm)
    np.testing.assert_allclose(trace(fig, "applied").y, run.history.grad_norm_clipped)
    assert list(trace(fig, "clip_norm").y) == [1.0, 1.0] and fig.layout.yaxis.type == "log"
    rows = list(runs["diverged"].rows)  # norms are float64 now: make one inf by hand
    rows[-1]["grad_norm"] = math.inf
    diverged = plots.grad_norm_figure(dataclasses.replace(runs["diverged"], rows=rows))
    assert "clip_norm" not in metas(diverged) and "applied" not in metas(diverged)  # clipping off
    assert list(trace(diverged, "nonfinite").x) == [rows[-1]["step"]]
    assert any("diverged at step" in t for t in annotations(diverged))


def test_grad_by_time_shows_the_records_norms_on_a_log_axis(runs):
    run = runs["lstm"]
    fig = plots.grad_by_time_figure(run)
    expected = run.records[-1].grad_by_time[-1]
    nonzero = expected != 0
    np.testing.assert_allclose(trace(fig, "grad").y[nonzero], expected[nonzero], rtol=1e-6)
    assert list(trace(fig, "grad").x) == list(range(run.config.seq_len))
    assert fig.layout.yaxis.type == "log"
    assert any(analysis.describe_ratio(expected) in t for t in annotations(fig))
    first = plots.grad_by_time_figure(run, record_index=0)
    np.testing.assert_allclose(trace(first, "grad").y, run.records[0].grad_by_time[-1], rtol=1e-6)


def test_grad_by_time_floors_and_marks_underflow_and_overflow(runs):
    # Norms are float64 now, so a real run rarely gives 0 or inf: put both in a copy by hand.
    record = copy.deepcopy(runs["diverged"].records[-1])
    record.grad_by_time[-1][:3], record.grad_by_time[-1][5] = 0.0, np.inf
    run = dataclasses.replace(runs["diverged"], records=[*runs["diverged"].records[:-1], record])
    fig = plots.grad_by_time_figure(run)
    grads = run.records[-1].grad_by_time[-1].astype(float)
    zero, bad = grads == 0, ~np.isfinite(grads)
    under = trace(fig, "underflow")
    assert list(under.x) == list(np.flatnonzero(zero)) and (np.asarray(under.y) > 0).all()
    assert list(trace(fig, "nonfinite").x) == list(np.flatnonzero(bad))
    assert np.isnan(trace(fig, "grad").y[bad]).all()
    floor = trace(fig, "floor")  # the floor line is a legend entry, not a label over the curves
    assert "underflow" in floor.name and set(floor.y) == {float(np.asarray(under.y)[0])}


def test_grad_by_time_all_layers_and_many_runs(runs):
    run = runs["gru2bi"]
    fig = plots.grad_by_time_figure(run, all_layers=True)
    assert metas(fig).count("grad") == 2
    np.testing.assert_allclose(trace(fig, "grad", 0).y, run.records[-1].grad_by_time[0], rtol=1e-6)
    both = plots.grad_by_time_figure([runs["lstm"], run])
    assert sum("gradient at t=0" in t for t in annotations(both)) == 2


def test_grad_heatmap_is_log10_of_the_runs_grad_by_time(runs):
    run = runs["lstm"]
    heat = trace(plots.grad_heatmap_figure(run), "log10_grad")
    np.testing.assert_allclose(heat.z, np.log10(run.grad_by_time), rtol=1e-6)
    assert list(heat.y) == run.record_steps and list(heat.x) == list(range(run.config.seq_len))


def test_param_grad_figure_before_after_and_share_clipped(runs):
    run = runs["lstm"]
    fig = plots.param_grad_figure(run)
    names = list(run.records[0].param_grad_norm)
    assert metas(fig).count("before") == len(names) == metas(fig).count("after")
    before = trace(fig, "before")
    np.testing.assert_allclose(before.y, [r.param_grad_norm[names[0]] for r in run.records], rtol=1e-6)
    assert f"{run.history.clipped.mean():.0%}" in fig.layout.title.subtitle.text
    stopped = plots.param_grad_figure(runs["stopped"])  # the final record has no gradients
    assert list(trace(stopped, "before").x) == [r.step for r in runs["stopped"].records[:-1]]
    assert "after" not in metas(plots.param_grad_figure(runs["diverged"]))


def test_spectral_radius_and_eigenvalues(runs):
    run = runs["gru2bi"]
    fig = plots.spectral_radius_figure(run)
    keys = list(run.records[0].spectral_radius)
    assert len(keys) == 12 and all(k in metas(fig) for k in keys)
    np.testing.assert_allclose(trace(fig, keys[0]).y, [r.spectral_radius[keys[0]] for r in run.records])
    assert list(trace(fig, "unit").y) == [1.0, 1.0]
    eig = plots.eigenvalue_figure(run, 0)
    lam = run.records[0].eigenvalues[keys[3]]
    np.testing.assert_allclose(trace(eig, keys[3]).x + 1j * trace(eig, keys[3]).y, lam)
    assert eig.layout.yaxis.scaleanchor == "x"
    assert metas(plots.eigenvalue_figure(run, key=keys[1])) == ["unit_circle", keys[1]]
    with pytest.raises(ValueError, match="valid keys"):
        plots.eigenvalue_figure(run, key="weight_hh_l9")


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


def subtitle(fig: go.Figure) -> str:
    return fig.layout.title.subtitle.text.replace("<br>", " ")


def test_grad_by_time_shows_the_loss_trained_by_default_and_the_last_step_as_an_option(runs):
    sine = runs["sine_lstm"]  # a target at every step: two different losses
    record = sine.records[-1]
    trained, last = plots.grad_by_time_figure(sine), plots.grad_by_time_figure(sine, total=False)
    np.testing.assert_allclose(trace(trained, "grad").y, record.grad_by_time_total[-1], rtol=1e-12)
    np.testing.assert_allclose(trace(trained, "cell_grad").y, record.cell_grad_by_time_total[-1], rtol=1e-12)
    np.testing.assert_allclose(trace(last, "grad").y, record.grad_by_time[-1], rtol=1e-12)
    np.testing.assert_allclose(trace(last, "cell_grad").y, record.cell_grad_by_time[-1], rtol=1e-12)
    assert "loss trained" in subtitle(trained) and "almost no learning signal" not in subtitle(trained)
    assert "last step's loss only" in subtitle(last) and "loss trained" not in subtitle(last)
    assert "‖∂L_T/∂h_t‖" in last.layout.yaxis.title.text and "trained" in trained.layout.yaxis.title.text
    adding = runs["lstm"]  # one target per sequence: one loss, both views the same, and the claim holds
    one, other = plots.grad_by_time_figure(adding), plots.grad_by_time_figure(adding, total=False)
    np.testing.assert_array_equal(trace(one, "grad").y, trace(other, "grad").y)
    assert subtitle(one) == subtitle(other) and "almost no learning signal" in subtitle(one)
    assert "cell_grad" not in metas(plots.grad_by_time_figure(runs["gru2bi"]))
    assert "cell_grad" not in metas(plots.grad_by_time_figure(sine, cell_state=False))
    heat = trace(plots.grad_heatmap_figure(sine), "log10_grad")
    np.testing.assert_allclose(heat.z, np.log10([r.grad_by_time_total[-1] for r in sine.records]))
    heat_last = trace(plots.grad_heatmap_figure(sine, total=False), "log10_grad")
    np.testing.assert_allclose(heat_last.z, np.log10(sine.grad_by_time))


def test_grad_by_time_ratio_notes_sit_under_the_plot_and_name_the_cell_state(runs):
    sine = runs["sine_lstm"]
    fig = plots.grad_by_time_figure([sine, runs["gru2bi"]])
    notes = [a for a in fig.layout.annotations if a.name == "ratio"]
    assert len(notes) == 2
    for a in notes:  # below the x axis (paper y=0, shifted down), never over a curve
        assert a.y == 0 and a.yanchor == "top" and a.yshift < 0 and a.xref == a.yref == "paper"
    cells = sine.records[-1].cell_grad_by_time_total[-1]
    assert analysis.describe_ratio(cells) in notes[0].text.replace("<br>", " ")
    assert "cell state" not in notes[1].text
    assert fig.layout.margin.b > 60  # room made for them


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


def test_grad_norm_figure_says_what_each_clip_mode_bounds(runs):
    value = runs["value_clip"]
    fig = plots.grad_norm_figure(value)
    assert "clip_norm" not in metas(fig) and "applied" in metas(fig)  # no max-norm line in value mode
    assert "each gradient element" in subtitle(fig) and "never goes above" not in subtitle(fig)
    applied = value.history.grad_norm_clipped.to_numpy()
    assert (applied > value.config.clip_norm).any()  # why: the applied norm is above the clip value
    norm = plots.grad_norm_figure(runs["lstm"])
    assert "never goes above" in subtitle(norm) and "each gradient element" not in subtitle(norm)
    assert metas(norm)[-1] == "clip_norm"  # drawn last: on top
    assert (runs["lstm"].history.grad_norm_clipped <= 1.0 + 1e-6).all()


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


def test_param_grad_marks_identical_series_and_keys_the_dashes(runs):
    fig = plots.param_grad_figure(runs["lstm"])
    twin = next(t for t in fig.data if t.meta == "before" and "bias_hh" in t.name)
    assert twin.name == "bias_hh_l0 (= bias_ih_l0)" and twin.line.dash == "dot"
    notes = [a.text for a in fig.layout.annotations if a.name == "identical"]
    assert len(notes) == 1 and "bias_hh_l0 equals bias_ih_l0" in notes[0]
    assert trace(fig, "dash_key").line.dash == "dash"
    gru = plots.param_grad_figure(runs["gru2bi"])  # a GRU's reset gate scales bias_hh: no twins
    assert not [t for t in gru.data if "(= " in (t.name or "")]
    assert "dash_key" not in metas(plots.param_grad_figure(runs["diverged"]))  # clipping off: no dashes


def test_spectral_radius_figure_says_what_rho_does_and_does_not_imply(runs):
    text = subtitle(plots.spectral_radius_figure(runs["gru2bi"]))
    assert "σ_max" in text and "does not bound one step" in text and "ρ ≈ 0.6" in text
