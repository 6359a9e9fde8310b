"""analysis: PCA, saturation, log floors and smoothing against answers known by construction."""

import numpy as np
import pandas as pd
import pytest

import rnnviz
from rnnviz import analysis

TINY = dict(hidden_size=6, seq_len=8, batch_size=8, steps=20, record_every=10, probe_size=4, device="cpu")


@pytest.fixture(scope="module")
def lstm_run():
    return rnnviz.train(rnnviz.RunConfig(cell="lstm", task="adding", **TINY))


def test_pca_of_points_on_a_line_finds_the_line():
    t = np.linspace(-2, 3, 40)
    direction = np.array([3.0, 4.0, 0.0]) / 5
    points = np.outer(t, direction) + np.array([1.0, -1.0, 7.0])
    projected, explained, components = analysis.pca(points, 2)
    assert projected.shape == (40, 2) and explained.shape == (2,) and components.shape == (2, 3)
    assert explained[0] == pytest.approx(1.0)
    assert explained[1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.abs(components[0]), np.abs(direction), atol=1e-9)
    np.testing.assert_allclose(projected[:, 0], (t - t.mean()) * np.sign(components[0] @ direction))
    np.testing.assert_allclose(projected[:, 1], 0, atol=1e-9)


def test_pca_agrees_with_numpy_svd_on_random_data():
    x = np.random.default_rng(0).normal(size=(200, 5)) * np.array([5, 3, 2, 1, 0.5])
    _, explained, components = analysis.pca(x, 3)
    _, s, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    np.testing.assert_allclose(explained, (s**2 / (s**2).sum())[:3], rtol=1e-9)
    np.testing.assert_allclose(np.abs(components), np.abs(vt[:3]), atol=1e-9)
    assert (np.abs(components).max(axis=1) == components.max(axis=1)).all()  # fixed sign


def test_pca_pads_with_zeros_when_there_are_fewer_dimensions_or_points_than_k():
    projected, explained, components = analysis.pca(np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 4.0]]), 3)
    assert projected.shape == (3, 3) and components.shape == (3, 2)
    np.testing.assert_array_equal(projected[:, 2], 0)
    np.testing.assert_array_equal(explained[2], 0)
    one, explained, _ = analysis.pca(np.ones((1, 4)), 2)
    np.testing.assert_array_equal(one, np.zeros((1, 2)))
    np.testing.assert_array_equal(explained, 0)


def test_pca_of_constant_points_is_zero_without_warnings():
    with np.errstate(all="raise"):
        projected, explained, _ = analysis.pca(np.full((10, 3), 2.5), 2)
    np.testing.assert_array_equal(projected, 0)
    np.testing.assert_array_equal(explained, 0)


def test_pca_skips_non_finite_rows_in_the_fit_and_returns_them_as_nan():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [np.inf, 1.0], [np.nan, 0.0]])
    projected, explained, _ = analysis.pca(x, 1)
    assert explained[0] == pytest.approx(1.0)
    np.testing.assert_allclose(projected[:3, 0], [-1, 0, 1])
    assert np.isnan(projected[3:]).all()
    with pytest.raises(ValueError, match="k"):
        analysis.pca(x, 0)


def test_pca_trajectory_axes_are_fixed_over_records(lstm_run):
    first = analysis.pca_trajectory(lstm_run, 0, k=2)
    last = analysis.pca_trajectory(lstm_run, -1, k=2)
    np.testing.assert_array_equal(first.components, last.components)
    assert first.points.shape == (4, 8, 2) and first.step == 0 and last.step == 20
    pooled = np.concatenate([r.hidden[-1].reshape(-1, 6) for r in lstm_run.records])
    _, _, components = analysis.pca(pooled, 2)
    np.testing.assert_allclose(last.components, components)
    centred = lstm_run.records[-1].hidden[-1].reshape(-1, 6) - pooled.mean(0)
    np.testing.assert_allclose(last.points.reshape(-1, 2), centred @ components.T, atol=1e-6)


