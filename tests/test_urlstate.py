"""URL state: configs survive the round trip; every bad parameter falls back with a notice naming it."""

import dataclasses

import pytest

from rnnviz import RunConfig
from rnnviz.app.limits import Limits, fit_limits
from rnnviz.app.urlstate import MAX_URL_TEXT, encode, link, parse
from rnnviz.presets import PRESETS
from rnnviz.scalars import FALSE_WORDS, NONE_WORDS, TRUE_WORDS


def names(notices):
    return [n.split(":", 1)[0] for n in notices]


def test_no_parameters_give_the_defaults():
    state = parse({})
    assert state.config == RunConfig() and state.notices == () and not state.presenter
    assert encode(RunConfig()) == {}


@pytest.mark.parametrize("cfg", [
    RunConfig(cell="gru", task="sine", hidden_size=17, lr=0.0123, clip_norm=None, seed=7, bidirectional=True),
    RunConfig(cell="rnn_relu", recurrent_init="scaled", spectral_radius=1.7, optimizer="sgd", momentum=0.5),
    RunConfig(cell="lstm", forget_bias=1.0, clip_mode="value", clip_norm=0.25, record_every=5, probe_size=4),
    RunConfig(task="sine", task_options={"noise": 0.1, "frequencies": "2,5"}),
    RunConfig(task="copy", seq_len=30, task_options={"symbols": 3, "alphabet": 4}),
    RunConfig(task="chars", seq_len=10, task_options={"text": "hello world, " * 10}),
])
def test_round_trip(cfg):
    params = encode(cfg)
    assert all(isinstance(v, str) for v in params.values())
    state = parse(params)
    assert state.notices == ()
    assert state.config == cfg


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_link_is_one_parameter_and_opens_the_preset(name):
    cfg = PRESETS[name].config
    assert encode(cfg, preset=name) == {"preset": name}
    state = parse({"preset": name})
    assert state.config == fit_limits(cfg, Limits())[0] and state.preset == name and state.notices == ()


def test_a_preset_with_a_change_keeps_the_rest_of_the_preset():
    base = PRESETS["exploding"].config
    cfg = base.replace(clip_norm=1.0)
    params = encode(cfg, preset="exploding")
    assert params == {"preset": "exploding", "clip_norm": "1.0"}
    assert parse(params).config == cfg


def test_the_users_example_of_nonsense():
    state = parse({"cell": "banana", "lr": "-1", "hidden_size": "abc"})
    assert state.config == RunConfig()
    assert sorted(names(state.notices)) == ["cell", "hidden_size", "lr"]
    assert "rnn_tanh" in state.notices[0]  # says what is valid


@pytest.mark.parametrize("params,named", [
    ({"cell": ""}, "cell"), ({"task": "chess"}, "task"), ({"optimizer": "lbfgs"}, "optimizer"),
    ({"hidden_size": "2.5"}, "hidden_size"), ({"hidden_size": "0"}, "hidden_size"),
    ({"num_layers": "-3"}, "num_layers"), ({"seq_len": "1"}, "seq_len"), ({"steps": "1e400"}, "steps"),
    ({"lr": "nan"}, "lr"), ({"lr": "inf"}, "lr"), ({"lr": "0"}, "lr"), ({"momentum": "1.5"}, "momentum"),
    ({"clip_norm": "-1"}, "clip_norm"), ({"clip_norm": "abc"}, "clip_norm"), ({"seed": "x"}, "seed"),
    ({"seed": "-1"}, "seed"), ({"bidirectional": "maybe"}, "bidirectional"), ({"device": "tpu"}, "device"),
    ({"recurrent_init": "zeros"}, "recurrent_init"), ({"clip_mode": "l1"}, "clip_mode"),
    ({"spectral_radius": "0"}, "spectral_radius"), ({"forget_bias": "1e999"}, "forget_bias"),
    ({"preset": "nope"}, "preset"), ({"presenter": "2"}, "presenter"), ({"hide": "lr,bogus"}, "hide"),
    ({"banana": "1"}, "banana"), ({"noise": "0.1"}, "noise"),  # not an option of the adding task
    ({"task": "sine", "noise": "loud"}, "noise"), ({"task": "sine", "noise": "5"}, "task_options.noise"),
    ({"task": "sine", "frequencies": "a,b"}, "task_options.frequencies"),
    ({"task": "chars", "text": "too short"}, "task_options.text"),
    ({"task": "csv", "csv": "a,b\nx,y\n"}, "task_options.csv"),
    ({"task": "copy", "seq_len": "5"}, "seq_len"),
    ({"lr": "1" * 6000}, "lr"),
])
def test_each_bad_parameter_is_named_and_falls_back(params, named):
    state = parse(params, devices=("cpu",))
    assert named in names(state.notices), state.notices
    RunConfig.from_dict(state.config.to_dict())  # valid


