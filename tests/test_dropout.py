"""Dropout: torch.nn's semantics with the run's own generator, the fused path kept, off in records."""

from unittest import mock

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz.cells import RecurrentLayer
from rnnviz.dropout import SeededDropout, evaluating, seed_dropout
from rnnviz.model import build_model
from rnnviz.probe import look_inside
from rnnviz.tasks import make_task

TINY = dict(task="chars", hidden_size=16, seq_len=12, batch_size=8, steps=20, record_every=10, probe_size=4)


def tiny(**changes) -> rnnviz.RunConfig:
    return rnnviz.RunConfig(**(TINY | changes))


def model_and_batch(cfg: rnnviz.RunConfig):
    task = make_task(cfg)
    model = build_model(cfg, task, torch.Generator().manual_seed(0))
    return model, task, task.batch(8, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("bad", [-0.1, 0.95, float("nan"), "0.5"])
def test_dropout_field_bounds(bad):
    with pytest.raises(ValueError, match="^dropout:"):
        tiny(dropout=bad)


def test_dropout_zero_is_the_old_path_exactly():
    """No dropout: one fused call for the whole stack, train and eval mode alike, the same weights."""
    cfg = tiny(num_layers=2, cell="gru")
    model, _, (x, _) = model_and_batch(cfg)
    direct = model.head(model.rnn._torch_module(torch.nn.functional.one_hot(x.argmax(-1), x.shape[-1])
                                                .float())[0])
    assert torch.equal(model(x), direct)
    with evaluating(model):
        assert torch.equal(model(x), direct)
    dropped, _, _ = model_and_batch(cfg.replace(dropout=0.5))  # dropout draws nothing at init
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                  dropped.state_dict().values(), strict=True))
    with evaluating(dropped):
        assert torch.equal(dropped(x), direct)  # eval mode: the dropout model is the same function


def test_seeded_dropout_matches_torch_semantics():
    drop = SeededDropout(0.3)
    drop.generator = torch.Generator().manual_seed(0)
    x = torch.ones(200_000)
    y = drop(x)
    assert y.unique().tolist() == [0.0, pytest.approx(1 / 0.7)]
    assert abs(float((y == 0).float().mean()) - 0.3) < 0.01
    assert abs(float(y.mean()) - 1.0) < 0.01  # inverted dropout keeps the expected value
    drop.eval()
    assert torch.equal(drop(x), x)
    with pytest.raises(ValueError, match="^dropout:"):
        SeededDropout(1.0)


