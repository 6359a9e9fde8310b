"""Gradients and Compare under AppTest: for a task with a target at every step, a toggle switches
the gradient views from the loss trained (the default) to the last step's loss, and the charts'
subtitles and axes say which one they show; a task with one target has no toggle."""

import json

import pytest

from rnnviz import RunConfig, train
from tests.apptest_helpers import ok, open_app, uploaded, widget

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them
TOGGLE = "w.last_step_loss"


def tiny(task: str, cell: str = "rnn_tanh"):
    return train(RunConfig(cell=cell, task=task, hidden_size=4, seq_len=6, batch_size=2, steps=4,
                           record_every=2, probe_size=1))


def figures(at) -> dict[str, dict]:
    """Each drawn Plotly chart's layout, by its title's first words."""
    layouts = [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]
    return {layout["title"]["text"].split(",")[0]: layout for layout in layouts}


def words(layout: dict) -> str:
    """A figure's subtitle and y axis title: what it says it shows."""
    return f"{layout['title']['subtitle']['text']} | {layout['yaxis']['title']['text']}".replace("<br>", " ")


def test_gradients_page_toggles_the_last_steps_loss():
    at = uploaded(open_app("pages/gradients.py"), "sine.npz", tiny("sine"))
    shown = figures(at)
    through, over = shown["Gradient flowing back through time"], shown["Gradient through time"]
    assert "loss trained" in words(through) and "mean over every step" in words(through)
    assert "loss trained" in words(over)
    ok(widget(at, TOGGLE).set_value(True).run())
    flipped = figures(at)
    through, over = flipped["Gradient flowing back through time"], flipped["Gradient through time"]
    assert "last step's loss only" in words(through) and "loss trained" not in words(through)
    assert "last step's loss" in words(over) and "mean over steps" not in words(over)


def test_compare_page_toggles_the_last_steps_loss():
    at = uploaded(open_app("pages/compare.py"), "a.npz", tiny("sine"))
    at = uploaded(at, "b.npz", tiny("sine", cell="gru"))
    ok(widget(at, "w.compare").set_value(list(at.session_state["session"].store.names())).run())
    before = words(figures(at)["Gradient flowing back through time"])
    ok(widget(at, TOGGLE).set_value(True).run())
    after = words(figures(at)["Gradient flowing back through time"])
    assert "loss trained" in before and "last step's loss only" in after and before != after


def test_one_target_per_sequence_has_one_loss_and_no_toggle():
    at = uploaded(open_app("pages/gradients.py"), "adding.npz", tiny("adding"))
    assert not [t for t in at.toggle if t.key == TOGGLE]
    assert "the only step with a target" in words(figures(at)["Gradient flowing back through time"])
