"""The process-pool and Ray executors give the very runs a solo rnnviz.train gives.

Every executor trains with one torch thread (the workers set it; the solo run here too), on this
machine, so the loss histories are compared exactly, by their fingerprints."""

import pytest
import torch

import rnnviz
from rnnviz.sweeps.runner import history_sha

TINY = rnnviz.RunConfig(task="temporal_order", hidden_size=6, seq_len=12, steps=10, batch_size=4)
GRID = {"cell": ["lstm", "rnn_tanh"], "seed": [3]}


def solo_prints() -> list[str]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return [history_sha(rnnviz.train(cfg)) for cfg in rnnviz.sweeps.expand(TINY, GRID)]
    finally:
        torch.set_num_threads(before)


def test_local_pool_equals_solo_train(tmp_path):
    table = rnnviz.sweep(TINY, GRID, executor="local", workers=2, out=tmp_path / "s.parquet")
    assert list(table.status) == ["finished", "finished"]
    assert list(table.loss_history_sha) == solo_prints()
    assert table.accuracy.between(0, 1).all()  # a classification task reports its accuracy


@pytest.mark.ray
def test_ray_equals_local_and_solo_train(request):
    if "ray" not in (request.config.option.markexpr or ""):  # a local Ray takes 20-100 s to start here
        pytest.skip("starts a local Ray: run it with `pytest -m ray tests/test_sweep_executors.py`")
    pytest.importorskip("ray")
    table = rnnviz.sweep(TINY, GRID, executor="ray", workers=2)
    assert list(table.status) == ["finished", "finished"]
    assert list(table.loss_history_sha) == solo_prints()
