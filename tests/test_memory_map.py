"""The memory map against an independent computation: torch.autograd.functional.jacobian of the
instrumented path, in float64, on small sizes, for every cell and kind of task."""

import numpy as np
import pytest
import torch

from rnnviz import RunConfig
from rnnviz.memory_map import memory_map, recurrent_inputs, step_outputs
from rnnviz.model import build_model
from rnnviz.tasks import make_task

CASES = [("rnn_tanh", "sine"), ("lstm", "adding"), ("gru", "chars"), ("lstm", "words"),
         ("rnn_relu", "temporal_order"), ("gru", "csv")]


def small(cell: str, task: str, seed: int, **extra):
    cfg = RunConfig(cell=cell, task=task, hidden_size=5, seq_len=12, seed=seed, **extra)
    task_ = make_task(cfg)
    model = build_model(cfg, task_, torch.Generator().manual_seed(seed)).double().eval()
    x, _ = task_.batch(1, torch.Generator().manual_seed(seed + 1))
    return model, task_, (x if task_.input_tokens else x.double())


def oracle(model, task, x) -> np.ndarray:
    """(T, T) ‖∂y_t/∂x_s‖ from the full Jacobian of the traced path."""
    u = recurrent_inputs(model, x)
    chosen = model.head(model.rnn(u)[0]).argmax(-1) if task.kind == "classification" else None
    jac = torch.autograd.functional.jacobian(
        lambda v: step_outputs(model, task, v, chosen, traced=True)[0], u)  # (T, K, 1, T, I)
    return torch.linalg.vector_norm(jac[:, :, 0], dim=(1, 3)).numpy()


@pytest.mark.parametrize("cell,task", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_the_autograd_jacobian(cell, task, seed):
    model, task_, x = small(cell, task, seed)
    got = memory_map(model, task_, x, chunk=4)  # several chunks on purpose
    want = oracle(model, task_, x)
    rows = np.arange(12) if task_.targets == "every" else np.array([11])
    np.testing.assert_array_equal(got.rows, rows)
    np.testing.assert_allclose(got.norms, want[rows], rtol=1e-7, atol=1e-14)
    assert np.allclose(got.normalised.max(axis=1), 1.0)


@pytest.mark.parametrize("seed", range(3))
def test_outputs_never_depend_on_later_inputs_and_bidirectional_ones_do(seed):
    model, task, x = small("lstm", "sine", seed)
    norms = memory_map(model, task, x).norms
    assert (norms[np.triu_indices(12, 1)] == 0).all() and (np.diag(norms) > 0).all()
    model, task, x = small("gru", "sine", seed, bidirectional=True, num_layers=2)
    norms = memory_map(model, task, x).norms
    assert (norms[np.triu_indices(12, 1)] > 0).all()
    np.testing.assert_allclose(norms, oracle(model, task, x), rtol=1e-7)


def test_one_sequence_at_a_time():
    model, task, _ = small("lstm", "sine", 0)
    x, _ = task.batch(2, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="^x: one sequence"):
        memory_map(model, task, x.double())
    assert memory_map(model, task, x[0].double()).norms.shape == (12, 12)  # (T, I) works too


@pytest.mark.parametrize("cell,attention,task", [("lstm", "none", "reverse"), ("gru", "additive", "sort"),
                                                 ("rnn_tanh", "dot", "add"), ("lstm", "dot", "reverse")])
@pytest.mark.parametrize("seed", [0, 1])
def test_seq2seq_map_matches_the_autograd_jacobian(cell, attention, task, seed):
    """Decoder step x encoder step, against the Jacobian of the instrumented (traced) decoding path."""
    model, task_, x = small(cell, task, seed, attention=attention, num_layers=2, bidirectional=True)
    x = x[:, :7]  # a short input; any length the task takes
    got = memory_map(model, task_, x, chunk=3)  # several chunks on purpose
    with torch.no_grad():
        u = model.embed(x)
        written = model.greedy(x, traced=True).logits.argmax(-1)  # (1, T_out)

    def log_probs(v):
        logits = model.decode(x, written.shape[1], written, 1.0, traced=True, embedded=v).logits
        return torch.log_softmax(logits, -1).gather(-1, written[..., None])[0, :, 0]  # (T_out,)

    jac = torch.autograd.functional.jacobian(log_probs, u)  # (T_out, 1, T, E)
    want = torch.linalg.vector_norm(jac[:, 0], dim=-1).numpy()
    assert got.norms.shape == (task_.out_len(7), 7) and (got.written == written[0].numpy()).all()
    np.testing.assert_allclose(got.norms, want, rtol=1e-8, atol=1e-12 * want.max())
    np.testing.assert_allclose(got.normalised.max(1), 1.0)
    assert "decoder" in got.measure
