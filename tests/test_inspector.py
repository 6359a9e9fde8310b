"""The cell inspector: its numbers reproduce the trace's h_t and c_t, its step Jacobians match
autograd's jacobian of the whole recurrence and finite differences, and the chain multiplies them."""

import numpy as np
import pytest
import torch

from rnnviz import RunConfig
from rnnviz.inspector import chain, inspect_step, layer_inputs, local_jacobians
from rnnviz.model import build_model
from rnnviz.tasks import make_task

CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def small(cell: str, seed: int, task: str = "adding", **extra):
    cfg = RunConfig(cell=cell, task=task, hidden_size=4, seq_len=8, seed=seed, **extra)
    task_ = make_task(cfg)
    model = build_model(cfg, task_, torch.Generator().manual_seed(seed)).double().eval()
    x, _ = task_.batch(1, torch.Generator().manual_seed(seed + 1))
    return model, (x if task_.input_tokens else x.double())


def unroll(model, inputs: torch.Tensor, layer: int, start: int, end: int):
    """s_end as a function of s_{start-1}: the layer's own recurrence, written independently."""
    H = model.rnn.hidden_size
    w_ih, w_hh, b_ih, b_hh = (getattr(model.rnn, f"{k}_l{layer}") for k in
                              ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    cell = model.rnn.cell

    def fn(state):
        h, c = (state[:H], state[H:]) if cell == "lstm" else (state, None)
        for t in range(start, end + 1):
            a, b = w_ih @ inputs[t] + b_ih, w_hh @ h + b_hh
            if cell in ("rnn_tanh", "rnn_relu"):
                h = torch.tanh(a + b) if cell == "rnn_tanh" else torch.relu(a + b)
            elif cell == "lstm":
                i, f, g, o = (a + b).chunk(4)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                (ar, az, an), (br, bz, bn) = a.chunk(3), b.chunk(3)
                r, z = torch.sigmoid(ar + br), torch.sigmoid(az + bz)
                h = (1 - z) * torch.tanh(an + r * bn) + z * h
        return h if c is None else torch.cat([h, c])
    return fn


def state_at(model, x, layer, t):
    _, hs, cs = layer_inputs(model, x, layer)
    s = hs[t] if cs is None else torch.cat([hs[t], cs[t]])
    return s.detach().clone()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_step_jacobians_match_autograd_and_finite_differences(cell, seed):
    model, x = small(cell, seed, num_layers=2)
    for layer in (0, 1):
        J = local_jacobians(model, x, layer)  # (T, S, S)
        inputs = layer_inputs(model, x, layer)[0].detach()
        for t in (1, 4, 7):
            before = state_at(model, x, layer, t - 1)
            want = torch.autograd.functional.jacobian(unroll(model, inputs, layer, t, t), before)
            torch.testing.assert_close(J[t], want, rtol=1e-9, atol=1e-12)
            eps, fn = 1e-6, unroll(model, inputs, layer, t, t)
            with torch.no_grad():
                fd = torch.stack([(fn(before + eps * e) - fn(before - eps * e)) / (2 * eps)
                                  for e in torch.eye(len(before), dtype=torch.float64)], 1)
            torch.testing.assert_close(J[t], fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cell", CELLS)
def test_an_encoder_decoders_encoder_is_inspected_too(cell):
    """A seq2seq model's records look at its encoder: the inspector reads that stack, the same way."""
    model, x = small(cell, 5, task="reverse", num_layers=2, attention="dot")
    for layer in (0, 1):
        J = local_jacobians(model, x, layer)
        inputs = layer_inputs(model, x, layer)[0].detach()
        for t in (1, 6):
            want = torch.autograd.functional.jacobian(unroll(model, inputs, layer, t, t),
                                                      state_at(model, x, layer, t - 1))
            torch.testing.assert_close(J[t], want, rtol=1e-9, atol=1e-12)
    ins = inspect_step(model, x, 3, 2, layer=1)
    _, hs, _ = layer_inputs(model, x, 1)
    np.testing.assert_allclose(ins.h_t, hs[3].detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_the_chain_is_the_jacobian_across_many_steps(cell):
    model, x = small(cell, 3)
    inputs = layer_inputs(model, x, 0)[0].detach()
    ch = chain(local_jacobians(model, x), end=7)
    assert ch.product[0] == 1.0 and len(ch.product) == 8
    for k in (1, 3, 7):
        start = 7 - k + 1  # ∂s_7/∂s_{7-k}: steps 7-k+1 .. 7 applied to s_{7-k}
        want = torch.autograd.functional.jacobian(unroll(model, inputs, 0, start, 7),
                                                  state_at(model, x, 0, 7 - k))
        assert ch.product[k] == pytest.approx(float(torch.linalg.matrix_norm(want, ord=2)), rel=1e-9)
    np.testing.assert_allclose(ch.product[1], ch.local[7], rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_numbers_reproduce_the_trace(cell, seed):
    model, x = small(cell, seed, task="chars" if seed else "adding")
    _, hs, cs = layer_inputs(model, x)
    for t in (0, 3, 7):
        for unit in range(4):
            ins = inspect_step(model, x, t, unit)
            np.testing.assert_allclose(ins.h_t[unit], hs[t, unit].item(), rtol=1e-12)
            if t:
                np.testing.assert_allclose(ins.h_prev, hs[t - 1].numpy(), rtol=1e-12)
            else:
                assert not ins.h_prev.any()
            g = {n.name: n for n in ins.gates}
            for n in ins.gates:
                if n.name != "new":
                    assert n.pre_activation == pytest.approx(n.from_input + n.from_hidden, abs=1e-12)
                act = np.tanh if n.name in ("cell", "new") or cell == "rnn_tanh" else (
                    (lambda v: max(v, 0.0)) if cell == "rnn_relu" else (lambda v: 1 / (1 + np.exp(-v))))
                assert n.value == pytest.approx(act(n.pre_activation), abs=1e-12)
            if cell == "lstm":
                c_t = g["forget"].value * ins.c_prev[unit] + g["input"].value * g["cell"].value
                assert c_t == pytest.approx(cs[t, unit].item(), abs=1e-12)
                assert ins.h_t[unit] == pytest.approx(g["output"].value * np.tanh(c_t), abs=1e-12)
            elif cell == "gru":
                h = (1 - g["update"].value) * g["new"].value + g["update"].value * ins.h_prev[unit]
                assert h == pytest.approx(ins.h_t[unit], abs=1e-12)
            assert ins.sigma == pytest.approx(np.linalg.norm(ins.jacobian, 2))


def test_bad_picks_are_value_errors():
    model, x = small("lstm", 0)
    for kwargs, field in (({"t": 8, "unit": 0}, "t"), ({"t": 0, "unit": 4}, "unit"),
                          ({"t": 0, "unit": 0, "layer": 1}, "layer")):
        with pytest.raises(ValueError, match=f"^{field}:"):
            inspect_step(model, x, **kwargs)
    with pytest.raises(ValueError, match="^end:"):
        chain(local_jacobians(model, x), end=8)


@pytest.mark.parametrize("cell", CELLS)
def test_the_chunked_chain_equals_the_whole_one(cell, monkeypatch):
    import rnnviz.inspector as inspector

    model, x = small(cell, 4, num_layers=2)
    whole = chain(local_jacobians(model, x, 0), end=6)
    S = 8 if cell == "lstm" else 4
    monkeypatch.setattr(inspector, "JACOBIAN_BYTES", 3 * 8 * S * S)  # three Jacobians at a time
    chunked = inspector.chain_of(model, x, 0, end=6)
    np.testing.assert_allclose(chunked.product, whole.product, rtol=1e-12)
    np.testing.assert_allclose(chunked.local, whole.local, rtol=1e-12)
    assert len(chunked.local) == 7
    np.testing.assert_allclose(local_jacobians(model, x, 1, steps=[5, 2]),
                               local_jacobians(model, x, 1)[[5, 2]], rtol=1e-12)
