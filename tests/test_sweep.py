"""rnnviz.sweep: the grid, the rows, resuming, stopping, damaged files, and equality with a solo run."""

import re
import threading

import pandas as pd
import pytest
import torch

import rnnviz
from rnnviz.sweeps import executors, store
from rnnviz.sweeps.grid import config_key, expand
from rnnviz.sweeps.runner import history_sha

TINY = rnnviz.RunConfig(task="adding", hidden_size=6, seq_len=8, steps=12, batch_size=4)
GRID = {"cell": ["rnn_tanh", "gru"], "seed": [0, 1]}


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as the workers do: same threads, same floats
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("grid, message", [
    ({}, "grid: empty"),
    ({"colour": [1]}, "grid: unknown field(s) 'colour'"),
    ({"seq_len": [10, 1]}, "seq_len: must be an integer from 2"),
    ({"cell": ["lstm", "tree"]}, "cell: unknown cell 'tree'"),
    ({"seed": []}, "seed: no values"),
    ({"seed": "0-4"}, "seed: expected a list"),
    ({"task": ["temporal_order"], "seq_len": [12, 8]}, "seq_len: temporal order needs seq_len >= 10"),
    ({"seed": list(range(30)), "seq_len": list(range(2, 40))},
     "grid: 30 seed x 38 seq_len = 1140 runs, over"),
])
def test_bad_grids_name_the_problem(grid, message):
    with pytest.raises(ValueError) as err:
        rnnviz.sweep(TINY, grid, executor="serial", max_runs=1000)
    assert str(err.value).startswith(message), err.value


@pytest.mark.parametrize("kwargs, message", [
    ({"executor": "threads"}, "executor: unknown executor 'threads'"),
    ({"workers": 0}, "workers: must be a positive integer"),
    ({"success": "accuracy<0.9"}, "success: use 'loss<X' or 'accuracy>=X'"),
    ({"success": "nonsense"}, "success: expected e.g."),
    ({"success": "accuracy>=0.9"}, "success: task 'adding' has no metric 'accuracy'"),
])
def test_bad_options_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rnnviz.sweep(TINY, {"seed": [0]}, **{"executor": "serial", **kwargs})


def test_grid_order_and_records_kept_small():
    configs = expand(TINY, {"cell": ["lstm", "gru"], "seq_len": [5, 9, 5]})
    assert [(c.cell, c.seq_len) for c in configs] == [("lstm", 5), ("lstm", 9), ("gru", 5), ("gru", 9)]
    assert all(c.record_every == c.steps and c.probe_size == 1 for c in configs)
    assert len({config_key(c) for c in configs}) == 4
    kept = expand(TINY, {"seed": [0]}, keep_records=True)[0]
    assert kept == TINY


def test_rows_match_a_solo_train_exactly():
    table = rnnviz.sweep(TINY, GRID, executor="serial")
    assert list(table.columns[:2]) == ["cell", "seed"]
    assert list(zip(table.cell, table.seed, strict=True)) == [("rnn_tanh", 0), ("rnn_tanh", 1), ("gru", 0),
                                                             ("gru", 1)]
    assert (table.status == "finished").all() and (table.steps_done == TINY.steps).all()
    for row in table.itertuples():
        cfg = rnnviz.RunConfig.from_dict(__import__("json").loads(row.config))
        assert (cfg.cell, cfg.seed) == (row.cell, row.seed)
        solo = rnnviz.train(cfg)  # the same config trained alone, in this process
        assert row.loss_history_sha == history_sha(solo)
        assert row.loss_ratio == solo.records[-1].val_loss / solo.baseline_loss
        assert row.success == (row.loss_ratio < 0.1)


def test_resume_trains_only_what_is_missing(tmp_path, monkeypatch):
    out = tmp_path / "sweep.parquet"
    stop = threading.Event()
    first = rnnviz.sweep(TINY, GRID, executor="serial", out=out, stop=stop,
                         on_result=lambda row: stop.set())
    assert len(first) == 1 and len(store.load(out)) == 1  # stopped after one finished run
    trained = []
    real = executors.run_one
    monkeypatch.setattr(executors, "run_one", lambda cfg, *a: trained.append(cfg) or real(cfg, *a))
    second = rnnviz.sweep(TINY, GRID, executor="serial", out=out)
    assert len(trained) == 3 and len(second) == 4 and len(store.load(out)) == 4
    assert first.key[0] not in {config_key(rnnviz.RunConfig.from_dict(c)) for c in trained}
    again = rnnviz.sweep(TINY, GRID, executor="serial", out=out)
    assert len(trained) == 3  # nothing left to train
    pd.testing.assert_frame_equal(again, second)
    fresh = rnnviz.sweep(TINY, GRID, executor="serial")
    assert list(fresh.loss_history_sha) == list(second.loss_history_sha)


def test_stop_during_a_run_leaves_no_partial_row(tmp_path):
    out = tmp_path / "sweep.parquet"
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    table = rnnviz.sweep(TINY.replace(steps=1_000_000), {"seed": [0, 1]}, executor="serial",
                         out=out, stop=stop)
    timer.cancel()
    assert table.empty and not out.exists()


def test_a_damaged_results_file_is_named_and_left_alone(tmp_path):
    out = tmp_path / "sweep.parquet"
    out.write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="is not a results file rnnviz can read"):
        rnnviz.sweep(TINY, GRID, executor="serial", out=out)
    assert out.read_bytes() == b"PAR1 not really"
    pd.DataFrame({"a": [1]}).to_parquet(out)
    with pytest.raises(ValueError, match=r"not a sweep results table \(missing column\(s\) key"):
        rnnviz.sweep(TINY, GRID, executor="serial", out=out)
    with pytest.raises(ValueError, match="cannot read it as a results table"):
        store.read_bytes(b"\x00\x01garbage", "upload.parquet")


def test_another_criterion_on_the_same_file_is_refused(tmp_path):
    out = tmp_path / "sweep.parquet"
    rnnviz.sweep(TINY, {"seed": [0]}, executor="serial", out=out)
    with pytest.raises(ValueError, match="^success: .* holds runs judged by 'loss < 0.1x baseline'"):
        rnnviz.sweep(TINY, {"seed": [0]}, executor="serial", out=out, success="loss<0.5")
    assert len(store.load(out)) == 1


def test_a_failing_run_is_reported_and_not_stored(tmp_path, monkeypatch):
    def boom(cfg, *args):
        raise RuntimeError("out of memory, say")
    monkeypatch.setattr(executors, "run_one", boom)
    out = tmp_path / "sweep.parquet"
    table = rnnviz.sweep(TINY, {"seed": [0]}, executor="serial", out=out)
    assert table.status[0] == "error: out of memory, say" and not table.success[0]
    assert not out.exists()


def test_ray_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ValueError, match="pip install -r requirements-ray.txt"):
        rnnviz.sweep(TINY, {"seed": [0]}, executor="ray")


def test_an_unreachable_ray_cluster_is_named_at_once(tmp_path):
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "s.parquet"
    with pytest.raises(ValueError, match=f"^executor: cannot reach the Ray cluster at '127.0.0.1:{port}'"):
        rnnviz.sweep(TINY, {"seed": [0]}, executor="ray", address=f"127.0.0.1:{port}", out=out)
    assert not out.exists()


def test_every_table_names_the_cell():
    table = rnnviz.sweep(TINY.replace(steps=2), {"seed": [0]}, executor="serial")
    assert list(table.columns[:2]) == ["cell", "seed"] and table.cell[0] == TINY.cell
