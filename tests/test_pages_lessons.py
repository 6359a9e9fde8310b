"""Pages under AppTest: the lesson travels (issue 8 §2, §5) — the lesson panel and Home
cards, views opening at the lesson, pins, Compare's default runs, texts, units sorted by a
statistic."""


import pytest

from rnnviz import TASKS, RunConfig, analysis, train
from rnnviz.presets import PRESETS
from rnnviz.run import StepLog
from tests.apptest_helpers import (
    current,
    finish_job,
    markdown_text,
    ok,
    open_app,
    plain,
    session,
    setup,
    train_here,
    uploaded,
    widget,
)

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them

def test_home_cards_start_with_the_first_lesson_and_render_math():
    at = open_app()
    assert [b.key for b in at.button if b.key.startswith("preset.")][0] == "preset.first_lesson"
    assert any(r"$\lVert \partial L_T / \partial h_t \rVert$" in m.value for m in at.markdown)


def test_a_lesson_shows_on_train_and_its_claims_are_checked_on_the_students_run():
    at = open_app()
    ok(at.button(key="preset.first_lesson").click().run())
    text = markdown_text(at)
    assert "Lesson: First lesson" in text and "The loss falls far below the baseline" in text
    assert "Not checked yet: train the lesson" in text and "✓" not in text
    ok(at.button(key="train").click().run())
    finish_job(at)
    run = current(at)
    result = PRESETS["first_lesson"].claims[0](run)
    text = markdown_text(at)
    assert ("✓" if result.passed else "✗") in text and result.detail in text and run.name in text
    assert "Not checked yet" not in text


def test_a_claim_about_other_settings_says_what_to_change():
    at = open_app("pages/train.py", {"preset": "exploding"})
    text = markdown_text(at)
    assert "Not checked yet: train the lesson with gradient clipping on (max norm 1) to check this" in text
    assert at.button(key="lesson.try.2").label == "Train with gradient clipping on (max norm 1)"


def test_an_exploding_run_opens_gradients_at_its_largest_gradient_norm():
    run = train(RunConfig(cell="rnn_tanh", task="sine", hidden_size=4, seq_len=6, batch_size=2, steps=12,
                          record_every=2, probe_size=1))
    norms = [1.0] * 12
    norms[6] = 5e4  # a spike at step 6, between the first and the last record
    run.rows = StepLog([{**row, "grad_norm": g} for row, g in zip(run.rows, norms, strict=True)])
    at = uploaded(open_app("pages/gradients.py"), "spike.npz", run)
    slider = widget(at, f"rec.{current(at).name}")
    assert current(at).record_steps[slider.value] == 6 and slider.value != len(run.records) - 1


def test_a_pinned_run_is_never_dropped_by_the_run_cap(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_RUNS", "2")
    run = train(RunConfig(cell="rnn_tanh", task="sine", hidden_size=4, seq_len=6, batch_size=2, steps=2,
                          record_every=1, probe_size=1))
    at = uploaded(open_app("pages/compare.py"), "first.npz", run)
    first = current(at).name
    ok(at.toggle(key=f"pin.{first}").set_value(True).run())
    assert first in session(at).store.pinned
    for name in ("second.npz", "third.npz", "fourth.npz"):
        at = uploaded(at, name, run)
    assert first in session(at).store.runs and len(session(at).store) == 2


def test_compare_picks_runs_on_the_same_task_by_default():
    at = train_here(open_app("pages/train.py"), {"w.task": "sine"})
    sine = current(at).name
    train_here(at, {"w.task": "adding"})
    train_here(at, {"w.task": "sine"})
    ok(at.switch_page("pages/compare.py").run())
    assert widget(at, "w.compare").value == [current(at).name, sine]


def test_a_short_text_says_how_long_it_must_be_and_the_default_comes_back():
    at = setup(open_app("pages/train.py"), {"w.task": "chars", "w.seq_len": 20})
    ok(widget(at, "w.opt.chars.text").set_value("far too short").run())
    assert any("must be at least 43 characters" in plain(e.value) for e in at.error)
    assert any("with sequence length 20" in plain(w.value) for w in at.warning)
    ok(at.button(key="restore_text").click().run())
    assert widget(at, "w.opt.chars.text").value == TASKS["chars"].OPTIONS["text"].default
    assert not at.error and not at.button(key="train").disabled


def test_hidden_states_sorts_units_by_a_statistic():
    at = train_here(open_app("pages/train.py"), {"w.task": "chars"})
    ok(at.switch_page("pages/hidden.py").run())
    run = current(at)
    stat = widget(at, f"unit_stat.{run.name}")
    assert stat.value == "space"
    ok(stat.set_value("variance").run())
    order = widget(at, f"unit.{run.name}").options
    expected = analysis.rank_units(analysis.unit_statistics(run)["variance"])
    assert [int(o.split()[1]) for o in order] == expected
