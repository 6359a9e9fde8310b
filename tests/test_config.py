"""RunConfig validation: every bad field is a ValueError that names it and says what is valid."""

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rnnviz import RunConfig
from rnnviz.config import CLIP_NORM_ON, FIELDS
from rnnviz.scalars import value_text


@pytest.mark.parametrize("field,value,says", [
    ("cell", "transformer", "rnn_tanh, rnn_relu, lstm, gru"),
    ("task", "chess", "adding"),
    ("optimizer", "lbfgs", "adam, sgd, rmsprop"),
    ("recurrent_init", "zeros", "orthogonal"),
    ("clip_mode", "l1", "norm, value"),
    ("device", "tpu", "auto"),
    ("hidden_size", 0, "from 1 to 4096"),
    ("hidden_size", 2.5, "an integer"),
    ("hidden_size", 5000, "from 1 to 4096"),
    ("hidden_size", np.float64(8.0), "an integer"),
    ("num_layers", 0, "from 1 to"),
    ("seq_len", 1, "from 2 to"),
    ("seq_len", 10**6, "to 10000"),
    ("batch_size", 0, "from 1 to"),
    ("steps", -3, "from 1 to"),
    ("steps", True, "an integer"),
    ("record_every", 0, "from 1 to"),
    ("probe_size", 10**9, "to 1024"),
    ("lr", 0, "above 0"),
    ("lr", -1e-3, "above 0"),
    ("lr", float("nan"), "above 0"),
    ("lr", 1e3, "at most 100"),
    ("clip_norm", 0.0, "above 0"),
    ("clip_norm", "1.0", "a number"),
    ("spectral_radius", -1.0, "above 0"),
    ("spectral_radius", 0, "above 0"),
    ("spectral_radius", 1e308, "at most 100"),  # W_hh would be inf: eigvals on it crashed the process
    ("momentum", 1.0, "below 1"),
    ("momentum", -0.1, "at least 0"),
    ("momentum", False, "a number"),
    ("forget_bias", float("inf"), "a number"),
    ("forget_bias", 1e6, "at most 100"),
    ("seed", "one", "an integer"),
    ("seed", -1, "from 0 to"),
    ("seed", 2**70, "9223372036854775807"),
    ("seed", 2**63, "9223372036854775807"),
    ("bidirectional", 1, "true or false"),
    ("bidirectional", "yes", "true or false"),
    ("task_options", "noise=1", "dict"),
])
def test_bad_field_raises_value_error_naming_it(field, value, says):
    with pytest.raises(ValueError) as error:
        RunConfig(**{field: value})
    assert str(error.value).startswith(f"{field}:") and says in str(error.value)


def test_every_bound_is_reachable_and_one_past_it_is_not():
    for name, spec in FIELDS.items():
        if spec.kind not in ("int", "float"):
            continue
        step = 1 if spec.kind == "int" else 1e-9 * max(1.0, abs(spec.high))
        for edge, beyond, is_open in ((spec.low, spec.low - step, spec.low_open),
                                      (spec.high, spec.high + step, spec.high_open)):
            if not is_open:
                assert getattr(RunConfig(**{name: edge}), name) == edge
            with pytest.raises(ValueError, match=f"^{name}:"):
                RunConfig(**{name: edge if is_open else beyond})
    assert RunConfig(seed=2**63 - 1).seed == 2**63 - 1


def test_numpy_scalars_become_python_values():
    cfg = RunConfig(hidden_size=np.int64(8), lr=np.float64(0.01), bidirectional=np.bool_(True),
                    seed=np.int32(3), clip_norm=np.float32(0.5), task_options={"noise": np.float64(0.1)})
    for f in dataclasses.fields(cfg):
        assert not isinstance(getattr(cfg, f.name), np.generic), f.name
    assert (cfg.hidden_size, cfg.lr, cfg.bidirectional, cfg.seed, cfg.clip_norm) == (8, 0.01, True, 3, 0.5)
    assert type(cfg.task_options["noise"]) is float and cfg == RunConfig.from_dict(cfg.to_dict())


def test_float_fields_hold_floats_and_clipping_is_on_by_default():
    cfg = RunConfig(lr=1, forget_bias=2)
    assert type(cfg.lr) is float and type(cfg.forget_bias) is float and cfg.clip_norm == CLIP_NORM_ON


@pytest.mark.parametrize("name", [n for n, s in FIELDS.items() if s.kind != "choice"])
def test_each_field_reads_its_own_text_back(name):
    spec, value = FIELDS[name], getattr(RunConfig(), name)
    assert spec.parse(value_text(value)) == value
    if spec.none_means is not None:
        assert spec.parse("off") is None and spec.parse("None") is None
    else:
        with pytest.raises(ValueError):
            spec.parse("none")


def rnnviz_imports(path: Path, top_level_only: bool) -> set[str]:
    """The rnnviz modules a file imports (at the top only: TYPE_CHECKING blocks are left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnnviz"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rnnviz")}
    return found


def test_no_import_cycle_between_the_config_and_the_registries():
    """config imports the registries (cells, tasks) at its top; they never import the config at run
    time, and the config has no late import hiding a cycle. scalars imports nothing of rnnviz."""
    package = Path(__file__).resolve().parents[1] / "rnnviz"
    for path in [package / "cells.py", package / "scalars.py", *sorted((package / "tasks").glob("*.py"))]:
        assert "rnnviz.config" not in rnnviz_imports(path, top_level_only=True), path
    assert rnnviz_imports(package / "scalars.py", top_level_only=False) == set()
    config = package / "config.py"
    assert rnnviz_imports(config, False) == rnnviz_imports(config, True)  # nothing inside a function


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


def test_numpy_task_options_are_accepted_as_python_values():
    from rnnviz.tasks import TASKS

    task = TASKS["copy"](30, symbols=np.int64(3), alphabet=np.float64(4.0))
    assert task.options["symbols"] == 3 and type(task.options["symbols"]) is int
    assert type(task.options["alphabet"]) is int
    assert TASKS["sine"](20, noise=np.float32(0.25)).options["noise"] == 0.25
    with pytest.raises(ValueError, match="task_options.symbols"):
        TASKS["copy"](30, symbols=np.float64(2.5))


def test_to_dict_is_a_copy_and_from_dict_needs_a_dict():
    cfg = RunConfig(task_options={"noise": 0.1})
    cfg.to_dict()["task_options"]["noise"] = 0.9
    assert cfg.task_options == {"noise": 0.1}
    with pytest.raises(ValueError, match="expected a dict"):
        RunConfig.from_dict(["cell", "lstm"])
    with pytest.raises(ValueError, match="momentum"):
        RunConfig(momentum=False)
