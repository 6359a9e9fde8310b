"""Settings: every RNNVIZ_* variable is read, and a bad value falls back to its default."""

import dataclasses

import pytest

from rnnviz.app.settings import ENV, Settings

GOOD = {"max_trainers": "3", "torch_threads": "2", "abandon_s": "60", "max_runs": "4",
        "max_session_mb": "50.5", "max_steps": "100", "max_hidden": "32", "max_layers": "2",
        "max_seq_len": "100", "max_batch": "64", "max_probe": "8", "max_records": "11", "max_run_mb": "8",
        "max_run_s": "90", "max_run_memory_mb": "300", "max_sweep_runs": "12", "max_sweep_s": "300"}


def test_no_variables_give_the_defaults():
    assert Settings.from_env({}) == Settings()


def test_every_setting_but_debug_has_a_variable():
    assert set(ENV) == {f.name for f in dataclasses.fields(Settings)} - {"debug"} == set(GOOD)


@pytest.mark.parametrize("name", list(ENV))
def test_each_variable_is_read(name):
    settings = Settings.from_env({ENV[name][0]: GOOD[name]})
    default = getattr(Settings(), name)
    assert getattr(settings, name) == type(default)(GOOD[name]) != default
    assert dataclasses.replace(settings, **{name: default}) == Settings()  # and nothing else


@pytest.mark.parametrize("bad", ["", "many", "0", "-5", "nan", "inf", "1e3x", "2.5e"])
@pytest.mark.parametrize("name", list(ENV))
def test_a_bad_value_gives_the_default(name, bad):
    assert getattr(Settings.from_env({ENV[name][0]: bad}), name) == getattr(Settings(), name)


def test_records_need_at_least_three():
    assert Settings.from_env({"RNNVIZ_MAX_RECORDS": "2"}).max_records == 101
    assert Settings.from_env({"RNNVIZ_MAX_RECORDS": "3"}).max_records == 3


@pytest.mark.parametrize("word", ["1", "true", "yes", "on", "TRUE", " On "])
def test_debug_is_on_for_a_true_word(word):
    assert Settings.from_env({"RNNVIZ_DEBUG": word}).debug


@pytest.mark.parametrize("word", ["0", "false", "no", "off", "", "OFF", "maybe"])
def test_debug_is_off_otherwise(word):
    assert not Settings.from_env({"RNNVIZ_DEBUG": word}).debug and not Settings.from_env({}).debug


def test_from_env_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_STEPS", "77")
    assert Settings.from_env().max_steps == 77
