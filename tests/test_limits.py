"""Limits: the server's caps on one run, from the environment, and records fitted within them."""

import math

from rnnviz import RunConfig
from rnnviz.app.limits import Limits, fit_limits
from rnnviz.cells import CELLS
from rnnviz.config import record_bytes


def names(notices):
    return [n.split(":", 1)[0] for n in notices]


def test_fit_limits_bounds_the_records_of_a_run():
    limits = Limits(max_records=11, max_record_mb=1000)
    cfg, notes = fit_limits(RunConfig(steps=1000, record_every=1), limits)
    assert cfg.steps // cfg.record_every + 2 <= 11 and names(notes) == ["record_every"]
    big = RunConfig(hidden_size=256, num_layers=4, seq_len=400, probe_size=32, steps=100)
    cfg, notes = fit_limits(big, Limits())
    assert cfg.probe_size < 32 and "probe_size" in names(notes)
    unchanged = RunConfig()
    assert fit_limits(unchanged, Limits()) == (unchanged, [])


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_STEPS", "100")
    monkeypatch.setenv("RNNVIZ_MAX_RECORDS", "nonsense")
    limits = Limits.from_env()
    assert limits.ranges["steps"] == (1, 100) and limits.max_records == Limits().max_records


def test_fitted_records_stay_within_the_memory_cap():
    limits = Limits(max_records=1000, max_record_mb=2)
    for cfg in (RunConfig(steps=3000, record_every=1), RunConfig(cell="gru", hidden_size=64, seq_len=300,
                                                               steps=500, probe_size=32, num_layers=2)):
        fitted, _ = fit_limits(cfg, limits)
        records = math.ceil(fitted.steps / fitted.record_every) + 2  # step 0, every N, the last step
        assert records * record_bytes(fitted, len(CELLS[cfg.cell].gates)) <= 2 * 2**20 and fitted != cfg