@pytest.mark.parametrize("cell,bidirectional", [("lstm", False), ("gru", True), ("rnn_tanh", False)])
def test_fast_path_with_dropout_equals_the_traced_path_with_the_same_masks(cell, bidirectional):
    """Per-layer fused modules with masks between them compute what the step-by-step equations do."""
    layer = RecurrentLayer(cell, 5, 7, num_layers=3, bidirectional=bidirectional,
                           generator=torch.Generator().manual_seed(0), dropout=0.4).double()
    x = torch.randn(4, 9, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    layer.between.generator = torch.Generator().manual_seed(2)
    fast = layer.fast(x)
    layer.between.generator = torch.Generator().manual_seed(2)
    traced, _ = layer(x)
    assert (fast - traced).abs().max() < 1e-10
    layer.between.generator = torch.Generator().manual_seed(3)
    assert (layer.fast(x) - fast).abs().max() > 1e-3  # other masks: another output
    layer.eval()
    no_drop = RecurrentLayer(cell, 5, 7, num_layers=3, bidirectional=bidirectional,
                             generator=torch.Generator().manual_seed(0)).double()
    assert torch.equal(layer.fast(x), no_drop.fast(x))


def test_fused_modules_are_used_while_training_with_dropout():
    for layers in (1, 2):
        model, task, (x, y) = model_and_batch(tiny(num_layers=layers, dropout=0.5))
        modules = model.rnn._layer_modules or [model.rnn._torch_module]
        calls = []
        hooks = [m.register_forward_hook(lambda *_, seen=calls: seen.append(1)) for m in modules]
        with mock.patch.object(RecurrentLayer, "_direction", side_effect=AssertionError("traced")):
            task.loss(model(x), y).backward()
        assert len(calls) == layers
        for h in hooks:
            h.remove()


def test_dropout_changes_training_and_the_same_seed_repeats_it():
    state = torch.get_rng_state()
    plain, dropped, again = (rnnviz.train(tiny(dropout=p, num_layers=2)) for p in (0.0, 0.5, 0.5))
    assert torch.equal(state, torch.get_rng_state())  # masks come from the run's generator
    assert plain.history.loss.iloc[0] != dropped.history.loss.iloc[0]
    assert not np.allclose(plain.history.loss, dropped.history.loss)
    assert dropped.history.equals(again.history)
    assert not dropped.history.loss.equals(rnnviz.train(tiny(dropout=0.5, num_layers=2, seed=1)).history.loss)


def test_records_and_validation_see_no_dropout():
    """Two records of the same weights are equal, the model keeps training mode after them, and a
    record of a dropout model equals one of the same weights without dropout."""
    cfg = tiny(dropout=0.7, num_layers=2, cell="lstm")
    model, task, probe = model_and_batch(cfg)
    seed_dropout(model, torch.Generator().manual_seed(5))
    val = task.batch(8, torch.Generator().manual_seed(2), split="val")
    first, second = (look_inside(0, model, task, probe, val, {}, {}, probe) for _ in range(2))
    assert model.training
    plain, _, _ = model_and_batch(cfg.replace(dropout=0.0))
    third = look_inside(0, plain, task, probe, val, {}, {}, probe)
    for other in (second, third):
        assert other.val_loss == first.val_loss and other.train_loss == first.train_loss
        assert other.probe_loss == first.probe_loss
        assert all(np.array_equal(a, b) for a, b in zip(first.hidden, other.hidden, strict=True))
        assert np.array_equal(first.grad_by_time, other.grad_by_time)
    assert first.train_loss == pytest.approx(first.probe_loss)  # both on the same windows here


def test_the_form_offers_dropout():
    from rnnviz.app.form import FORM
    from rnnviz.app.limits import Limits

    assert FORM["dropout"].widget == "slider"
    assert Limits().ranges["dropout"] == (0, 0.9)


def test_the_gap_claims_and_the_validation_chart_use_the_eval_mode_training_loss():
    import dataclasses

    from rnnviz import plots
    from rnnviz.textclaims import gap_above, gap_below, loss_gap

    run = rnnviz.train(tiny())
    last = run.records[-1]
    assert loss_gap(run) == pytest.approx(last.val_loss - last.train_loss)
    gap = loss_gap(run)
    assert gap_above("", gap - 0.01)(run).passed and not gap_above("", gap + 0.01)(run).passed
    assert gap_below("", gap + 0.01)(run).passed and not gap_below("", gap - 0.01)(run).passed
    fig = plots.val_figure(run)
    seen = [t for t in fig.data if t.meta == "train_loss"]
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0].y, [r.train_loss for r in run.records])
    older = dataclasses.replace(run, records=[dataclasses.replace(r, train_loss=float("nan"))
                                              for r in run.records])
    assert not [t for t in plots.val_figure(older).data if t.meta == "train_loss"]


def test_the_comparing_claim_trains_and_reads_both_runs_of_a_seed():
    """lessons.check_preset trains the twin a comparing claim needs (once, shared); the app's lesson
    panel checks it only when both runs of one seed are there."""
    import dataclasses

    from rnnviz import lessons
    from rnnviz.app.lesson_panel import checks
    from rnnviz.presets import PRESETS

    template = rnnviz.train(tiny(steps=2))
    trained = []

    def fake_train(cfg):  # gap 3.0 without dropout, 3.0 - 4 * dropout with it
        trained.append(cfg)
        last = dataclasses.replace(template.records[-1], val_loss=4.0, train_loss=1.0 + 4 * cfg.dropout)
        return dataclasses.replace(template, config=cfg, records=[last], name=f"p{cfg.dropout}")

    preset = PRESETS["dropout_text"]
    rows = lessons.check_preset(preset, 3, trainer=fake_train)
    assert [r.result.passed for r in rows] == [True, True] and rows[1].result.value == pytest.approx(2.0)
    assert sorted(c.dropout for c in trained) == [0.0, 0.5] and {c.seed for c in trained} == {3}
    weak = dataclasses.replace(preset, claims=(dataclasses.replace(preset.claims[1], check=lambda r, o: (
        preset.claims[1].check(r, o).__class__(False, 0.1, "too little"))),))
    assert not lessons.check_preset(weak, 3, trainer=fake_train)[0].result.passed
    with_dropout, without = trained[1], trained[0]
    found = checks(preset, [fake_train(with_dropout), fake_train(without)])
    assert found[1].result is not None and found[1].result.passed and found[1].run == "p0.5 against p0.0"
    alone = checks(preset, [fake_train(with_dropout)])
    assert alone[1].result is None and "same seed" in alone[1].todo
    other_seed = checks(preset, [fake_train(with_dropout), fake_train(without.replace(seed=9))])
    assert other_seed[1].result is None
    assert preset.claims[1](fake_train(with_dropout)).detail == "no run to compare with"
