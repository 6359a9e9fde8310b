"""CSV data as students write it: spaces after commas, commas in names, huge magnitudes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnviz import RunConfig, train
from rnnviz.tasks import TASKS
from rnnviz.tasks.csv_task import features_text, parse_features, standardise
from rnnviz.tasks.windows import split_point

ROWS = 80


def csv_text(header: str, columns: list[np.ndarray]) -> str:
    lines = [",".join(repr(float(v)) for v in row) for row in zip(*columns, strict=True)]
    return header + "\n" + "\n".join(lines) + "\n"


def series(seed: int, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return scale * (np.sin(np.arange(ROWS) / 5) + 0.1 * rng.standard_normal(ROWS))


def assert_standardised(task, columns: int) -> None:
    train_rows = task.values[:split_point(len(task.values), task.seq_len)].double()
    assert task.values.isfinite().all() and task.values.shape[1] == columns
    np.testing.assert_allclose(train_rows.mean(0).numpy(), 0, atol=1e-5)
    np.testing.assert_allclose(train_rows.std(0, unbiased=False).numpy(), 1, atol=1e-4)
    assert 0.5 < task.baseline_loss < 2  # the variance of a standardised target, not 0


def tiny_run(task_options: dict) -> None:
    cfg = RunConfig(cell="gru", task="csv", hidden_size=4, seq_len=10, steps=4, batch_size=4,
                    probe_size=2, record_every=2, task_options=task_options)
    run = train(cfg)
    assert run.status == "finished" and np.isfinite(run.history.loss).all()
    assert 0.5 < run.baseline_loss < 2


@pytest.mark.parametrize("seed", range(3))
def test_header_with_spaces_trains_and_messages_name_columns(seed):
    text = csv_text("day, temp, rain", [np.arange(ROWS), series(seed), series(seed + 10)])
    task = TASKS["csv"](10, csv=text, target="temp", features=" rain")
    assert task.columns == ["temp", "rain"]
    assert_standardised(task, 2)
    assert TASKS["csv"](10, csv=text).columns == ["day"]
    with pytest.raises(ValueError, match=r"target: 'snow' .* numeric columns are day, temp, rain$"):
        TASKS["csv"](10, csv=text, target="snow")
    if seed == 0:
        tiny_run({"csv": text, "target": " temp ", "features": "rain"})


def test_a_name_repeated_once_spaces_are_removed_is_refused():
    with pytest.raises(ValueError, match="task_options.csv: column name 'a' appears twice"):
        TASKS["csv"](10, csv=csv_text("a, a ,b", [series(0), series(1), series(2)]))


@pytest.mark.parametrize("names", [["temp, max", "rain"], ['say "hi"', "x,y,z"], ["plain"]])
def test_features_text_round_trips_names_with_commas_and_quotes(names):
    assert parse_features(features_text(names)) == names
    assert parse_features(" a ,b,, ") == ["a", "b"] and parse_features("") == []


def test_column_names_with_commas_are_features():
    text = csv_text('day,"temp, max","rain, mm"', [np.arange(ROWS), series(0), series(1)])
    task = TASKS["csv"](10, csv=text, target="temp, max", features=features_text(["rain, mm"]))
    assert task.columns == ["temp, max", "rain, mm"]
    assert_standardised(task, 2)
    with pytest.raises(ValueError, match=r"'rain' is not a numeric column; other numeric columns are "
                                         r'day, "rain, mm"$'):
        TASKS["csv"](10, csv=text, target="temp, max", features="rain")
    with pytest.raises(ValueError, match="task_options.features: one line"):
        TASKS["csv"](10, csv=text, features="day\nrain")


@pytest.mark.parametrize("scale", [1e200, 1e300, 1e-300])
def test_huge_and_tiny_magnitudes_are_standardised(scale):
    for seed in range(3):
        text = csv_text("a,b", [series(seed, scale), series(seed + 5, 1.0)])
        task = TASKS["csv"](10, csv=text, features="b")
        assert_standardised(task, 2)
        raw = series(seed, scale)[:3]
        np.testing.assert_allclose(task.unscale(task.values[:3, 0]).double().numpy() / scale, raw / scale,
                                   rtol=1e-5, atol=1e-5)


def test_values_at_the_edge_of_float64_train_without_nan():
    signs = np.where(np.arange(ROWS) % 3 == 0, -1.0, 1.0)
    text = csv_text("edge,other", [1e308 * signs, series(0)])
    task = TASKS["csv"](10, csv=text)
    assert_standardised(task, 1)
    tiny_run({"csv": text})


def test_a_value_beyond_float64_names_its_column():
    text = csv_text("a,b", [series(0), series(1)]).replace("\n", "\n1e309,0\n", 1)
    with pytest.raises(ValueError, match=r"column 'a' has 1 missing, non-numeric or infinite value\(s\) "
                                         r"\(CSV lines 2\)"):
        TASKS["csv"](10, csv=text)


@pytest.mark.parametrize("seed", range(3))
def test_standardise_matches_the_plain_formula_on_ordinary_data(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(rng.uniform(-50, 50, 3), rng.uniform(0.1, 10, 3), size=(60, 3))  # (N, F)
    cut = 50
    out, mean, std = standardise(values, cut)
    np.testing.assert_allclose(mean, values[:cut].mean(0))
    np.testing.assert_allclose(std, values[:cut].std(0))
    np.testing.assert_allclose(out, (values - values[:cut].mean(0)) / values[:cut].std(0), atol=1e-9)
    zeros_then_one = np.r_[np.zeros(cut), np.ones(10)][:, None]
    out, _, std = standardise(zeros_then_one, cut)  # constant in the training rows: centred only
    assert out[-1, 0] == 1 and math.isfinite(std[0])
