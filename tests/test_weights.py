"""Weights kept in runs and run files: saved exactly, validated on load, and turned back into a model."""

import numpy as np
import pytest
import torch

from rnnviz import train
from rnnviz.config import RunConfig
from rnnviz.runfile import run_from_bytes, run_to_bytes
from rnnviz.weights import PER_RECORD_BUDGET, kept_count, kept_every, model_at

CFG = RunConfig(cell="lstm", task="sine", hidden_size=8, seq_len=12, steps=20, record_every=10, probe_size=2)


@pytest.fixture(scope="module")
def run():
    return train(CFG)


def test_every_record_and_the_end_keep_weights(run):
    assert [r.weights is not None for r in run.records] == [True] * len(run.records)
    assert run.weights is not None
    first, last = run.records[0].weights, run.records[-1].weights
    assert any(not np.array_equal(first[k], last[k]) for k in first)  # training moved them


def test_model_at_a_record_reproduces_that_records_outputs(run):
    """The rebuilt model at a record gives the probe loss the record measured."""
    model = model_at(run, 1)
    x = torch.from_numpy(run.probe_inputs)
    with torch.no_grad():
        again = model(x)
    traced, _ = model.traced(x)
    assert torch.allclose(again, traced.detach(), atol=1e-5)
    assert np.all(np.isfinite(again.numpy()))


def test_final_model_matches_final_weights(run):
    model = model_at(run)
    for name, value in model.state_dict().items():
        assert np.array_equal(value.numpy(), run.weights[name])


def test_run_file_round_trip_keeps_weights_exactly(run):
    back = run_from_bytes(run_to_bytes(run))
    for a, b in zip(run.records, back.records, strict=True):
        assert a.weights.keys() == b.weights.keys()
        assert all(np.array_equal(a.weights[k], b.weights[k]) for k in a.weights)
    assert all(np.array_equal(run.weights[k], back.weights[k]) for k in run.weights)


def test_files_without_weights_still_open(run):
    older = run_from_bytes(run_to_bytes(run))
    older.weights = None
    for r in older.records:
        r.weights = None
    back = run_from_bytes(run_to_bytes(older))
    assert back.weights is None and all(r.weights is None for r in back.records)
    with pytest.raises(ValueError, match="did not keep"):
        model_at(back, 0)


@pytest.mark.parametrize("damage, message", [
    (lambda w: w.update({"head.weight": w["head.weight"][:, :-1].copy()}), "shape"),
    (lambda w: w.update({"head.bias": w["head.bias"].astype(np.float64)}), "float32"),
    (lambda w: w["head.bias"].__setitem__(0, np.nan), "finite"),
])
def test_damaged_weights_are_refused_with_the_name(run, damage, message):
    bad = run_from_bytes(run_to_bytes(run))
    damage(bad.weights)
    with pytest.raises(ValueError, match=message) as err:
        run_from_bytes(run_to_bytes(bad))
    assert "weights/head" in str(err.value)


@pytest.mark.parametrize(("params", "records"), [(97, 21), (17_473, 51), (60_202, 21), (226_860, 13),
                                                 (30_000, 101), (300_000, 2), (1, 1), (5_000, 1000)])
def test_weights_are_kept_at_evenly_spaced_records_within_the_budget(params, records):
    every = kept_every(params, records)
    count = kept_count(records, every)
    assert 4 * params * count <= PER_RECORD_BUDGET
    if every > 1:  # the next smaller stride would be over the budget
        assert 4 * params * kept_count(records, every - 1) > PER_RECORD_BUDGET
    if every == 0:
        assert 4 * params * 2 > PER_RECORD_BUDGET or records == 0
    else:  # the first and the last record always among them
        kept = [i for i in range(records) if i % every == 0 or i == records - 1]
        assert len(kept) == count and kept[0] == 0 and kept[-1] == records - 1


def test_a_run_over_the_budget_keeps_weights_along_its_training(monkeypatch):
    monkeypatch.setattr("rnnviz.weights.PER_RECORD_BUDGET", 4 * 2 * 1200)  # room for 2 copies
    run = train(RunConfig(cell="rnn_tanh", hidden_size=32, seq_len=8, steps=40, record_every=5,
                          probe_size=2))  # 9 records of 1,185 weights
    kept = [i for i, r in enumerate(run.records) if r.weights is not None]
    assert kept == [0, 8] and run.weights is not None
    model_at(run, 8)  # the last record's weights rebuild the model
