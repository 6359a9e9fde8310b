"""Sweep summaries, claims and the figure: Wilson intervals, preset checks on made-up tables, and
the plotted numbers equal to the table's."""

import math

import numpy as np
import pandas as pd
import pytest

from rnnviz.plots import sweep_figure
from rnnviz.sweeps.presets import SWEEP_PRESETS, check_claims
from rnnviz.sweeps.summary import rates, wilson


def test_wilson_contains_the_rate_and_narrows_with_more_runs():
    for n in (1, 5, 20, 100):
        for k in range(n + 1):
            low, high = wilson(k, n)
            assert 0 <= low <= k / n <= high <= 1 and high > low
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == 1
    assert wilson(50, 100)[1] - wilson(50, 100)[0] < wilson(5, 10)[1] - wilson(5, 10)[0]
    low, high = wilson(3, 10)  # the textbook value: 0.108 to 0.603
    assert low == pytest.approx(0.1078, abs=1e-3) and high == pytest.approx(0.6032, abs=1e-3)
    assert all(math.isnan(v) for v in wilson(0, 0))


def table(outcomes: dict[tuple[str, int], list[bool]], field: str = "seq_len") -> pd.DataFrame:
    rows = []
    for (cell, value), successes in outcomes.items():
        for seed, ok in enumerate(successes):
            rows.append({"cell": cell, field: value, "seed": seed, "status": "finished", "success": ok,
                         "loss_ratio": 0.01 if ok else 0.9, "criterion": "loss < 0.1x baseline"})
    return pd.DataFrame(rows)


def test_rates_count_per_cell_and_value_and_leave_errors_out():
    t = table({("lstm", 10): [True, True, False], ("rnn_tanh", 10): [False, False, False]})
    t.loc[len(t)] = {"cell": "lstm", "seq_len": 10, "seed": 9, "status": "error: boom", "success": False}
    r = rates(t, "seq_len")
    assert list(zip(r.cell, r.runs, r.successes, strict=True)) == [("lstm", 3, 2), ("rnn_tanh", 3, 0)]


def test_how_far_back_claims_pass_and_fail_on_made_up_tables():
    preset = SWEEP_PRESETS["how_far_back"]
    good = table({("lstm", 100): [True] * 3, ("gru", 100): [True] * 3, ("rnn_tanh", 100): [False] * 3})
    assert all(r.passed for _, r in check_claims(preset, good))
    bad = table({("lstm", 100): [True, False, True], ("gru", 100): [True] * 3,
                 ("rnn_tanh", 100): [True, False, False]})
    assert not any(r.passed for _, r in check_claims(preset, bad))
    assert not any(r.passed for _, r in check_claims(preset, table({("lstm", 10): [True]})))  # no runs


def test_spectral_radius_claims_read_the_loss():
    preset = SWEEP_PRESETS["spectral_radius"]
    good = table({("rnn_tanh", 1.0): [True] * 3, ("rnn_tanh", 4.0): [False] * 3}, "spectral_radius")
    assert all(r.passed for _, r in check_claims(preset, good))
    close = good.copy()
    close.loc[close.spectral_radius == 4.0, "loss_ratio"] = 0.03  # fails, yet not 5x worse
    assert [r.passed for _, r in check_claims(preset, close)] == [True, True, False]


def test_figure_plots_the_rates_and_their_interval():
    t = table({("lstm", 10): [True, True], ("lstm", 50): [True, False], ("gru", 10): [False, False]})
    fig = sweep_figure(t)
    lines = {tr.name: tr for tr in fig.data}
    assert set(lines) == {"LSTM", "GRU"}
    lstm = [tr for tr in fig.data if list(tr.x) == [10, 50]][0]
    assert list(lstm.y) == [1.0, 0.5]
    low, high = wilson(1, 2)
    assert np.allclose(lstm.error_y.array[1], high - 0.5)
    assert np.allclose(lstm.error_y.arrayminus[1], 0.5 - low)
    loss = sweep_figure(t, show="loss")
    assert fig.layout.yaxis.tickformat == ".0%" and loss.layout.yaxis.type == "log"
    empty = sweep_figure(t.iloc[0:0])
    assert any(a.text == "No finished run yet." for a in empty.layout.annotations)


def test_a_table_without_a_cell_column_reads_it_from_the_configs():
    t = table({("lstm", 1.0): [True, False]}, "spectral_radius").drop(columns="cell")
    t["config"] = '{"cell": "rnn_tanh"}'
    r = rates(t, "spectral_radius")
    assert list(r.cell) == ["rnn_tanh"] and list(r.runs) == [2]
    assert [tr.name for tr in sweep_figure(t).data] == ["RNN (tanh)"]
