"""Limits: the server's caps on one run, from the environment, and records fitted within them."""

import math

from rnnviz import RunConfig
from rnnviz.app.limits import (
    CAPS,
    Limits,
    fit_limits,
    fit_records,
    record_every_within,
    server_ranges,
)
from rnnviz.app.settings import Settings
from rnnviz.config import FIELDS
from rnnviz.cost import estimate, record_bytes


def names(notices):
    return [n.split(":", 1)[0] for n in notices]


def test_fit_limits_bounds_the_records_of_a_run():
    limits = Limits(max_records=11, max_record_mb=1000)
    cfg, notes = fit_records(RunConfig(steps=1000, record_every=1), limits)
    assert cfg.steps // cfg.record_every + 2 <= 11 and len(notes) == 1
    assert notes[0].startswith("we look inside the model every")
    big = RunConfig(hidden_size=256, num_layers=4, seq_len=400, probe_size=32, steps=100)
    cfg, notes = fit_records(big, Limits())
    assert cfg.probe_size < 32 and any("example sequences we look inside" in n for n in notes)
    unchanged = RunConfig()
    assert fit_limits(unchanged, Limits()) == (unchanged, [])


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_STEPS", "100")
    monkeypatch.setenv("RNNVIZ_MAX_SEQ_LEN", "50")
    monkeypatch.setenv("RNNVIZ_MAX_RECORDS", "nonsense")
    limits = Limits.from_env()
    assert limits.ranges["steps"] == (1, 100) and limits.ranges["seq_len"] == (2, 50)
    assert limits.max_records == Limits().max_records


def test_the_default_limits_are_the_default_settings():
    settings, limits = Settings(), Limits()
    assert limits == Limits.from_settings(settings)
    assert (limits.max_records, limits.max_record_mb) == (settings.max_records, settings.max_run_mb)
    for name, attribute in CAPS.items():
        assert limits.ranges[name] == (FIELDS[name].low, getattr(settings, attribute))


def test_server_ranges_stay_within_the_hard_bounds():
    huge = Settings(max_hidden=10**9, max_steps=10**9, max_seq_len=10**9, max_layers=10**9)
    for name, (low, high) in server_ranges(huge).items():
        spec = FIELDS[name]
        assert spec.low <= low < high <= spec.high, name
    assert set(server_ranges(huge)) == {n for n, s in FIELDS.items() if s.kind in ("int", "float")}


def test_record_every_within_a_memory_budget():
    cfg = RunConfig(cell="lstm", hidden_size=64, seq_len=50, probe_size=8, steps=3000)
    assert record_bytes(cfg) >= 4 * 8 * 50 * 64 * 6  # hidden, 4 gates and the cell state, float32
    every = record_every_within(cfg, max_bytes=20 * 2**20)
    records = cfg.steps // every + 2
    assert records * record_bytes(cfg) <= 20 * 2**20 and every > cfg.record_every
    assert record_every_within(cfg.replace(steps=100), 20 * 2**20) == 10  # small runs keep theirs


def test_fitted_records_stay_within_the_memory_cap():
    limits = Limits(max_records=1000, max_record_mb=2)
    for cfg in (RunConfig(steps=3000, record_every=1), RunConfig(cell="gru", hidden_size=64, seq_len=300,
                                                               steps=500, probe_size=32, num_layers=2)):
        fitted, _ = fit_limits(cfg, limits)
        records = math.ceil(fitted.steps / fitted.record_every) + 2  # step 0, every N, the last step
        assert records * record_bytes(fitted) <= 2 * 2**20 and fitted != cfg


def test_the_cost_of_the_whole_config_is_limited_not_each_field():
    """issue 9: each field within its range, yet together 9 GB and hours per run."""
    limits = Limits()
    cfg = RunConfig(cell="lstm", hidden_size=256, num_layers=4, bidirectional=True, seq_len=400,
                    batch_size=256, steps=3000)
    fitted, notices = fit_limits(cfg, limits)
    cost = estimate(fitted, machine=limits.machine)
    assert cost.peak_bytes <= limits.max_memory_mb * 2**20 and cost.total_seconds <= limits.max_seconds
    assert cost.seconds_per_step <= limits.max_step_seconds  # so Stop acts within a second
    assert fitted != cfg and any("so the run fits this server's limits" in n for n in notices)
    small = RunConfig(hidden_size=16, steps=50)
    assert fit_limits(small, limits) == (small, [])  # what fits is left alone, without a notice


def test_a_text_with_too_many_symbols_is_capped_and_the_student_told():
    text = "".join(chr(0x4E00 + i % 5000) for i in range(12_000))  # 5,000 distinct characters
    cfg, notices = fit_limits(RunConfig(cell="gru", task="chars", task_options={"text": text}), Limits())
    assert any("5,000 distinct characters" in n for n in notices)
