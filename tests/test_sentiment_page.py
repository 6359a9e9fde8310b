"""The Decisions page under AppTest: a sentiment run's views, one view in presenter mode, and a
pointer to Train for a run that is not a many-to-one classifier."""

from __future__ import annotations

import pytest

from rnnviz.presets import PRESETS
from tests.apptest_helpers import current, ok, open_app, train_here, widget

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them


def test_decisions_page_shows_a_sentiment_run():
    at = train_here(open_app("pages/train.py"), {"w.task": "sentiment", "w.cell": "lstm"})
    assert current(at).config.task == "sentiment" and current(at).status == "finished"
    ok(at.switch_page("pages/sentiment.py").run())
    assert at.title[0].value == "Decisions"
    assert len(at.get("plotly_chart")) == 4 and at.get("html")  # states, words, accuracy, loss; sentences
    widget(at, f"rec.{current(at).name}").set_value(0)
    ok(at.run())
    assert len(at.get("plotly_chart")) == 4


def test_presenter_mode_shows_one_view_at_a_time():
    at = train_here(open_app("pages/train.py", {"presenter": "1"}), {"w.task": "sentiment"})
    ok(at.switch_page("pages/sentiment.py").run())
    assert len(at.get("plotly_chart")) == 1 and widget(at, "view.decisions").value == "Final states"
    widget(at, "view.decisions").set_value("Words")
    ok(at.run())
    assert len(at.get("plotly_chart")) == 1 and at.get("html")


def test_another_task_gets_a_pointer_to_train():
    at = train_here(open_app("pages/train.py"), {"w.task": "ramp"})
    ok(at.switch_page("pages/sentiment.py").run())
    assert not at.get("plotly_chart") and "sentiment" in at.info[0].value


def test_the_lesson_opens_train_with_the_sentiment_task():
    at = open_app("app.py")
    ok(at.button(key="preset.sentiment").click().run())
    assert widget(at, "w.task").value == "sentiment" and widget(at, "w.cell").value == "lstm"
    assert PRESETS["sentiment"].config.task_options == {"filler": 0.7}


def test_the_page_loads_without_a_run():
    at = open_app("pages/sentiment.py")
    assert any("No run yet" in i.value for i in at.info)
