"""Lessons are claims: each preset's claims hold on several seeds, and the checker can fail."""

import math
import os

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import lessons
from rnnviz.claims import (
    Claim,
    grad_spike,
    loss_above,
    loss_below,
    loss_jump,
    reber_spans,
)
from rnnviz.presets import PRESETS, Preset
from rnnviz.tasks.reber import SYMBOLS, Reber, closing_targets

CHEAP = ["first_lesson", "vanishing", "exploding"]  # a few seconds per seed on 2 cores
LONG = [name for name in PRESETS if name not in CHEAP]
SEEDS = [0, 1, 2]


def assert_claims_hold(name: str, seed: int) -> None:
    checked = lessons.check_preset(PRESETS[name], seed)
    assert len(checked) == len(PRESETS[name].claims)
    failed = [f"{c.claim} [{c.result.detail}]" for c in checked if not c.result.passed]
    assert not failed, f"{name}, seed {seed}: " + "; ".join(failed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", CHEAP)
def test_cheap_presets_claims_hold(name, seed):
    assert_claims_hold(name, seed)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RNNVIZ_SLOW") != "1",
                    reason="minutes on 2 cores: set RNNVIZ_SLOW=1, or run python -m rnnviz.lessons")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", LONG)
def test_long_presets_claims_hold(name, seed):
    assert_claims_hold(name, seed)


def tiny(*claims: Claim) -> Preset:
    return Preset("tiny", "Tiny", "A two-step run.", rnnviz.RunConfig(
        cell="rnn_tanh", task="ramp", hidden_size=4, seq_len=5, steps=2, device="cpu"), claims)


def test_main_exits_non_zero_when_a_claim_fails(monkeypatch, capsys):
    impossible = loss_below("The loss reaches below zero.", 0.0)
    monkeypatch.setitem(PRESETS, "tiny", tiny(loss_above("The loss is positive.", 0.0), impossible))
    assert lessons.main(["--seeds", "0-1", "--preset", "tiny"]) == 1
    out = capsys.readouterr().out
    assert out.count("FAIL") == 2 and "The loss reaches below zero." in out
    assert "2/4 claims hold" in out and "seconds of training per seed: tiny" in out


def test_main_exits_zero_when_every_claim_holds(monkeypatch, capsys):
    monkeypatch.setitem(PRESETS, "tiny", tiny(loss_above("The loss is positive.", 0.0)))
    assert lessons.main(["--seeds", "3", "--preset", "tiny"]) == 0
    assert "1/1 claims hold" in capsys.readouterr().out


def test_runs_are_shared_between_claims_about_the_same_config():
    trained = []

    def trainer(cfg):
        trained.append(cfg)
        return rnnviz.train(cfg)

    preset = tiny(loss_above("A.", 0.0), loss_above("B.", 0.0),
                  loss_above("C.", 0.0, clip_norm=None))
    checked = lessons.check_preset(preset, 5, trainer=trainer)
    assert [c.seed for c in checked] == [5, 5, 5]
    assert [c.trained for c in checked] == [True, False, True]
    assert [c.clip_norm for c in trained] == [1.0, None] and all(c.seed == 5 for c in trained)


def test_claims_for_a_run_picks_the_claims_about_its_config():
    preset = tiny(loss_above("On.", 0.0), loss_above("Off.", 0.0, clip_norm=None))
    run = rnnviz.train(preset.config.replace(clip_norm=None, seed=4))
    picked = lessons.claims_for(preset, run)
    assert [c.text for c, _ in picked] == ["Off."] and picked[0][1].passed


@pytest.mark.parametrize(("text", "seeds"), [
    ("0-9", list(range(10))), ("0,3,5", [0, 3, 5]), ("0-2,7", [0, 1, 2, 7]), (" 4 ", [4])])
def test_parse_seeds(text, seeds):
    assert lessons.parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a-b", "0-", "1,,2"])
def test_parse_seeds_rejects_nonsense(text):
    with pytest.raises(ValueError, match="^--seeds"):
        lessons.parse_seeds(text)


def test_parse_presets():
    assert lessons.parse_presets(None) == list(PRESETS)
    assert lessons.parse_presets(["vanishing,exploding", "vanishing"]) == ["vanishing", "exploding"]
    with pytest.raises(ValueError, match="^--preset"):
        lessons.parse_presets(["nope"])


def history_run(losses, norms) -> rnnviz.Run:
    rows = [{"step": i, "loss": loss, "grad_norm": g, "grad_norm_clipped": g, "clipped": False}
            for i, (loss, g) in enumerate(zip(losses, norms, strict=True))]
    return rnnviz.Run(config=rnnviz.RunConfig(), baseline_loss=1.0, rows=rows)


def test_measurements_treat_a_non_finite_history_as_a_spike():
    run = history_run([0.5, 2.0, math.nan], [1.0, 50.0, math.inf])
    assert grad_spike(run) == math.inf and loss_jump(run) == math.inf
    run = history_run([0.5, 2.0, 1.0], [2.0, 50.0, 4.0])
    assert grad_spike(run) == 25.0 and loss_jump(run) == 4.0
    assert not loss_below("Low.", 0.5)(history_run([math.inf], [1.0])).passed


def test_a_run_with_no_step_fails_every_claim():
    result = loss_above("Anything.", -1.0)(rnnviz.Run(config=rnnviz.RunConfig()))
    assert not result.passed and math.isnan(result.value)


def test_closing_targets_and_spans_follow_the_grammar():
    x, y = Reber(60).batch(16, torch.Generator().manual_seed(1))
    ids = x.argmax(-1).numpy()
    closing = closing_targets(y).numpy()
    spans = reber_spans(ids)
    assert len(spans) >= 16
    for seq, branch, inner_end, symbol in spans:
        assert SYMBOLS[symbol] in "TP" and SYMBOLS[ids[seq, branch - 1]] == "B"
        assert SYMBOLS[ids[seq, inner_end]] == "E" and closing[seq, inner_end]
        assert y[seq, inner_end] == symbol  # the closing symbol repeats the branch symbol
    assert closing.sum() == len(spans)
    assert np.all(np.isin(y.numpy()[closing], [SYMBOLS.index("T"), SYMBOLS.index("P")]))