def test_pca_trajectory_fit_on_one_record(lstm_run):
    traj = analysis.pca_trajectory(lstm_run, 1, k=3, fit="record")
    projected, explained, _ = analysis.pca(lstm_run.records[1].hidden[-1].reshape(-1, 6), 3)
    np.testing.assert_allclose(traj.points.reshape(-1, 3), projected, atol=1e-9)
    np.testing.assert_allclose(traj.explained, explained)
    with pytest.raises(ValueError, match="fit"):
        analysis.pca_trajectory(lstm_run, fit="some")
    with pytest.raises(IndexError, match="3 record"):
        analysis.pca_trajectory(lstm_run, 3)


def test_saturation_of_a_known_array():
    assert analysis.saturation(np.array([0.05, 0.5, 0.95, 0.2])) == 0.5
    assert analysis.saturation(np.array([[0.0, 1.0], [0.1, 0.9]])) == 0.5  # thresholds are strict
    assert analysis.saturation(np.array([0.3, 0.4, np.nan])) == 0.0  # nan is not counted
    assert analysis.saturation(np.array([0.3, 0.6]), low=0.35, high=0.5) == 1.0
    assert np.isnan(analysis.saturation(np.array([np.nan])))


def test_saturation_over_training_per_record_and_gate(lstm_run):
    frame = analysis.saturation_over_training(lstm_run)
    assert list(frame.columns) == ["step", "gate", "share"]
    assert len(frame) == 3 * 4
    assert set(frame.gate) == {"input", "forget", "cell", "output"}
    last = lstm_run.records[-1].gates[-1]
    row = frame[(frame.step == 20) & (frame.gate == "forget")].share.item()
    assert row == analysis.saturation(last["forget"])
    cell = frame[(frame.step == 20) & (frame.gate == "cell")].share.item()
    assert cell == np.mean(np.abs(last["cell"]) > 0.8)  # tanh values read on (v + 1) / 2


def test_saturation_of_rnns_looks_at_a_tanh_hidden_state_only():
    tanh = rnnviz.train(rnnviz.RunConfig(cell="rnn_tanh", task="adding", **(TINY | {"steps": 5})))
    frame = analysis.saturation_over_training(tanh)
    assert set(frame.gate) == {"hidden"} and len(frame) == 2
    relu = rnnviz.train(rnnviz.RunConfig(cell="rnn_relu", task="adding", **(TINY | {"steps": 5})))
    assert analysis.saturation_over_training(relu).empty


def test_log_floor_marks_zeros_and_non_finite_values():
    fl = analysis.log_floor(np.array([0.0, 3e-3, 1.0, np.inf, np.nan, 0.0]))
    assert fl.floor == pytest.approx(1e-4)
    np.testing.assert_array_equal(fl.zero, [True, False, False, False, False, True])
    np.testing.assert_array_equal(fl.nonfinite, [False, False, False, True, True, False])
    np.testing.assert_array_equal(fl.values[[0, 1, 2, 5]], [1e-4, 3e-3, 1.0, 1e-4])
    assert np.isnan(fl.values[3:5]).all()
    assert analysis.log_floor(np.zeros(3)).floor == 1e-45
    assert analysis.log_floor(np.array([0.0, 5.0]), floor=0.5).values[0] == 0.5


def test_decades_smooth_and_gradient_ratio():
    assert analysis.decades(np.array([1e-3, 0.0, 10.0, np.inf])) == pytest.approx(4.0)
    assert analysis.decades(np.array([2.0])) == 0.0
    smoothed = analysis.smooth(np.array([1.0, 3.0, 5.0, np.inf, 7.0]), 2)
    np.testing.assert_allclose(smoothed[[0, 1, 2, 4]], [1.0, 2.0, 4.0, 7.0])  # nan skipped
    assert np.isnan(smoothed[3])
    np.testing.assert_array_equal(analysis.smooth(np.array([1.0, 2.0]), 1), [1.0, 2.0])
    expected = pd.Series([1.0, 2.0, 4.0]).rolling(3, min_periods=1).mean().to_numpy()
    np.testing.assert_allclose(analysis.smooth(np.array([1.0, 2.0, 4.0]), 3), expected)
    assert analysis.gradient_ratio(np.array([1e-9, 0.5, 1.0])) == pytest.approx(1e-9)
    assert np.isnan(analysis.gradient_ratio(np.array([1.0, np.inf])))
    assert "1.0e-09" in analysis.describe_ratio(np.array([1e-9, 1.0]))
    assert "0 for t < 2" in analysis.describe_ratio(np.array([0.0, 0.0, 1e-30, 1.0]))
    assert "at t=2 it is 1.0e-30" in analysis.describe_ratio(np.array([0.0, 0.0, 1e-30, 1.0]))
    assert "inf" in analysis.describe_ratio(np.array([0.0, np.inf]))


