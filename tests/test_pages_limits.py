"""Pages under AppTest at the limits: fitted configs, run files (corrupt, above the limits,
crafted), crafted link parameters and text echoed inert, chart titles escaped."""

import re

import plotly.graph_objects as go
import pytest

from rnnviz import RunConfig, train
from rnnviz.app import escape
from rnnviz.runfile import run_to_bytes
from tests.apptest_helpers import (
    current,
    finish_job,
    ok,
    open_app,
    plain,
    session,
    setup,
    uploaded,
    widget,
)

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them

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

