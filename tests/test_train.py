"""The trainer: records, reproducibility, clipping, divergence and stopping as results."""

import math
import threading

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz.devices import resolve_device
from rnnviz.model import SequenceModel, recurrent_blocks
from rnnviz.tasks import make_task

TINY = dict(hidden_size=8, seq_len=12, batch_size=8, steps=25, record_every=10, probe_size=4)


def tiny(**changes) -> rnnviz.RunConfig:
    return rnnviz.RunConfig(**(TINY | changes))


def test_records_at_zero_every_n_and_last_step():
    run = rnnviz.train(tiny())
    assert run.status == "finished"
    assert run.record_steps == [0, 10, 20, 25]
    assert list(run.history.step) == list(range(25))
    assert run.grad_by_time.shape == (4, 12)
    record = run.records[0]
    assert record.hidden[0].shape == (4, 12, 8)
    assert set(record.gates[0]) == {"input", "forget", "cell", "output"}
    assert record.cell_state[0].shape == (4, 12, 8)
    assert record.grad_by_time.shape == (1, 12)
    assert set(record.param_grad_norm) == {n for n, _ in SequenceModel(
        run.config, make_task(run.config), torch.Generator()).named_parameters()}


def test_history_columns_and_baseline():
    history = rnnviz.train(tiny()).history
    assert list(history.columns[:5]) == ["step", "loss", "grad_norm", "grad_norm_clipped", "clipped"]
    assert history.clipped.dtype == bool
    assert np.isclose(rnnviz.train(tiny(steps=1)).baseline_loss, 1 / 6)


def test_same_seed_same_history_and_no_global_rng():
    state = torch.get_rng_state()
    first, second = rnnviz.train(tiny()), rnnviz.train(tiny())
    assert torch.equal(state, torch.get_rng_state())
    assert first.history.equals(second.history)
    assert np.array_equal(first.grad_by_time, second.grad_by_time)
    assert not first.history.loss.equals(rnnviz.train(tiny(seed=1)).history.loss)


def test_concurrent_runs_equal_solo_runs():
    configs = [tiny(cell=c, seed=s) for c, s in (("lstm", 0), ("gru", 1), ("rnn_tanh", 2))]
    solo = [rnnviz.train(c).history for c in configs]
    results = {}
    threads = [threading.Thread(target=lambda i=i, c=c: results.__setitem__(i, rnnviz.train(c)))
               for i, c in enumerate(configs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, history in enumerate(solo):
        assert results[i].history.equals(history)


def test_clipping_toggle_changes_the_applied_norm():
    on = rnnviz.train(tiny(clip_norm=0.05)).history
    off = rnnviz.train(tiny(clip_norm=None)).history
    assert (on.grad_norm_clipped <= 0.05 * (1 + 1e-4)).all()
    assert on.clipped.equals(on.grad_norm > 0.05)
    assert on.clipped.any()
    assert (off.grad_norm_clipped == off.grad_norm).all() and not off.clipped.any()
    assert on.grad_norm.iloc[0] == off.grad_norm.iloc[0]  # same weights, same batch at step 0


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3, 1e30])
def test_reported_clipped_norm_is_the_norm_of_the_clipped_gradients(scale):
    """clip() returns the norm after clipping without measuring it again: it must equal it."""
    from rnnviz.probe import total_norm
    from rnnviz.train import clip

    generator = torch.Generator().manual_seed(int(math.log10(scale)) + 40)
    params = [torch.nn.Parameter(torch.zeros(shape)) for shape in [(16, 4), (16,), (3, 16)]]
    for p in params:
        p.grad = torch.randn(p.shape, generator=generator) * scale
    before = total_norm(params)
    after = clip(params, tiny(clip_norm=0.5), before)
    assert after == pytest.approx(total_norm(params), rel=1e-5)
    assert after == pytest.approx(min(before, 0.5), rel=1e-5)


def test_value_clipping_clamps_each_element():
    run = rnnviz.train(tiny(clip_norm=1e-3, clip_mode="value"))
    history = run.history
    assert history.clipped.all()
    n_params = sum(p.numel() for p in SequenceModel(run.config, make_task(run.config),
                                                    torch.Generator()).parameters())
    assert (history.grad_norm_clipped <= 1e-3 * math.sqrt(n_params) * (1 + 1e-4)).all()
    record = run.records[1]
    assert all(record.param_grad_norm_clipped[k] <= record.param_grad_norm[k] + 1e-9
               for k in record.param_grad_norm)


def test_divergence_is_a_result_not_a_crash():
    cfg = tiny(cell="rnn_tanh", recurrent_init="scaled", spectral_radius=5.0, clip_norm=None,
               lr=0.5, optimizer="sgd", steps=200, seq_len=30)
    run = rnnviz.train(cfg)
    assert run.status.startswith("diverged at step ")
    k = run.diverged_step
    assert len(run.history) == k + 1 and run.records[-1].step == k
    last = run.history.iloc[-1]
    assert not (math.isfinite(last.loss) and math.isfinite(last.grad_norm))
    assert run.history.loss.iloc[:-1].map(math.isfinite).all()  # earlier steps kept as they were


def test_stop_event_ends_early_keeping_everything():
    stop = threading.Event()
    seen = []

    def on_record(run):
        seen.append(run.records[-1].step)
        if len(run.records) == 2:
            stop.set()

    run = rnnviz.train(tiny(steps=100), on_record=on_record, stop=stop)
    assert run.status == "stopped"
    assert len(run.history) == 11 and run.record_steps == [0, 10, 11]
    assert seen[:2] == [0, 10]


def test_progress_callback_is_throttled():
    calls = []
    rnnviz.train(tiny(steps=40), on_progress=lambda run: calls.append(run.steps_done),
                 progress_every_s=0.0)
    assert calls == sorted(calls) and len(calls) >= 10