def history_run(norms, record_steps):
    """A run whose history has these gradient norms and whose records sit at these steps."""
    from rnnviz.run import Record, Run

    def record(step):
        return Record(step=step, hidden=[np.zeros((1, 3, 2))], gates=[{}], cell_state=[],
                      grad_by_time=np.ones((1, 3)), grad_by_time_total=None, param_grad_norm={},
                      param_grad_norm_clipped={}, spectral_radius={}, eigenvalues={}, probe_loss=0.0,
                      val_loss=0.0)
    rows = [{"step": s, "loss": 1.0, "grad_norm": g, "grad_norm_clipped": g, "clipped": False}
            for s, g in enumerate(norms)]
    return Run(config=rnnviz.RunConfig(seq_len=3), rows=rows, records=[record(s) for s in record_steps])


def test_lesson_record_is_the_largest_norm_of_a_spiking_run_else_the_last():
    calm = history_run([1.0, 2.0, 50.0, 3.0], [0, 2, 3])
    assert analysis.lesson_record(calm) == 2  # 50x is no spike: the last record
    spiky = history_run([1.0, 5e3, 2e6, 4.0, 3.0, float("inf")], [0, 1, 2, 4, 5])
    assert analysis.lesson_record(spiky) == 2  # step 2's 2e6, not the inf at step 5
    assert analysis.lesson_record(spiky, spike=1e7) == 4
    unrecorded = history_run([1.0, 1e5, 2.0, 3.0], [0, 2, 3])  # the spike fell between records
    assert analysis.lesson_record(unrecorded) == 2  # largest of the recorded steps: step 3's 3.0
    assert analysis.lesson_record(history_run([0.0, 1e9], [0, 1])) == 1
    assert analysis.lesson_record(history_run([], [])) == 0


def test_correlation_matches_numpy():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=50)
    x[:, 3] = 2.0  # constant: no correlation rather than nan
    expected = [np.corrcoef(x[:, i], y)[0, 1] for i in range(3)]
    np.testing.assert_allclose(analysis.correlation(x, y)[:3], expected)
    assert analysis.correlation(x, y)[3] == 0


def test_unit_statistics_find_a_unit_that_tracks_spaces():
    run = rnnviz.train(rnnviz.RunConfig(task="chars", **{**TINY, "seq_len": 20, "steps": 2}))
    record = run.records[-1]
    P, T, H = record.hidden[-1].shape
    spaces = np.array([[c.isspace() for c in row[:T]] for row in run.probe_tokens[:P]], dtype=float)
    record.hidden[-1][..., 4] = spaces * 0.9 - 0.3  # unit 4 fires on spaces, by construction
    stats = analysis.unit_statistics(run)
    assert {"variance", "time", "space", "vowel"} <= set(stats) and all(len(v) == H for v in stats.values())
    assert stats["space"][4] == pytest.approx(1.0) and analysis.rank_units(stats["space"])[0] == 4
    assert analysis.rank_units(np.array([0.1, -0.9, np.nan, 0.5])) == [1, 3, 0, 2]


def test_unit_statistics_without_text_are_variance_and_time(lstm_run):
    stats = analysis.unit_statistics(lstm_run, 0)
    assert set(stats) == {"variance", "time"}
    h = lstm_run.records[0].hidden[-1]
    np.testing.assert_allclose(stats["variance"], h.reshape(-1, h.shape[-1]).var(0), rtol=1e-6)
