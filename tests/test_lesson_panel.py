"""lesson_panel's plain parts: lesson text as math, claims checked on the right run, changes in words;
form's too-short-text message."""

import math
import re

import pytest

from rnnviz import RunConfig
from rnnviz.app import form
from rnnviz.app.lesson_panel import PAGES, change_words, check_line, checks, lesson_markdown
from rnnviz.claims import Claim, ClaimResult
from rnnviz.presets import PRESETS, Preset
from rnnviz.run import Run

BASE = RunConfig(cell="rnn_tanh", task="sine", hidden_size=8, steps=10, clip_norm=None)


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def fake_run(cfg: RunConfig, name: str, loss: float = 0.5) -> Run:
    return Run(config=cfg, name=name,
               rows=[{"step": 0, "loss": loss, "grad_norm": 1.0, "grad_norm_clipped": 1.0, "clipped": False}])


def loss_claim(text: str, **changes) -> Claim:
    def check(run: Run) -> ClaimResult:
        loss = float(run.history.loss.iloc[-1])
        return ClaimResult(loss < 1.0, loss, f"loss {loss:g}")
    return Claim(text, check, changes)


PRESET = Preset("demo", "Demo", "A lesson.", BASE,
                (loss_claim("Loss below 1."), loss_claim("With clipping, loss below 1.", clip_norm=1.0)))


def test_each_claim_is_checked_on_the_newest_run_it_is_about():
    runs = [fake_run(BASE.replace(seed=3), "newest", 2.0), fake_run(BASE.replace(clip_norm=1.0), "clip", 0.2),
            fake_run(BASE, "older", 0.1)]
    plain, clipped = checks(PRESET, runs)
    assert (plain.run, plain.result.passed, plain.result.value) == ("newest", False, 2.0)  # any seed
    assert (clipped.run, clipped.result.passed) == ("clip", True)
    assert "✗] in newest: loss 2" in unescaped(check_line(plain))
    assert "✓] in clip: loss 0.2" in unescaped(check_line(clipped))


def test_unchecked_claims_say_what_to_train():
    other = fake_run(BASE.replace(hidden_size=16), "changed")
    plain, clipped = checks(PRESET, [other, Run(config=BASE, name="empty")])  # no steps: not checked
    assert plain.result is None and plain.todo == "train the lesson's settings to check this"
    assert clipped.todo == "train the lesson with gradient clipping on (max norm 1) to check this"
    assert "Not checked yet:" in check_line(clipped)


def test_change_words():
    assert change_words({"clip_norm": None}) == "gradient clipping off"
    assert change_words({"clip_norm": 0.5, "hidden_size": 32}) == \
        "gradient clipping on (max norm 0.5), hidden size 32"


def test_lesson_markdown_renders_notation_as_math_and_escapes_dollars():
    out = lesson_markdown("Open Gradients: ||dL_T/dh_t|| falls; W_hh starts at 1/12 of $5.")
    assert r"$\lVert \partial L_T / \partial h_t \rVert$" in out and "$W_{hh}$" in out
    assert "$1/12$" in out and r"\$5" in out


def test_every_preset_has_a_page_that_exists():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert set(PAGES) == set(PRESETS)
    assert all((root / page).is_file() for page, _ in PAGES.values())


@pytest.mark.parametrize("task,unit", [("chars", "characters"), ("words", "words")])
def test_a_short_text_says_how_long_it_must_be(task, unit):
    state = {"w.task": task, "w.seq_len": 30, f"w.opt.{task}.text": "a b c"}
    found, message = form.short_text(state)
    assert found == task and f"with sequence length 30 it must be at least 63 {unit}" in message
    assert "task_options" not in message and "seq_len" not in message
    assert form.short_text({**state, f"w.opt.{task}.text": form.default_text(task)}) is None
    assert form.short_text({"w.task": "adding", "w.seq_len": 30}) is None
    assert form.text_words("lr: must be positive") == "lr: must be positive"


def test_result_numbers_may_be_nan():
    bad = Claim("x", lambda run: ClaimResult(False, math.nan, "no record"))
    [check] = checks(Preset("p", "P", "", BASE, (bad,)), [fake_run(BASE, "r")])
    assert "✗" in check_line(check) and "no record" in check_line(check)


def test_claims_are_about_the_preset_as_this_server_fits_it():
    fitted = BASE.replace(steps=5)  # e.g. a server that allows fewer steps
    run = fake_run(fitted.replace(clip_norm=1.0), "fitted clip")
    plain, clipped = checks(PRESET, [run], fitted)
    assert plain.result is None and clipped.run == "fitted clip"
    assert checks(PRESET, [run])[1].result is None  # against the preset's own config it is not
