"""shrink_to_fit and fits: a config beyond the server's limits is lowered in a teacher's order, in words."""

from __future__ import annotations

import pytest

from rnnviz.config import RunConfig
from rnnviz.cost import Machine, estimate
from rnnviz.fit import fits, shrink_to_fit

MACHINE = Machine(flops_per_s=1e10, step_overhead_s=1e-3, time_step_s=5e-5, traced_op_s=3e-4)
GB = 2**30
# issue 9's link: each field within its own limit, their product far beyond the server
BIG = RunConfig(cell="lstm", hidden_size=256, num_layers=4, bidirectional=True, seq_len=400,
                batch_size=256, steps=3000, record_every=30)


def test_a_config_that_fits_is_returned_unchanged():
    small = RunConfig(hidden_size=32, seq_len=20, steps=50)
    assert shrink_to_fit(small, 1.5 * GB, 600, machine=MACHINE) == (small, [])
    assert fits(small, 1.5 * GB, 600, machine=MACHINE) == (True, "")


def test_the_big_link_is_refused_by_fits_and_shrunk_to_fit_saying_why():
    ok, why = fits(BIG, 1.5 * GB, 600, machine=MACHINE)
    assert not ok and "GB of memory, more than this server's 1.5 GB" in why and "Stop" in why
    cfg, notices = shrink_to_fit(BIG, 1.5 * GB, 600, machine=MACHINE)
    cost = estimate(cfg, machine=MACHINE)
    assert cost.peak_bytes <= 1.5 * GB and cost.total_seconds <= 600 and cost.seconds_per_step <= 1
    assert notices[0].startswith("steps between looks inside the model raised from 30 to")
    assert any(n.startswith("batch size lowered from 256 to") for n in notices)
    assert notices[-1].startswith("so the run fits this server's limits for one run (1.5 GB of memory")
    assert cfg.seq_len == BIG.seq_len and cfg.cell == BIG.cell  # what defines the lesson stays


def test_memory_alone_is_fixed_by_the_batch_before_the_model():
    one_layer = BIG.replace(num_layers=1, bidirectional=False, record_every=300)
    cfg, notices = shrink_to_fit(one_layer, 1.0 * GB, 10**9, max_step_seconds=1e9, machine=MACHINE)
    assert cfg.batch_size < 256 and estimate(cfg, machine=MACHINE).peak_bytes <= 1.0 * GB
    assert (cfg.hidden_size, cfg.seq_len, cfg.steps) == (256, 400, 3000)
    # the batch was lowered only as far as needed: twice the batch would not fit
    assert estimate(cfg.replace(batch_size=2 * cfg.batch_size), machine=MACHINE).peak_bytes > 1.0 * GB
    assert any("batch size lowered from 256" in n for n in notices)


def test_time_alone_shortens_training_only_once_a_step_is_fast_enough():
    cfg = RunConfig(cell="gru", hidden_size=128, seq_len=100, batch_size=8, steps=3000, record_every=100)
    cost = estimate(cfg, machine=MACHINE)
    assert cost.seconds_per_step < 1
    limit = cost.total_seconds / 3
    shrunk, notices = shrink_to_fit(cfg, 100 * GB, limit, machine=MACHINE)
    assert shrunk.steps < 3000 and shrunk.hidden_size == 128 and shrunk.seq_len == 100
    assert 0.8 * limit < estimate(shrunk, machine=MACHINE).total_seconds <= limit  # just short enough
    assert any(n.startswith("training steps lowered from 3,000 to") for n in notices)


def test_what_cannot_fit_is_a_value_error_naming_the_config():
    with pytest.raises(ValueError, match=r"^config: even the smallest version"):
        shrink_to_fit(BIG, 1024, 600, machine=MACHINE)
