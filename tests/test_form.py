"""The Train form as data: which fields are drawn, values without a widget, bounds, and the config."""

from pathlib import Path

from rnnviz import RunConfig
from rnnviz.app import form
from rnnviz.app.form import (
    FORM,
    changed_options,
    csv_columns,
    draws,
    fit_to_columns,
    option_hidden,
    option_value,
    option_widget,
    to_config,
    undrawn_value,
    uploads,
    widget_args,
    widget_state,
)
from rnnviz.app.limits import Limits
from rnnviz.config import CLIP_NORM_ON, FIELDS
from rnnviz.tasks import TASKS

DRAWN = {"cell": "lstm", "recurrent_init": "default", "optimizer": "adam", "clip_on": True}


def test_fields_drawn_only_where_they_apply():
    assert not draws(FORM["spectral_radius"], DRAWN, set())
    assert draws(FORM["spectral_radius"], {**DRAWN, "recurrent_init": "scaled"}, set())
    assert not draws(FORM["momentum"], DRAWN, set())
    assert draws(FORM["momentum"], {**DRAWN, "optimizer": "sgd"}, set())
    assert draws(FORM["momentum"], {**DRAWN, "optimizer": "rmsprop"}, set())
    assert draws(FORM["forget_bias"], DRAWN, set())
    assert not draws(FORM["forget_bias"], {**DRAWN, "cell": "gru"}, set())
    assert not draws(FORM["clip_norm"], {**DRAWN, "clip_on": False}, set())


def test_hide_names_a_field_or_its_group():
    assert not draws(FORM["lr"], DRAWN, {"lr"}) and draws(FORM["lr"], DRAWN, {"optimizer"})
    for hide in ({"clip"}, {"clip_norm"}):
        assert not draws(FORM["clip_on"], DRAWN, hide) and not draws(FORM["clip_mode"], DRAWN, hide)
    assert draws(FORM["clip_on"], DRAWN, {"clip_mode"}) and not draws(FORM["clip_mode"], DRAWN, {"clip_mode"})


def test_values_without_a_widget():
    cfg = RunConfig(momentum=0.5, clip_mode="value", spectral_radius=2.0, lr=0.01)
    state = {"w.momentum": 0.7}
    assert undrawn_value(FORM["momentum"], DRAWN, cfg, state) == 0.7  # kept for when sgd comes back
    assert undrawn_value(FORM["momentum"], {**DRAWN, "optimizer": "sgd"}, cfg, state) == 0.5  # hidden
    assert undrawn_value(FORM["spectral_radius"], DRAWN, cfg, state) is None
    assert undrawn_value(FORM["clip_norm"], {**DRAWN, "clip_on": False}, cfg, state) is None
    assert undrawn_value(FORM["clip_mode"], {**DRAWN, "clip_on": False}, cfg, state) == "value"
    assert undrawn_value(FORM["lr"], DRAWN, cfg, state) == 0.01
    assert undrawn_value(FORM["clip_on"], DRAWN, cfg, state) is True
    assert undrawn_value(FORM["clip_on"], DRAWN, cfg.replace(clip_norm=None), state) is False


def test_widget_arguments_come_from_the_limits_and_the_machine():
    limits = Limits(ranges={**Limits().ranges, "steps": (1, 100)})
    assert widget_args(FORM["steps"], limits, ()) == ("Training steps", 1, 100)
    assert widget_args(FORM["lr"], limits, ()) == ("Learning rate", 1e-5, 10.0)
    assert widget_args(FORM["momentum"], limits, ()) == ("Momentum", 0.0, 0.99)
    assert widget_args(FORM["device"], limits, ("cpu", "cuda")) == ("Device", ("auto", "cpu", "cuda"))
    assert widget_args(FORM["cell"], limits, ()) == ("Cell", ("rnn_tanh", "rnn_relu", "lstm", "gru"))
    assert widget_args(FORM["bidirectional"], limits, ()) == ("Bidirectional",)
    assert all(isinstance(a, int) for a in widget_args(FORM["record_every"], limits, ())[1:])


