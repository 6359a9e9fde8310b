"""Every page under AppTest: loads, trains (background job polled to the end), shows its views,
and turns every bad input into a message — never an exception."""

import time
from contextlib import ExitStack

import pytest

from rnnviz import TASKS
from rnnviz.app import live
from tests.apptest_helpers import (
    TINY,
    current,
    finish_job,
    ok,
    open_app,
    plain,
    session,
    setup,
    train_here,
    widget,
)

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them

PAGES = ["pages/train.py", "pages/hidden.py", "pages/gates.py", "pages/gradients.py", "pages/compare.py",
         "pages/memory.py"]


@pytest.mark.parametrize("page", ["app.py", *PAGES])
def test_every_page_loads_without_a_run(page):
    at = open_app(page)
    if page in PAGES[1:]:
        assert any("No run yet" in i.value or "Pick two or more runs" in i.value for i in at.info)


def test_train_then_every_view():
    at = train_here(open_app("pages/train.py"))
    run = current(at)
    assert run.status == "finished" and run.steps_done == 6
    assert any("finished" in s.value for s in at.success)
    assert at.query_params == {"hidden_size": "6", "seq_len": "12", "steps": "6", "batch_size": "4"}
    for page in PAGES:
        ok(at.switch_page(page).run())
        if page != "pages/compare.py":
            assert at.get("plotly_chart"), page
            assert at.expander and any(e.label == "How to read this" for e in at.expander)


def test_open_a_preset_from_home_and_train_it():
    at = open_app()
    ok(at.button(key="preset.first_lesson").click().run())
    assert at.title[0].value == "Train" and at.query_params == {"preset": "first_lesson"}
    assert widget(at, "w.cell").value == "rnn_tanh" and widget(at, "w.task").value == "ramp"
    ok(at.button(key="train").click().run())
    finish_job(at)
    assert current(at).status == "finished" and current(at).config.task == "ramp"


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_from_its_widgets(task):
    at = train_here(open_app("pages/train.py"), {"w.task": task, "w.cell": "gru"})
    assert current(at).config.task == task and current(at).status == "finished"
    ok(at.switch_page("pages/hidden.py").run())
    assert bool(at.get("html")) == bool(current(at).probe_tokens)  # inputs coloured by a unit
    if task in ("chars", "words"):
        assert at.get("html")


@pytest.mark.parametrize("clip", [True, False])
def test_the_clipping_toggle_changes_the_applied_norm(clip):
    at = open_app("pages/train.py", {"preset": "exploding"})
    setup(at, {"w.clip_on": clip})
    if clip:
        setup(at, {"w.clip_norm": 0.05})
    history = current(train_here(at, {"w.steps": 15})).history
    if clip:
        assert (history.grad_norm_clipped <= 0.05 + 1e-6).all() and history.clipped.all()
    else:
        assert (history.grad_norm_clipped == history.grad_norm).all() and not history.clipped.any()


def test_controls_are_disabled_and_the_queue_is_shown_while_waiting():
    slots = live.trainer_slots()  # the process's trainers, shared with every session
    at = setup(open_app("pages/train.py"), TINY)
    with ExitStack() as others:
        for _ in range(slots.capacity):  # other students' runs hold every trainer
            others.enter_context(slots.hold(estimate=lambda: 42.0))
        ok(at.button(key="train").click().run())
        time.sleep(0.5)
        ok(at.run())
        queued = [i.value for i in at.info if "waiting for a free trainer" in i.value.lower()]
        assert queued and "expected wait about 42 s" in queued[0]
        assert widget(at, "w.hidden_size").disabled and at.button(key="train").disabled
        assert at.button(key="stop")
    finish_job(at)
    assert not widget(at, "w.hidden_size").disabled and current(at).status == "finished"


def test_stop_keeps_the_run_so_far():
    at = setup(open_app("pages/train.py"), {**TINY, "w.steps": 3000})
    ok(at.button(key="train").click().run())
    while current_job_steps(at) < 3:
        time.sleep(0.05)
    ok(at.button(key="stop").click().run())
    finish_job(at)
    assert current(at).status == "stopped" and 0 < current(at).steps_done < 3000


def current_job_steps(at):
    job = session(at).job
    return job.run.steps_done if job and job.run else 0


def test_a_vanilla_rnn_has_no_gates_and_offers_a_gated_cell():
    at = train_here(open_app("pages/train.py"), {"w.cell": "rnn_tanh"})
    ok(at.switch_page("pages/gates.py").run())
    assert any("has no gates" in i.value for i in at.info)
    ok(at.button(key="switch.lstm").click().run())
    finish_job(at)
    assert current(at).config.cell == "lstm" and current(at).config.hidden_size == 6
    assert len(at.get("plotly_chart")) >= 4


def test_compare_clipping_flipped():
    at = train_here(open_app("pages/train.py"))
    first = current(at).name
    ok(at.switch_page("pages/compare.py").run())
    flip = [b for b in at.button if b.label.startswith("Same run, clipping")][0]
    ok(flip.click().run())
    finish_job(at)
    chosen = widget(at, "w.compare").value
    assert chosen == [first, current(at).name] and current(at).config.clip_norm is None
    assert len(at.get("plotly_chart")) == 3