def test_grad_by_time_follows_the_rnn_recurrence():
    """For h_t = tanh(a_t), dL/dh_{t-1} = W_hh^T ((1 - h_t^2) * dL/dh_t) row by row."""
    cfg = tiny(cell="rnn_tanh", steps=1, probe_size=1)
    run = rnnviz.train(cfg)
    task = make_task(cfg)
    model = SequenceModel(cfg, task, torch.Generator().manual_seed(cfg.seed))
    x, y = task.batch(1, torch.Generator().manual_seed(cfg.seed + 2))
    out, trace = model.traced(x)
    grads = torch.autograd.grad(task.last_loss(out, y), trace.steps[0])
    w_hh = model.rnn.weight_hh_l0
    for t in range(1, 12):
        h_t = trace.steps[0][t]
        back = ((1 - h_t.pow(2)) * grads[t]) @ w_hh
        assert torch.allclose(back, grads[t - 1], atol=1e-7)
    norms = np.array([float(g.norm()) for g in grads])
    assert np.allclose(run.records[0].grad_by_time[0], norms, rtol=1e-5)


def test_long_sequences_keep_exact_zero_gradients():
    run = rnnviz.train(tiny(cell="rnn_tanh", seq_len=400, steps=1, recurrent_init="scaled",
                            spectral_radius=0.05))
    g = run.grad_by_time[0]
    assert (g == 0).any() and not np.isnan(g).any()  # float32 underflow stays 0, no NaN


@pytest.mark.parametrize("init", ["orthogonal", "identity", "scaled"])
@pytest.mark.parametrize("cell", ["rnn_relu", "lstm", "gru"])
def test_recurrent_init(init, cell):
    cfg = tiny(cell=cell, recurrent_init=init, spectral_radius=0.7 if init == "scaled" else None)
    model = SequenceModel(cfg, make_task(cfg), torch.Generator().manual_seed(0))
    for block in recurrent_blocks(model.rnn).values():
        block = block.detach().double()
        if init == "orthogonal":
            assert torch.allclose(block @ block.T, torch.eye(8, dtype=block.dtype), atol=1e-5)
        elif init == "identity":
            assert torch.equal(block, torch.eye(8, dtype=block.dtype))
        else:
            assert abs(torch.linalg.eigvals(block).abs().max().item() - 0.7) < 1e-5
    if init == "identity":
        assert all(p.abs().sum() == 0 for n, p in model.rnn.named_parameters() if n.startswith("bias"))


def test_forget_bias_and_recorded_spectral_radius():
    cfg = tiny(forget_bias=1.0, recurrent_init="scaled", spectral_radius=1.3, steps=1)
    model = SequenceModel(cfg, make_task(cfg), torch.Generator())
    assert torch.all(model.rnn.bias_ih_l0[8:16] == 1.0) and torch.all(model.rnn.bias_hh_l0[8:16] == 0)
    record = rnnviz.train(cfg).records[0]
    assert set(record.spectral_radius) == {f"weight_hh_l0.{g}" for g in ("input", "forget", "cell", "output")}
    assert all(abs(r - 1.3) < 1e-4 for r in record.spectral_radius.values())


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_every_optimizer_lowers_the_loss_on_adding(optimizer):
    run = rnnviz.train(tiny(task="adding", optimizer=optimizer, lr=0.01, steps=60, seq_len=6))
    assert run.status == "finished"
    assert run.history.loss.iloc[-10:].mean() < run.history.loss.iloc[:10].mean()


def test_auto_device_prefers_cuda(monkeypatch):
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(ValueError, match="device: 'cuda' is not available"):
        resolve_device("cuda")


def test_records_are_numpy_on_the_cpu():
    record = rnnviz.train(tiny(steps=1)).records[0]
    arrays = [*record.hidden, *record.cell_state, record.grad_by_time,
              *[a for g in record.gates for a in g.values()], *record.eigenvalues.values()]
    assert all(isinstance(a, np.ndarray) for a in arrays)


@pytest.mark.parametrize("cell", rnnviz.CELLS)
@pytest.mark.parametrize("task", list(rnnviz.TASKS))
def test_every_cell_trains_every_task(cell, task):
    cfg = rnnviz.RunConfig(cell=cell, task=task, hidden_size=6, seq_len=24, batch_size=4,
                           steps=3, record_every=2, probe_size=2, num_layers=2, bidirectional=True)
    run = rnnviz.train(cfg)
    assert run.status == "finished" and run.record_steps == [0, 2, 3]
    assert np.isfinite(run.history.loss).all()
    assert run.grad_by_time.shape == (3, 24)


@pytest.mark.parametrize("which", ["on_record", "on_progress"])
def test_a_failing_callback_keeps_the_partial_run(which):
    def boom(run):
        if run.steps_done >= 5:
            raise RuntimeError("the page went away")

    callbacks = {which: boom} | ({"progress_every_s": 0.0} if which == "on_progress" else {})
    with pytest.raises(RuntimeError, match="the page went away") as info:
        rnnviz.train(tiny(steps=40, record_every=5), **callbacks)
    run = info.value.run
    assert isinstance(run, rnnviz.Run) and run.status == "callback failed"
    assert 5 <= run.steps_done < 40 and run.records and run.records[0].step == 0
    assert any("err.run" in note for note in info.value.__notes__)


def test_run_keeps_the_validation_splits_own_baseline():
    for task in ("words", "adding"):
        cfg = tiny(task=task, cell="gru", steps=2)
        run = rnnviz.train(cfg)
        assert (run.val_baseline_loss, run.val_unseen_share) == make_task(cfg).val_baseline()
    assert run.val_baseline_loss == run.baseline_loss  # adding draws both splits alike
