"""The Sweep page under AppTest: a tiny sweep to the end, its plot, table and files; bad input
and caps as messages; opening one run of the sweep on Train."""

import io

import pandas as pd
import pytest

from rnnviz import RunConfig
from tests.apptest_helpers import ok, open_app, plain, session, widget

pytestmark = pytest.mark.usefixtures("page_debug")
TINY = {"sw.preset": None, "sw.cells": ["rnn_tanh", "gru"], "sw.field": "seq_len", "sw.values": "6, 8",
        "sw.seeds": 1, "sw.steps": 5}


def set_all(at, values):
    for key, value in values.items():
        (at.text_input(key=key) if key == "sw.values" else widget(at, key)).set_value(value)
        ok(at.run())
    return at


def sweep_state(at):
    return at.session_state["sweep"]


def run_sweep(at):
    ok(at.button(key="sw.start").click().run())
    job = sweep_state(at).job
    assert job is not None and job.wait(120)
    return ok(at.run())


def test_a_tiny_sweep_to_the_end_then_open_one_run():
    at = run_sweep(set_all(open_app("pages/sweep.py"), TINY))
    table = sweep_state(at).table
    assert len(table) == 4 and (table.status == "finished").all()
    assert list(zip(table.cell, table.seq_len, strict=True)) == [("rnn_tanh", 6), ("rnn_tanh", 8), ("gru", 6),
                                                                ("gru", 8)]
    assert at.get("plotly_chart") and len(at.dataframe) == 1 and len(at.dataframe[0].value) == 4
    assert len(at.get("download_button")) == 2
    ok(at.selectbox(key="sw.pick").set_value(3).run())
    [button] = [b for b in at.button if b.label == "Train it again and open it"]
    ok(button.click().run())
    job = session(at).job
    assert job is not None and (job.config.cell, job.config.seq_len) == ("gru", 8)
    assert job.config.probe_size == RunConfig().probe_size > 1  # a normal run's records, not the sweep's


@pytest.mark.parametrize("values, message", [
    ({"sw.values": "6, 1"}, "seq_len: must be an integer from 2"),
    ({"sw.values": "6, x"}, "seq_len: must be"),
    ({"sw.values": ""}, "seq_len: type one or more values"),
    ({"sw.cells": []}, "cell: pick at least one cell"),
    ({"sw.values": "6, 500"}, "seq_len: 500 is outside this server's range"),
])
def test_bad_choices_are_messages(values, message):
    at = set_all(open_app("pages/sweep.py"), {**TINY, **values})
    assert any(message in plain(e.value) for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "sw.start"]


def test_the_server_caps_a_sweep(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_SWEEP_RUNS", "3")
    at = set_all(open_app("pages/sweep.py"), TINY)
    capped = "grid: 2 cell x 2 seq_len x 1 seed = 4 runs, over the cap of 3"
    assert any(capped in plain(e.value) for e in at.error)
    monkeypatch.setenv("RNNVIZ_MAX_SWEEP_RUNS", "40")
    monkeypatch.setenv("RNNVIZ_MAX_SWEEP_S", "1")
    at = set_all(open_app("pages/sweep.py"), {**TINY, "sw.steps": 3000})
    assert any("per sweep" in plain(e.value) for e in at.error)


@pytest.mark.parametrize("name", ["how_far_back", "spectral_radius"])
def test_each_preset_fits_the_default_caps(name):
    at = ok(open_app("pages/sweep.py").selectbox(key="sw.preset").set_value(name).run())
    assert not at.error and [b for b in at.button if b.key == "sw.start"]


def test_results_files_upload_checked():
    at = open_app("pages/sweep.py")
    upload = [u for u in at.file_uploader if u.key == "sw.upload"][0]
    ok(upload.set_value(("bad.parquet", b"junk", "application/octet-stream")).run())
    assert any("bad.parquet: cannot read it as a results table" in plain(e.value) for e in at.error)
    table = pd.DataFrame({"cell": ["lstm", "lstm"], "seq_len": [10, 20], "key": ["a", "b"],
                          "status": ["finished"] * 2, "success": [True, False], "loss_ratio": [0.01, 0.9],
                          "config": ["{}", "{}"], "criterion": ["loss < 0.1x baseline"] * 2})
    buffer = io.BytesIO()
    table.to_parquet(buffer)
    upload = [u for u in at.file_uploader if u.key == "sw.upload"][0]
    ok(upload.set_value(("good.parquet", buffer.getvalue(), "application/octet-stream")).run())
    assert len(sweep_state(at).table) == 2 and at.get("plotly_chart")
