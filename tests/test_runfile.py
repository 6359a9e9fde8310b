"""Run files: every field survives a round trip; anything else is a ValueError, never a pickle."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import pickle
import threading

import numpy as np
import pandas as pd
import pytest

import rnnviz
from rnnviz import RunConfig, load_run, save_run, train
from rnnviz.runfile import META, run_from_bytes, run_to_bytes
from rnnviz.tasks import TASKS, make_task

TINY = dict(hidden_size=8, seq_len=10, steps=6, record_every=3, probe_size=4, batch_size=8)


def assert_same(a, b, where="run"):
    """Equal values, types and dtypes; nan equals nan."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif dataclasses.is_dataclass(a) and not isinstance(a, RunConfig):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


def round_trip(run, tmp_path):
    """Through a path, a file object and bytes: all three give the same run back."""
    path = tmp_path / "run.npz"
    save_run(run, path)
    loaded = load_run(path)
    assert_same(run, loaded)
    assert_same(run.history, loaded.history)
    assert_same(run.grad_by_time, loaded.grad_by_time)
    buffer = io.BytesIO()
    save_run(run, buffer)
    assert_same(run, load_run(io.BytesIO(buffer.getvalue())))
    assert_same(run, run_from_bytes(run_to_bytes(run)))
    return loaded


@pytest.fixture(scope="module")
def lstm_run():
    run = train(RunConfig(cell="lstm", task="adding", **TINY))
    run.name = "tiny lstm ✓"
    return run


def test_finished_lstm_round_trip(lstm_run, tmp_path):
    assert lstm_run.status == "finished" and lstm_run.records[0].cell_state
    loaded = round_trip(lstm_run, tmp_path)
    assert loaded.history["clipped"].dtype == bool and loaded.history["step"].dtype == "int64"
    assert isinstance(loaded.rows[0]["clipped"], bool) and isinstance(loaded.rows[0]["step"], int)
    assert loaded.records[0].eigenvalues["weight_hh_l0.forget"].dtype == np.complex128


def test_diverged_rnn_keeps_inf_and_nan(tmp_path):
    run = train(RunConfig(cell="rnn_tanh", task="adding", optimizer="sgd", lr=5.0, clip_norm=None,
                          recurrent_init="scaled", spectral_radius=3.0, **{**TINY, "steps": 40}))
    assert run.diverged
    rows = list(run.rows)  # the log is stored by column: change values through a new one
    rows[-1]["loss"], rows[-2]["grad_norm_clipped"] = math.nan, -math.inf
    rows[-1]["grad_norm"] = math.inf
    run = dataclasses.replace(run, rows=rows)
    run.records[-1].val_loss = math.nan
    run.records[-1].hidden[0][0, 0, :2] = [np.inf, np.nan]
    run.baseline_loss = math.nan
    loaded = round_trip(run, tmp_path)
    assert loaded.diverged_step == run.diverged_step
    assert math.isnan(loaded.rows[-1]["loss"]) and loaded.rows[-2]["grad_norm_clipped"] == -math.inf
    assert math.isinf(loaded.rows[-1]["grad_norm"])


def test_stopped_run(tmp_path):
    stop = threading.Event()
    cfg = RunConfig(cell="rnn_relu", task="adding", **TINY)
    run = train(cfg, on_record=lambda run: stop.set(), stop=stop)
    assert run.status == "stopped" and run.steps_done < TINY["steps"]
    assert run.records[-1].param_grad_norm == {}  # the closing record of a stopped run has no grads
    round_trip(run, tmp_path)


def test_two_layer_bidirectional_gru(tmp_path):
    run = train(RunConfig(cell="gru", task="adding", num_layers=2, bidirectional=True, **TINY))
    assert run.records[0].hidden[1].shape == (4, 10, 16) and not run.records[0].param_grad_norm == {}
    round_trip(run, tmp_path)


@pytest.mark.skipif("chars" not in TASKS, reason="the chars task is not registered yet")
def test_chars_run_with_probe_tokens(tmp_path):
    run = train(RunConfig(cell="lstm", task="chars", **TINY))
    assert run.probe_tokens is not None and run.metric_names
    loaded = round_trip(run, tmp_path)
    assert loaded.probe_tokens == run.probe_tokens
    assert list(loaded.history.columns)[-1] == run.metric_names[-1]


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_task_round_trips(task, tmp_path):
    cfg = RunConfig(cell="gru", task=task, hidden_size=4, seq_len=24, steps=2, probe_size=2, batch_size=4)
    try:
        make_task(cfg)
    except ValueError as exc:
        pytest.skip(f"{task} needs options: {exc}")
    round_trip(train(cfg), tmp_path)