def test_presenter_mode_hides_controls_and_shows_one_view():
    at = open_app("pages/train.py", {"presenter": "1", "hide": "lr,optimizer"})
    keys = {w.key for kind in ("number_input", "selectbox") for w in getattr(at, kind)}
    assert "w.lr" not in keys and "w.optimizer" not in keys and "w.hidden_size" in {s.key for s in at.slider}
    train_here(at)
    assert len(at.get("plotly_chart")) == 1 and widget(at, "view.train").value == "Loss"
    assert at.query_params["presenter"] == "1" and at.query_params["hide"] == "lr,optimizer"


def test_presenter_view_picker_names_metrics_in_words():
    at = train_here(open_app("pages/train.py", {"presenter": "1", "task": "sentiment", "steps": "5"}))
    picker = widget(at, "view.train")
    assert list(picker.options) == ["Loss", "Gradient norm", "Validation", "Accuracy",
                                    "Accuracy on negated sentences"]
    ok(picker.set_value("negated_accuracy").run())
    assert len(at.get("plotly_chart")) == 1


def test_nonsense_url_parameters_are_named_and_ignored():
    at = open_app("app.py", {"cell": "banana", "lr": "-1", "hidden_size": "abc", "zzz": "1"})
    assert len(at.warning) == 1  # one notice, listing each
    for name in ("cell", "lr", "hidden_size", "zzz"):
        assert f"- {name}:" in plain(at.warning[0].value)
    assert at.query_params == {}  # the link now says what is really used
    ok(at.switch_page("pages/train.py").run())
    assert widget(at, "w.cell").value == "lstm" and widget(at, "w.hidden_size").value == 64


def test_too_short_text_is_an_error_and_blocks_training():
    at = setup(open_app("pages/train.py"), {"w.task": "chars"})
    setup(at, {"w.opt.chars.text": "abc"})
    assert any("Text to learn: the text is 3 characters long" in plain(e.value) for e in at.error)
    assert at.button(key="train").disabled
    setup(at, {"w.opt.chars.text": ""})
    assert any("empty" in e.value for e in at.error)


@pytest.mark.parametrize("task,name,data,says", [
    ("chars", "story.txt", "héllo wörld".encode("latin-1"), "not UTF-8"),
    ("chars", "short.txt", b"abc", "needs at least"),
    ("csv", "words.csv", b"a,b\nx,y\nz,w\n", "no numeric column"),
    ("csv", "gaps.csv", b"x,y\n" + b"1,2\n" * 40 + b",3\n" + b"4,5\n" * 40, "missing"),
    ("csv", "empty.csv", b"", "empty"),
])
def test_bad_uploads_are_errors_and_keep_the_previous_data(task, name, data, says):
    at = setup(open_app("pages/train.py"), {"w.task": task})
    option = "text" if task == "chars" else "csv"
    before = at.session_state[f"w.opt.{task}.{option}"]
    [u for u in at.file_uploader if u.key == f"w.opt.{task}.{option}.upload"][0].set_value(
        (name, data, "text/plain"))
    ok(at.run())
    errors = [plain(e.value) for e in at.error]
    assert any(says in e and name in e for e in errors), errors
    assert at.session_state[f"w.opt.{task}.{option}"] == before and not at.button(key="train").disabled


def test_a_good_csv_upload_offers_its_columns():
    at = setup(open_app("pages/train.py"), {"w.task": "csv"})
    rows = "\n".join(f"{i},{i % 7},{(i * 3) % 5}" for i in range(80))
    [u for u in at.file_uploader if u.key == "w.opt.csv.csv.upload"][0].set_value(
        ("data.csv", f"day,a,b\n{rows}\n".encode(), "text/csv"))
    ok(at.run())
    assert widget(at, "w.opt.csv.target").options == ["day", "a", "b"]
    assert any("needs at least 103" in e.value for e in at.error)  # 80 rows: seq_len 50 is too long
    setup(at, {"w.seq_len": 12, "w.opt.csv.target": "a", "w.opt.csv.features": ["b"]})
    run = current(train_here(at))
    assert run.config.task_options["target"] == "a" and run.config.task_options["features"] == "b"




def test_the_device_is_shown(monkeypatch):
    import torch

    at = open_app()
    assert any("Training runs on **CPU**" in m.value for m in at.markdown)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # no GPU here: the plumbing only
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Fake GPU")
    ok(at.run())
    assert any("GPU (Fake GPU)" in m.value for m in at.markdown)
    at = open_app("pages/train.py")  # a session learns the machine's devices when it starts
    assert "cuda" in widget(at, "w.device").options


def test_a_session_keeps_a_bounded_number_of_runs(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_RUNS", "2")
    at = open_app("pages/train.py")
    for seed in range(3):
        train_here(at, {"w.seed": seed})
    store = session(at).store
    assert len(store) == 2 and store.names()[0].endswith("#3")
    assert any("at most 2 runs" in plain(i.value) and "#1" in plain(i.value) for i in at.info)
