"""The Memory page under AppTest: every view on a probe and on the student's own input, clear
messages for bad input and for runs without weights; the Gradients page's Jacobian product view."""

import dataclasses
import json

import pytest

from rnnviz.inspector import inspect_step
from rnnviz.own_input import parse_input
from rnnviz.tasks import make_task
from rnnviz.weights import model_at
from tests.apptest_helpers import current, ok, open_app, plain, session, train_here, uploaded

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_without_a_run_it_points_to_train():
    at = open_app("pages/memory.py")
    assert any("No run yet" in i.value for i in at.info)


def test_text_run_probe_and_own_input():
    at = train_here(open_app("pages/train.py"), {"w.task": "chars", "w.cell": "lstm"})
    ok(at.switch_page("pages/memory.py").run())
    run = current(at)
    names = titles(at)
    assert any(n.startswith("Memory map: which inputs each output used") for n in names)
    assert any(n.startswith("Gradient through the chain") for n in names)
    assert any(n.startswith("What the model expects next") for n in names)
    assert any(n.startswith("Input gate over time") for n in names) and len(at.latex) >= 6
    ok(at.segmented_control(key=f"mem.source.{run.name}").set_value("Your own input").run())
    ok(at.text_area(key=f"mem.own.{run.name}").set_value("the cat~").run())
    assert any("never saw" in plain(e.value) and "'~'" in plain(e.value) for e in at.error)
    assert not at.get("plotly_chart")  # nothing computed on an input the model cannot read
    ok(at.text_area(key=f"mem.own.{run.name}").set_value("the cat").run())
    assert not at.error and len(at.get("plotly_chart")) >= 5
    ok(at.slider(key=f"mem.t.{run.name}").set_value(3).run())
    ok(at.number_input(key=f"mem.unit.{run.name}").set_value(2).run())
    shown = {m.label: m.value for m in at.metric}
    model = model_at(run, len(run.records) - 1)  # the slider opens at the last record
    ins = inspect_step(model, parse_input(make_task(run.config), "the cat").x, 3, 2)
    assert shown["‖∂s_t/∂s_{t-1}‖"] == f"{ins.sigma:.3g}"
    forget = next(g.value for g in ins.gates if g.name == "forget")
    assert shown["∂c_t/∂c_{t-1} for this unit"] == f"{forget:.3g}"


def test_adding_run_on_a_vanilla_rnn_draws_the_final_row_and_the_bound():
    at = train_here(open_app("pages/train.py"), {"w.task": "adding", "w.cell": "rnn_tanh"})
    ok(at.switch_page("pages/memory.py").run())
    names = titles(at)
    assert any(n.startswith("Memory map of the final output") for n in names)
    chain = [c for c, n in zip(at.get("plotly_chart"), names, strict=True) if "chain" in n]
    assert any(t.get("meta") == "bound" for t in json.loads(chain[0].proto.spec)["data"])
    assert not any(n.startswith("What the model expects next") for n in names)
    run = current(at)
    ok(at.segmented_control(key=f"mem.source.{run.name}").set_value("Your own input").run())
    assert at.dataframe  # the numbers' table (st.data_editor), one row per step
    ok(at.switch_page("pages/gradients.py").run())
    assert any(n.startswith("Gradient through the chain") for n in titles(at))


def test_a_run_without_weights_says_so():
    at = train_here(open_app("pages/train.py"))
    run = current(at)
    bare = dataclasses.replace(run, weights=None, name="",
                               records=[dataclasses.replace(r, weights=None) for r in run.records])
    uploaded(at, "old.npz", bare)
    assert current(at).name.startswith("old.npz") and session(at)
    ok(at.switch_page("pages/memory.py").run())
    assert any("kept no weights" in plain(w.value) for w in at.warning)
    ok(at.switch_page("pages/gradients.py").run())
    assert any("did not keep them" in i.value for i in at.info)


def test_encoder_decoder_run_gets_its_memory_map_on_a_probe_and_on_own_input():
    at = train_here(open_app("pages/train.py"), {"w.task": "reverse", "w.cell": "gru", "w.seq_len": 6})
    ok(at.switch_page("pages/memory.py").run())
    run = current(at)
    charts = at.get("plotly_chart")
    assert titles(at)[0].startswith("Memory map: which inputs each output used")
    assert any(n.startswith("Gradient through the chain") for n in titles(at))  # the encoder's inspector
    assert len(at.latex) >= 3  # a GRU's equations with this step's numbers
    spec = json.loads(charts[0].proto.spec)
    heatmap = spec["data"][0]
    assert heatmap["z"]["shape"] == "6, 6"  # decoder steps x encoder steps
    assert spec["layout"]["yaxis"]["title"]["text"] == "decoder step: token written"
    assert any("Attention page" in c.value for c in at.caption)
    ok(at.segmented_control(key=f"mem.source.{run.name}").set_value("Your own input").run())
    ok(at.text_area(key=f"mem.own.{run.name}").set_value("3 1 4 1 5 9 2 6").run())
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heatmap["z"]["shape"] == "8, 8"  # any length the task reads
    assert at.slider(key=f"mem.t.{run.name}").max == 7  # the inspector's steps: the typed input's
    ok(at.text_area(key=f"mem.own.{run.name}").set_value("3 1 x").run())
    assert any("unknown symbol(s) 'x'" in plain(e.value) for e in at.error) and not at.get("plotly_chart")