def test_path_is_kept_and_exported(lstm_run, tmp_path):
    path = tmp_path / "lesson.run"
    rnnviz.save_run(lstm_run, str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.run"]  # no ".npz" added, no temp left
    assert rnnviz.load_run(str(path)).name == lstm_run.name
    with pytest.raises(FileNotFoundError):
        load_run(tmp_path / "missing.npz")


def _entries(run) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(run_to_bytes(run)), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _meta(entries):
    return json.loads(entries[META].tobytes())


def _with_meta(entries, change):
    meta = _meta(entries)
    change(meta)
    entries[META] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


BROKEN = {
    "no json": lambda e: e.pop(META),
    "json not json": lambda e: e.update({META: np.frombuffer(b"{nope", dtype=np.uint8)}),
    "json a list": lambda e: e.update({META: np.frombuffer(b"[1, 2]", dtype=np.uint8)}),
    "json as floats": lambda e: e.update({META: np.zeros(3)}),
    "other format": lambda e: _with_meta(e, lambda m: m.update(format="something-else")),
    "newer version": lambda e: _with_meta(e, lambda m: m.update(version=2)),
    "bad config": lambda e: _with_meta(e, lambda m: m["config"].update(cell="transformer")),
    "unknown config field": lambda e: _with_meta(e, lambda m: m["config"].update(colour="red")),
    "config a list": lambda e: _with_meta(e, lambda m: m.update(config=[1])),
    "bad status": lambda e: _with_meta(e, lambda m: m.update(status="diverged at step x")),
    "missing key": lambda e: _with_meta(e, lambda m: m.pop("records")),
    "float as text": lambda e: _with_meta(e, lambda m: m["records"][0].update(val_loss="1e3")),
    "step a float": lambda e: _with_meta(e, lambda m: m["records"][0].update(step=1.5)),
    "wrong gates": lambda e: _with_meta(e, lambda m: m["records"][0].update(gates=[["a"]])),
    "extra metric": lambda e: _with_meta(e, lambda m: m.update(metric_names=["accuracy"])),
    "probe tokens": lambda e: _with_meta(e, lambda m: m.update(probe_tokens=[["a"]])),
    "missing array": lambda e: e.pop("records/0/hidden/0"),
    "hidden shape": lambda e: e.update({"records/0/hidden/0": np.zeros((4, 10, 9), np.float32)}),
    "hidden as text": lambda e: e.update({"records/0/hidden/0": np.full((4, 10, 8), "x")}),
    "grad shape": lambda e: e.update({"records/0/grad_by_time": np.zeros(10, np.float32)}),
    "short column": lambda e: e.update({"history/loss": np.zeros(2)}),
    "clipped as float": lambda e: e.update({"history/clipped": np.zeros(6)}),
    "dict values": lambda e: e.update({"records/0/param_grad_norm": np.zeros(1)}),
    "eigenvalues": lambda e: e.update({"records/0/eigenvalues/weight_hh_l0.forget": np.zeros((8, 8))}),
    "probe inputs": lambda e: e.update({"probe_inputs": np.zeros((4, 9, 2), np.float32)}),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_are_value_errors(case, lstm_run):
    entries = _entries(lstm_run)
    BROKEN[case](entries)
    buffer = io.BytesIO()
    np.savez(buffer, **entries)
    with pytest.raises(ValueError, match="not an rnnviz run file"):
        run_from_bytes(buffer.getvalue())


def test_foreign_and_corrupt_bytes(lstm_run, tmp_path):
    good = run_to_bytes(lstm_run)
    npy = io.BytesIO()
    np.save(npy, np.arange(3))
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for data in (b"", b"\x00" * 10, np.random.default_rng(0).bytes(5000), good[: len(good) // 2],
                 good[:100], good[:-30], npy.getvalue(), pickled.getvalue(), pickle.dumps(lstm_run),
                 b"PK\x03\x04garbage"):
        with pytest.raises(ValueError, match="not an rnnviz run file"):
            run_from_bytes(data)
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="not an rnnviz run file"):
        load_run(tmp_path / "empty.npz")


def test_object_arrays_are_refused(lstm_run):
    """allow_pickle=False: an object array in an otherwise valid file is rejected, not unpickled."""
    entries = _entries(lstm_run)
    entries["history/loss"] = np.array([1.0] * 6, dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **entries)  # np.savez pickles object arrays
    with pytest.raises(ValueError, match="pickle"):
        run_from_bytes(buffer.getvalue())


def test_json_is_standard(lstm_run):
    """inf/nan are written as strings, so any JSON reader can read the metadata."""
    lstm_run.records[0].val_metrics["odd"] = math.inf
    try:
        text = _entries(lstm_run)[META].tobytes().decode()
    finally:
        del lstm_run.records[0].val_metrics["odd"]
    meta = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert meta["format"] == "rnnviz-run" and meta["version"] == 1
    assert meta["records"][0]["val_metrics"]["odd"] == "inf"
