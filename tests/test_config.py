"""RunConfig validation: every bad field is a ValueError that names it and says what is valid."""

import pytest

from rnnviz import RunConfig


@pytest.mark.parametrize("field,value,says", [
    ("cell", "transformer", "rnn_tanh, rnn_relu, lstm, gru"),
    ("task", "chess", "adding"),
    ("optimizer", "lbfgs", "adam, sgd, rmsprop"),
    ("recurrent_init", "zeros", "orthogonal"),
    ("clip_mode", "l1", "norm, value"),
    ("device", "tpu", "auto"),
    ("hidden_size", 0, ">= 1"),
    ("hidden_size", 2.5, ">= 1"),
    ("num_layers", 0, ">= 1"),
    ("seq_len", 1, ">= 2"),
    ("batch_size", 0, ">= 1"),
    ("steps", -3, ">= 1"),
    ("record_every", 0, ">= 1"),
    ("lr", 0, "positive"),
    ("lr", -1e-3, "positive"),
    ("lr", float("nan"), "positive"),
    ("clip_norm", 0.0, "positive"),
    ("spectral_radius", -1.0, "positive"),
    ("spectral_radius", 0, "positive"),
    ("momentum", 1.0, "[0, 1)"),
    ("forget_bias", float("inf"), "finite"),
    ("seed", "one", "integer"),
    ("task_options", "noise=1", "dict"),
])
def test_bad_field_raises_value_error_naming_it(field, value, says):
    with pytest.raises(ValueError) as error:
        RunConfig(**{field: value})
    assert str(error.value).startswith(f"{field}:") and says in str(error.value)


def test_round_trip_and_replace():
    cfg = RunConfig(cell="gru", clip_norm=None, task_options={"a": 1})
    assert RunConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.replace(cell="lstm").cell == "lstm"
    with pytest.raises(ValueError, match="hidden_size"):
        cfg.replace(hidden_size=-1)
    with pytest.raises(ValueError, match="unknown RunConfig field.*colour"):
        RunConfig.from_dict({"colour": "red"})


def test_unknown_task_option_is_named():
    from rnnviz.tasks import make_task
    with pytest.raises(ValueError, match="task_options: unknown option.*wobble"):
        make_task(RunConfig(task="adding", task_options={"wobble": 1}))


def test_record_every_within_a_memory_budget():
    from rnnviz.config import record_bytes, record_every_within

    cfg = RunConfig(cell="lstm", hidden_size=64, seq_len=50, probe_size=8, steps=3000)
    assert record_bytes(cfg, 4) == 4 * 8 * 50 * 64 * 6
    every = record_every_within(cfg, max_bytes=20 * 2**20)
    records = cfg.steps // every + 2
    assert records * record_bytes(cfg, 4) <= 20 * 2**20 and every > cfg.record_every
    assert record_every_within(cfg.replace(steps=100), 20 * 2**20) == 10  # small runs keep theirs


def test_to_dict_is_a_copy_and_from_dict_needs_a_dict():
    cfg = RunConfig(task_options={"noise": 0.1})
    cfg.to_dict()["task_options"]["noise"] = 0.9
    assert cfg.task_options == {"noise": 0.1}
    with pytest.raises(ValueError, match="expected a dict"):
        RunConfig.from_dict(["cell", "lstm"])
    with pytest.raises(ValueError, match="momentum"):
        RunConfig(momentum=False)
