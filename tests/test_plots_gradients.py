"""plots of gradients and weights: gradient norms and clipping, gradients through time,
per-parameter gradients, spectral radius and eigenvalues (the `runs` fixture is in conftest.py)."""

import copy
import dataclasses
import math

import numpy as np
import pytest

from rnnviz import analysis, plots
from tests.plot_helpers import annotations, metas, subtitle, trace


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
    assert "σ_max < 1/γ is sufficient for vanishing" in text
    assert "σ_max > 1/γ is necessary for exploding" in text