def test_widget_state_sets_everything_only_for_a_new_config():
    cfg = RunConfig(cell="gru", clip_norm=None)
    fresh = widget_state(cfg, {}, pending=False)
    assert fresh["w.cell"] == "gru" and fresh["w.clip_on"] is False and fresh["w.clip_norm"] == CLIP_NORM_ON
    assert fresh["w.opt.sine.noise"] == TASKS["sine"].OPTIONS["noise"].default
    edited = {"w.cell": "lstm", "w.opt.sine.noise": 0.3}
    assert "w.cell" not in widget_state(cfg, edited, pending=False)
    assert widget_state(cfg, edited, pending=True)["w.cell"] == "gru"
    assert "w.opt.sine.noise" not in widget_state(cfg, edited, pending=True)  # another task's: kept


def test_to_config_checks_and_fits():
    values = {"cell": "gru", "clip_on": True, "steps": 3000, "record_every": 1}
    cfg, error, notes = to_config(values, Limits())
    assert error is None and cfg.cell == "gru" and cfg.record_every > 1 and notes
    cfg, error, notes = to_config({"task": "chars", "task_options": {"text": "hi"}}, Limits())
    assert cfg is None and notes == []
    assert error.startswith("Text to learn: the text is 2 characters long")
    assert error.endswith("your runs and other settings are kept.")


def test_task_options():
    assert option_hidden("noise", {"noise"}) and option_hidden("noise", {"task_options"})
    assert not option_hidden("noise", {"lr"})
    assert uploads("chars", set()) == [("text", "txt", "text")] and uploads("chars", {"text"}) == []
    assert uploads("csv", set()) == [("csv", "csv", "CSV")] and uploads("sine", set()) == []
    assert option_widget("text", TASKS["chars"].OPTIONS["text"], [])[0] == "text_area"
    assert option_widget("target", TASKS["csv"].OPTIONS["target"], ["a", "b"])[:2] == (
        "selectbox", ("Column to forecast", ["a", "b"]))
    assert option_widget("target", TASKS["csv"].OPTIONS["target"], [])[0] == "text_input"
    assert option_widget("mode", TASKS["csv"].OPTIONS["mode"], [])[0] == "segmented_control"
    kind, args, kwargs = option_widget("noise", TASKS["sine"].OPTIONS["noise"], [])
    assert kind == "number_input" and args == ("Noise",) and kwargs["format"] == "%g"
    assert fit_to_columns("target", "zzz", ["a", "b"]) == "a"
    assert fit_to_columns("target", "b", ["a", "b"]) == "b"
    assert fit_to_columns("features", ["b", "zzz"], ["a", "b"]) == ["b"]
    assert fit_to_columns("target", "zzz", []) == "zzz"
    assert csv_columns("csv", {"w.opt.csv.csv": "x,y\n1,2\n"}) == ["x", "y"]
    assert csv_columns("csv", {"w.opt.csv.csv": ""}) == [] and csv_columns("sine", {}) == []
    sine = RunConfig(task="sine", task_options={"noise": 0.2})
    assert option_value(sine, "sine", "noise") == 0.2
    assert option_value(sine.replace(task="ramp", task_options={}), "sine", "noise") == \
        TASKS["sine"].OPTIONS["noise"].default
    default = TASKS["sine"].OPTIONS["frequencies"].default
    assert changed_options("sine", {"noise": 0.2, "frequencies": default}) == {"noise": 0.2}


def test_choices_come_from_the_config_and_the_form_reads_no_urlstate():
    for name in ("recurrent_init", "optimizer", "clip_mode"):
        assert FORM[name].options == FIELDS[name].choices
    source = Path(form.__file__).read_text(encoding="utf-8")
    assert "urlstate" not in "".join(line for line in source.splitlines() if "import" in line)