def test_bad_parameters_never_raise_and_good_ones_survive():
    state = parse({"cell": "gru", "lr": "abc", "hidden_size": "32", "steps": "zero"})
    assert state.config.cell == "gru" and state.config.hidden_size == 32
    assert state.config.lr == RunConfig().lr and state.config.steps == RunConfig().steps


def test_too_large_values_are_clamped_to_the_server_limits():
    # no cost limits here, so only the per-field ranges act (tests/test_limits.py: the cost)
    limits = dataclasses.replace(Limits(), max_memory_mb=1e9, max_seconds=1e9, max_step_seconds=1e9)
    state = parse({"steps": "1000000", "hidden_size": "99999"}, limits)
    assert state.config.steps == limits.ranges["steps"][1]
    assert state.config.hidden_size == limits.ranges["hidden_size"][1]
    assert {"steps", "hidden_size"} <= set(names(state.notices))


def test_repeated_parameters_take_the_last():
    assert parse({"cell": ["lstm", "gru"]}).config.cell == "gru"


def test_missing_device_falls_back_to_auto():
    state = parse({"device": "cuda"}, devices=("cpu",))
    assert state.config.device == "auto" and names(state.notices) == ["device"]
    assert parse({"device": "cuda"}, devices=("cpu", "cuda")).config.device == "cuda"


def test_hide_and_presenter():
    state = parse({"hide": "lr, optimizer,clip,noise", "presenter": "1"})
    assert state.hide == {"lr", "optimizer", "clip", "noise"} and state.presenter
    params = encode(state.config, hide=state.hide, presenter=True)
    assert params["hide"] == "clip,lr,noise,optimizer" and params["presenter"] == "1"


def test_long_texts_stay_out_of_the_link():
    text = "abc " * 100
    cfg = RunConfig(task="chars", seq_len=10, task_options={"text": text})
    assert len(text) > MAX_URL_TEXT and "text" not in encode(cfg)


def test_link():
    assert link("http://host/", {}) == "http://host/"
    assert link("http://host/", {"cell": "gru", "hide": "lr,optimizer"}) == "http://host/?cell=gru&hide=lr%2Coptimizer"


def test_one_word_set_for_on_off_and_none():
    for word in TRUE_WORDS:
        assert parse({"bidirectional": word.upper()}).config.bidirectional is True
    for word in FALSE_WORDS:
        assert parse({"bidirectional": word, "presenter": word}).config.bidirectional is False
    for word in NONE_WORDS:
        state = parse({"clip_norm": word, "forget_bias": word})
        assert state.config.clip_norm is None and state.config.forget_bias is None and state.notices == ()
    assert "clip_norm" in names(parse({"clip_norm": "0"}).notices)  # 0 is a number, not "off"


def test_values_beyond_the_library_bounds_never_reach_a_config():
    state = parse({"recurrent_init": "scaled", "spectral_radius": "1e308", "seed": str(2**70)})
    assert state.config.spectral_radius == Limits().ranges["spectral_radius"][1]
    assert state.config.seed == Limits().ranges["seed"][1]
    assert {"spectral_radius", "seed"} <= set(names(state.notices))
