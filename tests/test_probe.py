"""The look inside against independent oracles: gradients through time (bidirectional included)
from an unroll with torch.nn's own cells, the total loss's gradient, and traced == fast."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import rnnviz
from rnnviz import probe
from rnnviz.cells import CELLS, RecurrentLayer
from rnnviz.model import SequenceModel, recurrent_blocks
from rnnviz.tasks import make_task

TORCH_CELLS = {"rnn_tanh": lambda i, h: nn.RNNCell(i, h, nonlinearity="tanh"),
               "rnn_relu": lambda i, h: nn.RNNCell(i, h, nonlinearity="relu"),
               "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def unroll(layer: RecurrentLayer, x: torch.Tensor):
    """An independent unroll with torch.nn's cells; a zero `delta` is added to every h_t so
    that d loss / d delta = d loss / d h_t, in time order, for each (layer, direction)."""
    deltas, inputs = {}, x
    T = x.shape[1]
    for lay in range(layer.num_layers):
        outs = []
        for d in range(layer.directions):
            suffix = f"l{lay}" + ("_reverse" if d else "")
            cell = TORCH_CELLS[layer.cell](inputs.shape[-1], layer.hidden_size).double()
            with torch.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, name).copy_(getattr(layer, f"{name}_{suffix}"))
            h = c = x.new_zeros(x.shape[0], layer.hidden_size)
            hs = [None] * T
            for t in (reversed(range(T)) if d else range(T)):
                if layer.cell == "lstm":
                    h, c = cell(inputs[:, t], (h, c))
                else:
                    h = cell(inputs[:, t], h)
                delta = torch.zeros_like(h, requires_grad=True)
                h = h + delta
                deltas[lay, d, t] = delta
                hs[t] = h
            outs.append(torch.stack(hs, 1))
        inputs = torch.cat(outs, -1)
    return inputs, deltas


@pytest.mark.parametrize("cell", list(TORCH_CELLS))
@pytest.mark.parametrize("layers", [1, 2])
def test_bidirectional_grad_by_time_matches_an_independent_unroll(cell, layers):
    torch.manual_seed(layers)
    layer = RecurrentLayer(cell, 3, 4, layers, bidirectional=True).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    weights = torch.randn(2, 6, 8, dtype=torch.float64)  # every (t, unit) weighted differently
    losses = {"every step": lambda out: (out * weights).sum().tanh(),
              "last step": lambda out: (out[:, -1] * weights[:, -1]).sum().tanh()}
    for name, loss_of in losses.items():
        out, trace = layer(x)
        ours = probe.grad_norms_by_time(loss_of(out), trace.steps, 2, retain_graph=False)
        ref_out, deltas = unroll(layer, x)
        assert (out - ref_out).abs().max() < 1e-12
        grads = dict(zip(deltas, torch.autograd.grad(loss_of(ref_out), list(deltas.values())), strict=True))
        expected = np.array([[sum(float(grads[lay, d, t].pow(2).sum()) for d in (0, 1)) ** 0.5
                              for t in range(6)] for lay in range(layers)])
        assert ours.shape == (layers, 6)
        assert np.allclose(ours, expected, rtol=1e-5, atol=1e-12), name
        assert not np.allclose(expected, expected[:, ::-1], rtol=1e-2)  # a flip would be caught


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grad_by_time_total_is_the_gradient_of_the_mean_over_steps(seed):
    cfg = rnnviz.RunConfig(task="sine", cell="gru", hidden_size=6, seq_len=10, batch_size=4, steps=1,
                           probe_size=3, seed=seed, bidirectional=True)
    record = rnnviz.train(cfg).records[0]
    task = make_task(cfg)
    model = SequenceModel(cfg, task, torch.Generator().manual_seed(cfg.seed))
    x, y = task.batch(cfg.probe_size, torch.Generator().manual_seed(cfg.seed + 2))
    out, trace = model.traced(x)
    per_step = torch.stack([F.mse_loss(out[:, t], y[:, t]) for t in range(cfg.seq_len)])
    grads = torch.autograd.grad(per_step.mean(), trace.steps[0] + trace.steps[1])
    forward, backward = grads[:10], grads[10:][::-1]  # the reverse direction walked back in time
    expected = np.array([(float(f.pow(2).sum()) + float(b.pow(2).sum())) ** 0.5
                         for f, b in zip(forward, backward, strict=True)])
    assert record.grad_by_time_total.shape == (1, 10)
    assert np.allclose(record.grad_by_time_total[0], expected, rtol=1e-4)
    assert not np.allclose(record.grad_by_time_total, record.grad_by_time, rtol=1e-2)


@pytest.mark.parametrize("cell", list(TORCH_CELLS))
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_fast_model_equals_traced_model(cell, layers, bidirectional):
    for task in ("adding", "chars"):  # float inputs, and token ids through the embedding
        cfg = rnnviz.RunConfig(cell=cell, task=task, hidden_size=5, seq_len=7, num_layers=layers,
                               bidirectional=bidirectional)
        model = SequenceModel(cfg, make_task(cfg), torch.Generator().manual_seed(3))
        x, _ = make_task(cfg).batch(4, torch.Generator().manual_seed(4))
        fast, (traced, _) = model(x), model.traced(x)
        assert fast.shape == traced.shape and (fast - traced).abs().max() < 1e-5


@pytest.mark.parametrize("scale", [1e-24, 1e-30, 1e19, 3e37])
def test_norms_are_exact_far_below_and_above_float32_squares(scale):
    """Every element finite in float32, yet its square under- or overflows float32."""
    steps = [[torch.ones(3, 4, requires_grad=True) for _ in range(5)]]
    loss = sum((h * (scale * (t + 1))).sum() for t, h in enumerate(steps[0]))
    norms = probe.grad_norms_by_time(loss, steps, 1, retain_graph=False)
    expected = np.array([scale * (t + 1) * 12 ** 0.5 for t in range(5)])
    assert np.isfinite(norms).all() and (norms > 0).all()
    assert np.allclose(norms, expected, rtol=1e-6)
    params = [nn.Parameter(torch.zeros(1000)), nn.Parameter(torch.zeros(10))]
    for p in params:
        p.grad = torch.full_like(p, scale)
    assert np.isclose(probe.total_norm(params), scale * 1010 ** 0.5, rtol=1e-6)
    params[1].grad[3] = float("inf")
    assert probe.total_norm(params) == float("inf")  # a non-finite element, and only that, is not finite


def test_param_grad_norms_in_float64():
    cfg = rnnviz.RunConfig(cell="gru", hidden_size=4, seq_len=5)
    model = SequenceModel(cfg, make_task(cfg), torch.Generator().manual_seed(0))
    for p in model.parameters():
        p.grad = torch.full_like(p, 1e-25)
    model.head.bias.grad = None
    norms = probe.param_grad_norms(model)
    assert np.isnan(norms["head.bias"])
    for name, p in model.named_parameters():
        if name != "head.bias":
            assert np.isclose(norms[name], 1e-25 * p.numel() ** 0.5, rtol=1e-6), name


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_spectra_are_each_blocks_eigenvalues(cell):
    cfg = rnnviz.RunConfig(cell=cell, hidden_size=12, num_layers=2, bidirectional=True, seq_len=5)
    model = SequenceModel(cfg, make_task(cfg), torch.Generator().manual_seed(3))
    found = probe.spectra(model)
    blocks = recurrent_blocks(model.rnn)
    assert list(found) == list(blocks) and len(found) == 4 * max(len(CELLS[cell].gates), 1)
    for key, block in blocks.items():  # numpy in float64, one block at a time: an independent route
        expected = np.linalg.eigvals(block.detach().double().numpy())
        distance = np.abs(found[key][:, None] - expected[None, :])
        assert distance.min(1).max() < 1e-4 and distance.min(0).max() < 1e-4, key


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_spectra_of_non_finite_weights_are_nan_without_lapack(bad):
    cfg = rnnviz.RunConfig(cell="lstm", hidden_size=4, seq_len=5)
    model = SequenceModel(cfg, make_task(cfg), torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.rnn.weight_hh_l0[5, 2] = bad  # row 5: the forget block (rows 4..7)
    eigenvalues = probe.spectra(model)
    assert np.isnan(eigenvalues["weight_hh_l0.forget"]).all()
    assert np.isnan(probe.spectral_radius(eigenvalues["weight_hh_l0.forget"]))
    for gate in ("input", "cell", "output"):  # the finite blocks keep their real eigenvalues
        assert np.isfinite(eigenvalues[f"weight_hh_l0.{gate}"]).all()
    assert np.isnan(probe.eigenvalues_of(torch.full((3, 3), bad))).all()


def test_a_spectral_radius_that_would_overflow_the_weights_is_refused():
    """spectral_radius=1e308 made W_hh inf at init and the first record crashed in LAPACK: the
    config refuses it now, and a non-finite W_hh still gets NaN spectra (tests above)."""
    with pytest.raises(ValueError, match="^spectral_radius"):
        rnnviz.RunConfig(cell="rnn_tanh", recurrent_init="scaled", spectral_radius=1e308)




def lstm_unroll(layer: RecurrentLayer, x: torch.Tensor):
    """An LSTM written out by hand (torch.nn's gate order i, f, g, o), with a zero `delta` added to
    every c_t before h_t reads it, so d loss / d delta = d loss / d c_t through every path."""
    deltas, inputs, T = {}, x, x.shape[1]
    for lay in range(layer.num_layers):
        outs = []
        for d in range(layer.directions):
            w = {n: getattr(layer, f"{n}_l{lay}" + ("_reverse" if d else ""))
                 for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            h = c = x.new_zeros(x.shape[0], layer.hidden_size)
            hs = [None] * T
            for t in (reversed(range(T)) if d else range(T)):
                z = inputs[:, t] @ w["weight_ih"].T + w["bias_ih"] + h @ w["weight_hh"].T + w["bias_hh"]
                i, f, g, o = z.chunk(4, -1)
                c = f.sigmoid() * c + i.sigmoid() * g.tanh()
                deltas[lay, d, t] = torch.zeros_like(c, requires_grad=True)
                c = c + deltas[lay, d, t]
                h = o.sigmoid() * c.tanh()
                hs[t] = h
            outs.append(torch.stack(hs, 1))
        inputs = torch.cat(outs, -1)
    return inputs, deltas


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cell_state_gradient_matches_autograd_on_a_hand_written_lstm(seed, bidirectional):
    torch.manual_seed(seed)
    layer = RecurrentLayer("lstm", 3, 4, 2, bidirectional=bidirectional).double()
    D, T = layer.directions, 7
    x = torch.randn(2, T, 3, dtype=torch.float64)
    weights = torch.randn(2, T, 4 * D, dtype=torch.float64)
    out, trace = layer(x)
    h_norms, c_norms = probe.state_grad_norms((out * weights).sum().tanh(), trace, D, False)
    ref_out, deltas = lstm_unroll(layer, x)
    assert (out - ref_out).abs().max() < 1e-12
    grads = dict(zip(deltas, torch.autograd.grad((ref_out * weights).sum().tanh(), list(deltas.values())),
                     strict=True))
    expected = np.array([[sum(float(grads[lay, d, t].pow(2).sum()) for d in range(D)) ** 0.5
                          for t in range(T)] for lay in range(2)])
    assert c_norms.shape == (2, T) and c_norms.dtype == np.float64
    assert np.allclose(c_norms, expected, rtol=1e-9, atol=1e-15)
    assert not np.allclose(c_norms, h_norms, rtol=1e-2)  # the cell state's gradient is its own


def test_records_carry_the_cell_state_gradient_for_lstms_only():
    for cell, task in (("lstm", "adding"), ("lstm", "sine"), ("gru", "sine")):
        cfg = rnnviz.RunConfig(task=task, cell=cell, hidden_size=5, seq_len=9, batch_size=4, steps=1,
                               probe_size=3)
        record = rnnviz.train(cfg).records[0]
        if cell != "lstm":
            assert record.cell_grad_by_time is None and record.cell_grad_by_time_total is None
            continue
        assert record.cell_grad_by_time.shape == (1, 9) and (record.cell_grad_by_time > 0).all()
        assert (record.cell_grad_by_time_total is None) == (task == "adding")


def test_cell_state_gradient_round_trips_and_older_files_without_it_load():
    import io
    import json

    from rnnviz.runfile import META, run_from_bytes, run_to_bytes
    cfg = rnnviz.RunConfig(task="sine", cell="lstm", hidden_size=5, seq_len=9, batch_size=4, steps=2,
                           record_every=1, probe_size=3)
    run = rnnviz.train(cfg)
    loaded = run_from_bytes(run_to_bytes(run))
    for ours, theirs in zip(run.records, loaded.records, strict=True):
        np.testing.assert_array_equal(ours.cell_grad_by_time, theirs.cell_grad_by_time)
        np.testing.assert_array_equal(ours.cell_grad_by_time_total, theirs.cell_grad_by_time_total)
    assert loaded.val_baseline_loss == run.val_baseline_loss
    with np.load(io.BytesIO(run_to_bytes(run))) as archive:  # an older file: no cell_grads at all
        arrays = {k: archive[k] for k in archive.files if "cell_grad" not in k}
    meta = json.loads(arrays[META].tobytes())
    for rec in meta["records"]:
        del rec["cell_grads"]
    del meta["val_baseline_loss"], meta["val_unseen_share"]
    arrays[META] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    old = run_from_bytes(buffer.getvalue())
    assert all(r.cell_grad_by_time is None for r in old.records) and np.isnan(old.val_baseline_loss)
    np.testing.assert_array_equal(old.records[-1].grad_by_time, run.records[-1].grad_by_time)
