"""Every page under AppTest: loads, trains (background job polled to the end), shows its views,
and turns every bad input into a message — never an exception."""

import re
import time
from contextlib import ExitStack
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import TASKS, RunConfig, train
from rnnviz.app import escape, live
from rnnviz.runfile import run_to_bytes

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["pages/train.py", "pages/hidden.py", "pages/gates.py", "pages/gradients.py", "pages/compare.py"]
TINY = {"w.hidden_size": 6, "w.seq_len": 12, "w.steps": 6, "w.batch_size": 4}


@pytest.fixture(autouse=True)
def debug(monkeypatch):
    monkeypatch.setenv("RNNVIZ_DEBUG", "1")  # let page errors raise, so at.exception sees them


def plain(markdown: str) -> str:
    """What a Markdown text reads as once its backslash escapes are rendered."""
    return re.sub(r"\\(.)", r"\1", markdown)


def session(at: AppTest):
    return at.session_state["session"]


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if "Something went wrong" in e.value]
    return at


def open_app(page: str = "app.py", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query or {})
    ok(at.run())
    return ok(at.switch_page(page).run()) if page != "app.py" else at


def widget(at: AppTest, key: str):
    for kind in ("slider", "number_input", "selectbox", "toggle", "segmented_control", "text_area",
                 "multiselect", "select_slider"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def setup(at: AppTest, values: dict) -> AppTest:
    for key, value in values.items():
        widget(at, key).set_value(value)
        ok(at.run())  # one at a time: a task change redraws its option widgets
    return at


def finish_job(at: AppTest, timeout: float = 60) -> AppTest:
    """Poll like the page does until the background job has been collected."""
    deadline = time.monotonic() + timeout
    while session(at).job is not None:
        assert time.monotonic() < deadline, "training did not finish in time"
        session(at).job.wait(0.2)
        ok(at.run())
    return at


def train_here(at: AppTest, values: dict | None = None) -> AppTest:
    setup(at, {**TINY, **(values or {})})
    assert not at.button(key="train").disabled
    ok(at.button(key="train").click().run())
    return finish_job(at)


def current(at: AppTest):
    return session(at).store.current_run()


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


def test_run_files_open_and_corrupt_ones_are_errors():
    at = open_app("pages/gradients.py")
    upload = [u for u in at.file_uploader if u.key == "w.runfile"][0]
    ok(upload.set_value(("broken.npz", b"not a zip file", "application/octet-stream")).run())
    assert any("broken.npz" in plain(e.value) for e in at.error) and len(session(at).store) == 0
    run = train(RunConfig(hidden_size=4, seq_len=10, steps=4, record_every=2))
    upload = [u for u in at.file_uploader if u.key == "w.runfile"][0]
    ok(upload.set_value(("good.npz", run_to_bytes(run), "application/octet-stream")).run())
    assert current(at).name.startswith("good.npz") and at.get("plotly_chart")
    assert at.get("download_button")


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


def test_a_fitted_value_reaches_the_widget_and_the_link_alike():
    # fit_limits raises record_every: the widget, the session's config and the URL must agree
    at = setup(open_app("pages/train.py"), {"w.steps": 3000, "w.record_every": 1})
    shown = widget(at, "w.record_every").value
    assert shown > 1 and session(at).cfg.record_every == shown
    assert at.query_params["record_every"] == str(shown) and at.query_params["steps"] == "3000"
    assert any("look inside the model every" in plain(i.value) for i in at.info)
    ok(at.run())  # and it stays so, with the notice told once
    assert widget(at, "w.record_every").value == shown == session(at).cfg.record_every
    assert not any("look inside the model every" in plain(i.value) for i in at.info)


def uploaded(at: AppTest, name: str, run) -> AppTest:
    upload = [u for u in at.file_uploader if u.key == "w.runfile"][0]
    return ok(upload.set_value((name, run_to_bytes(run), "application/octet-stream")).run())


def big_run(**changes):
    """A real run whose config is above this server's limits (hidden 512): as an uploaded file."""
    return train(RunConfig(cell="rnn_tanh", hidden_size=512, seq_len=4, batch_size=1, steps=2,
                           record_every=1, probe_size=1, **changes))


def test_a_run_file_above_the_limits_is_fitted_on_every_retrain():
    at = uploaded(open_app("pages/gates.py"), "big.npz", big_run())
    ok(at.button(key="switch.lstm").click().run())  # Gates: train the same with an LSTM
    job = session(at).job
    assert job.config.cell == "lstm" and job.config.hidden_size == 256
    assert any("hidden units per layer and direction: 512 is outside" in plain(i.value) for i in at.info)
    finish_job(at)
    ok(at.switch_page("pages/train.py").run())  # no StreamlitValueAboveMaxError: 512 > 256
    assert widget(at, "w.hidden_size").value == 256 and at.button(key="train")
    uploaded(at, "big2.npz", big_run(clip_norm=None))
    ok(at.switch_page("pages/compare.py").run())
    flip = [b for b in at.button if b.label.startswith("Same run, clipping")][0]
    ok(flip.click().run())
    assert session(at).job.config.hidden_size == 256 and session(at).job.config.clip_norm == 1.0
    finish_job(at)
    ok(at.switch_page("pages/train.py").run())


CRAFTED = ["[Session expired - log in again](http://x)", "![](http://127.0.0.1:9/x.png)",
           "<img src=http://127.0.0.1:9/y.png>", "http://127.0.0.1:9/z"]


def inert(markdown: str) -> bool:
    """No link, image, HTML or autolink can form: every bracket, colon and angle is escaped."""
    return not re.search(r"(?<!\\)[\[\]()!<>:]", markdown)


def test_crafted_link_parameters_are_echoed_as_plain_text():
    query = {text: text for text in CRAFTED} | {"cell": CRAFTED[0], "hidden_size": CRAFTED[1]}
    at = open_app("app.py", query)
    [warning] = at.warning
    items = warning.value.split("\n")[1:]
    assert items and all(inert(item[2:]) for item in items), items
    assert "Session expired - log in again" in plain(warning.value)


def test_many_unknown_link_keys_give_one_notice_listing_a_few():
    at = open_app("app.py", {f"junk{i}": "1" for i in range(300)})
    assert len(at.warning) == 1
    text = plain(at.warning[0].value)
    assert "junk0" in text and "junk299" not in text and "and 295 more" in text


def test_text_from_a_run_file_is_refused_and_echoed_as_plain_text():
    run = train(RunConfig(task="chars", hidden_size=4, seq_len=8, batch_size=2, steps=3, record_every=1))
    run.device = CRAFTED[0]  # the run file's schema refuses it; the message must not render it
    at = uploaded(open_app("pages/train.py"), CRAFTED[1] + ".npz", run)
    [error] = at.error
    assert "not a run file" in plain(error.value) and "a device such as cpu" in plain(error.value)
    assert inert(error.value)
    assert not any("](http" in m.value for m in [*at.success, *at.markdown])


def test_chart_titles_from_data_are_escaped():
    fig = go.Figure(layout={"title": {"text": '<a href="http://x">m</a> <b>bold</b>'}})
    title = escape.figure(fig).layout.title.text
    assert "<a" not in title and "&lt;a href" in title and "<b>bold</b>" in title


# The lesson travels (issue 8 §2, §5): the lesson panel, views opening at the lesson, pins, texts.
from rnnviz import analysis  # noqa: E402 (imports of this section, kept with it)
from rnnviz.presets import PRESETS  # noqa: E402
from rnnviz.run import StepLog  # noqa: E402


def markdown_text(at: AppTest) -> str:
    return "\n".join(plain(m.value) for m in at.markdown)


def test_home_cards_start_with_the_first_lesson_and_render_math():
    at = open_app()
    assert [b.key for b in at.button if b.key.startswith("preset.")][0] == "preset.first_lesson"
    assert any(r"$\lVert \partial L_T / \partial h_t \rVert$" in m.value for m in at.markdown)


def test_a_lesson_shows_on_train_and_its_claims_are_checked_on_the_students_run():
    at = open_app()
    ok(at.button(key="preset.first_lesson").click().run())
    text = markdown_text(at)
    assert "Lesson: First lesson" in text and "The loss falls far below the baseline" in text
    assert "To check it: train the lesson" in text and "✓" not in text
    ok(at.button(key="train").click().run())
    finish_job(at)
    run = current(at)
    result = PRESETS["first_lesson"].claims[0](run)
    text = markdown_text(at)
    assert ("✓" if result.passed else "✗") in text and result.detail in text and run.name in text
    assert "To check it" not in text


def test_a_claim_about_other_settings_says_what_to_change():
    at = open_app("pages/train.py", {"preset": "exploding"})
    text = markdown_text(at)
    assert "To check it: train the lesson with gradient clipping on (max norm 1) to check this" in text
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
