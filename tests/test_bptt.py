"""rnnviz.bptt against the instrumented path (RecurrentLayer.forward, then autograd), which
tests/test_probe.py holds to torch.nn's own cells: every cell, 1-2 layers, both directions,
several losses at once, in float64."""

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import bptt, probe
from rnnviz.cells import CELLS, RecurrentLayer
from rnnviz.model import SequenceModel
from rnnviz.tasks import make_task


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_through_time_equals_the_instrumented_path(cell, layers, bidirectional):
    torch.manual_seed(layers + 2 * bidirectional)
    layer = RecurrentLayer(cell, 3, 4, layers, bidirectional=bidirectional).double().eval()
    D, T = layer.directions, 7
    x = torch.randn(2, T, 3, dtype=torch.float64)
    weights = torch.randn(3, 2, T, 4 * D, dtype=torch.float64)  # 3 losses; each (t, unit) weighted
    out, trace = layer(x)
    found, grads = bptt.through_time(layer, x, lambda top: weights * (1 - torch.tanh(top) ** 2))
    assert (found.output - out).abs().max() < 1e-12
    for ours, theirs in zip(found.hidden + found.cell_state, trace.hidden + trace.cell_state, strict=True):
        assert (ours - theirs).abs().max() < 1e-12
    for ours, theirs in zip(found.gates, trace.gates, strict=True):
        assert ours.keys() == theirs.keys() == set(CELLS[cell].gates)
        assert all((ours[g] - theirs[g]).abs().max() < 1e-12 for g in ours)
    assert grads.hidden_sq.shape == (3, layers, T) and grads.hidden_sq.dtype == torch.float64
    for k in range(3):
        # the k-th loss: its gradient with respect to the output is what grad_of gives
        loss = (torch.tanh(out) * weights[k]).sum()
        h_norms, c_norms = probe.state_grad_norms(loss, trace, D, retain_graph=True)
        np.testing.assert_allclose(grads.hidden_sq[k].sqrt().numpy(), h_norms, rtol=1e-9, atol=1e-300)
        assert (c_norms is None) == (grads.cell_sq is None) == (cell != "lstm")
        if c_norms is not None:
            np.testing.assert_allclose(grads.cell_sq[k].sqrt().numpy(), c_norms, rtol=1e-9)
        leaf = x.clone().requires_grad_(True)
        wrt_x = torch.autograd.grad((torch.tanh(layer(leaf)[0]) * weights[k]).sum(), leaf)[0]
        assert (grads.inputs[k] - wrt_x).abs().max() < 1e-12
    # the recurrence matters: the gradient is not the same at every step, nor mirrored in time
    norms = grads.hidden_sq[0].sqrt().numpy()
    assert not np.allclose(norms, norms[:, ::-1], rtol=1e-3)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
def test_records_in_float32_match_the_instrumented_path(cell):
    """A record as training takes it, against autograd on the step-by-step graph, on 3 seeds."""
    for seed in range(3):
        cfg = rnnviz.RunConfig(cell=cell, task="sine", hidden_size=8, seq_len=12, num_layers=2,
                               bidirectional=seed == 1, probe_size=4, seed=seed)
        task = make_task(cfg)
        model = SequenceModel(cfg, task, torch.Generator().manual_seed(seed)).eval()
        x, y = task.batch(4, torch.Generator().manual_seed(seed + 2))
        record = probe.look_inside(0, model, task, (x, y), (x, y), {}, {})
        out, trace = model.traced(x)
        last, _ = probe.state_grad_norms(task.last_loss(out, y), trace, model.rnn.directions, True)
        total, _ = probe.state_grad_norms(task.loss(out, y), trace, model.rnn.directions, False)
        np.testing.assert_allclose(record.grad_by_time, last, rtol=1e-4)
        np.testing.assert_allclose(record.grad_by_time_total, total, rtol=1e-4)
        np.testing.assert_allclose(record.hidden[-1], trace.hidden[-1].detach().numpy(), atol=1e-5)
        assert abs(record.probe_loss - float(task.loss(out, y).detach())) < 1e-5
