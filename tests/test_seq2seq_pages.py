"""The Attention page and the seq2seq parts of the Train form and the view pages, under AppTest."""

import pytest

from tests.apptest_helpers import current, finish_job, ok, open_app, plain, session, train_here, widget

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them

SEQ2SEQ = {"w.task": "reverse", "w.cell": "gru", "w.seq_len": 6}


def keys(at) -> set[str]:
    return {w.key for kind in ("segmented_control", "slider", "select_slider") for w in getattr(at, kind)}


def test_the_seq2seq_fields_show_only_for_seq2seq_tasks():
    at = open_app("pages/train.py")
    assert not {"w.attention", "w.teacher_forcing"} & keys(at)
    widget(at, "w.task").set_value("sort")
    ok(at.run())
    assert {"w.attention", "w.teacher_forcing"} <= keys(at)


def test_attention_page_over_training_and_by_length():
    at = train_here(open_app("pages/train.py"), {**SEQ2SEQ, "w.attention": "additive",
                                                 "w.teacher_forcing": 0.5})
    run = current(at)
    assert run.config.attention == "additive" and run.config.teacher_forcing == 0.5
    assert run.records[-1].attention.shape == (run.config.probe_size, 6, 6)
    ok(at.switch_page("pages/attention.py").run())
    charts = at.get("plotly_chart")
    assert len(charts) == 2, charts
    slider = [s for s in at.select_slider if s.key.startswith("att.rec.")][0]
    ok(slider.set_value(0).run())  # the first record: the matrix at step 0
    # train the same without attention from the page: both lines on the length chart
    ok(at.button[0].click().run())
    finish_job(at)
    assert current(at).config.attention == "none"
    ok(at.switch_page("pages/attention.py").run())
    assert any("has no attention" in i.value for i in at.info)  # no matrix for this one
    (chart,) = at.get("plotly_chart")  # accuracy by length: both runs, one line each
    assert "attention: none" in chart.proto.spec and "attention: additive" in chart.proto.spec
    assert [m for m in at.multiselect if m.key.startswith("att.with.")][0].value == [run.name]


@pytest.mark.parametrize("page", ["pages/hidden.py", "pages/gates.py", "pages/gradients.py"])
def test_view_pages_show_encoder_or_decoder(page):
    at = train_here(open_app("pages/train.py"), {**SEQ2SEQ, "w.task": "add", "w.seq_len": 7})
    ok(at.switch_page(page).run())
    side = [s for s in at.segmented_control if s.key.startswith("side.")][0]
    assert side.value == "encoder" and at.get("plotly_chart")
    ok(side.set_value("decoder").run())
    assert at.get("plotly_chart")


def test_attention_page_without_a_run_or_with_another_task():
    at = open_app("pages/attention.py")
    assert any("No run yet" in i.value for i in at.info)
    at = train_here(open_app("pages/train.py"), {"w.task": "copy"})
    ok(at.switch_page("pages/attention.py").run())
    assert any("not an encoder-decoder run" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_a_length_out_of_range_is_a_message():
    at = open_app("pages/train.py")
    widget(at, "w.task").set_value("add")
    ok(at.run())
    widget(at, "w.seq_len").set_value(2)
    ok(at.run())
    assert any("seq_len: the add task takes inputs of 3 to 200 tokens" in plain(e.value) for e in at.error)
    assert session(at).job is None
