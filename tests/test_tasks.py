"""The task registry: shapes, determinism, baselines, correct targets, and clear errors (text
and CSV tasks: test_tasks_text.py)."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
import torch

from rnnviz.config import RunConfig
from rnnviz.tasks import IGNORE, TASKS, make_task
from rnnviz.tasks.reber import SYMBOLS
from rnnviz.tasks.windows import target_weights
from tests.task_helpers import best_constant_loss, gen

NAMES = ["ramp", "sine", "adding", "copy", "temporal_order", "reber", "chars", "words", "csv", "sentiment"]
SEQ2SEQ = ["reverse", "sort", "add"]  # their own contract: tests/test_seq2seq_tasks.py


def test_registry_order_titles_and_lessons():
    assert list(TASKS) == NAMES + SEQ2SEQ
    for name, cls in TASKS.items():
        assert cls.name == name and cls.title and len(cls.__doc__ or "") > 200


@pytest.mark.parametrize("seq_len", [12, 37])
@pytest.mark.parametrize("name", NAMES)
def test_batch_shapes_follow_the_contract(name, seq_len):
    task = TASKS[name](seq_len)
    assert task.kind in ("regression", "classification") and task.targets in ("last", "every")
    B, T, K = 5, seq_len, task.output_size
    for split in ("train", "val"):
        x, y = task.batch(B, gen(0), split=split)
        if task.input_tokens:
            assert x.shape == (B, T) and x.dtype == torch.long
            assert 0 <= int(x.min()) and int(x.max()) < task.input_size
        else:
            assert x.shape == (B, T, task.input_size) and x.dtype == torch.float32
        if task.kind == "regression":
            assert y.dtype == torch.float32 and y.shape == ((B, K) if task.targets == "last" else (B, T, K))
        else:
            assert y.dtype == torch.long and y.shape == ((B,) if task.targets == "last" else (B, T))
            assert ((y == IGNORE) | ((y >= 0) & (y < K))).all()
        out = torch.randn(B, T, K)  # what the model returns
        for value in (task.loss(out, y), task.last_loss(out, y)):
            assert value.shape == () and math.isfinite(float(value))
        metrics = task.metrics(out, y, float(task.loss(out, y)))
        assert all(isinstance(v, float) for v in metrics.values())
        tokens = task.tokens(x)
        assert tokens is None or (len(tokens) == B and all(len(row) == T for row in tokens))
    assert math.isfinite(task.baseline_loss) and task.baseline_loss > 0


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_deterministic_without_global_rng(name):
    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    task = make_task(RunConfig(task=name, seq_len=20))
    for split in ("train", "val"):
        a, b, c = (task.batch(8, gen(seed), split=split) for seed in (1, 1, 2))
        assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
        assert not all(torch.equal(p, q) for p, q in zip(a, c, strict=True))
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state[1]) and random.getstate() == py_state


# Relative tolerance ~3 standard errors of the sample estimate: entropies over 10^5+ targets and
# the variance of long smooth or exact sequences vary by < 0.3% (1% tolerance, tight enough to
# tell the Reber marginal from uniform, 2.6% apart); the variance of 8192 sums of two uniforms
# (adding) or of ~1000 autocorrelated CSV rows has SE ~1.7%, so those get 5%.
LOOSE = {"adding", "csv"}

@pytest.mark.parametrize("name,options", [(n, {}) for n in NAMES] + [
    ("sine", {"noise": 0.5, "frequencies": "2.5"}), ("ramp", {"step": 0.5, "offsets": 3}),
    ("csv", {"mode": "last"}), ("words", {"min_count": 3})])
def test_best_constant_prediction_matches_baseline(name, options):
    task = TASKS[name](30, **options)
    _, y = task.batch(8192, gen(3))
    rel = 0.05 if name in LOOSE else 0.01
    assert best_constant_loss(task, y) == pytest.approx(task.baseline_loss, rel=rel)


@pytest.mark.parametrize("targets", ["every", "last"])
def test_target_weights_count_every_window(targets):
    n, T = 23, 6
    counts = np.zeros(n)
    for start in range(n - T):  # windows read start .. start+T-1, targets after each step
        counts[start + 1:start + T + 1] += 1 if targets == "every" else 0
        counts[start + T] += 1 if targets == "last" else 0
    assert np.allclose(target_weights(n, T, targets), counts / counts.sum())


def test_adding_target_is_the_sum_of_the_marked_values_and_a_perfect_model_has_zero_loss():
    task = TASKS["adding"](40)
    x, y = task.batch(64, gen(0))
    assert ((x[..., 1] == 1).sum(1) == 2).all()
    marked = (x[..., 0] * x[..., 1]).sum(1, keepdim=True)  # (B, 1)
    assert torch.allclose(marked, y)
    out = torch.zeros(64, 40, 1)
    out[:, -1] = marked
    assert float(task.loss(out, y)) < 1e-10


def test_copy_target_is_the_first_k_symbols_at_the_end():
    task = TASKS["copy"](20, symbols=4, alphabet=5)
    x, y = task.batch(32, gen(0))
    ids = x.argmax(-1)
    assert (y[:, :-4] == IGNORE).all() and torch.equal(y[:, -4:], ids[:, :4])
    assert (ids[:, 4:15] == 5).all() and (ids[:, 15] == 6).all() and (ids[:, 16:] == 5).all()
    out = torch.full((32, 20, 5), -30.0)
    out[:, -4:] = torch.nn.functional.one_hot(ids[:, :4], 5).float() * 30  # read the answer from x
    assert float(task.loss(out, y)) < 1e-6 and float(task.last_loss(out, y)) < 1e-6
    assert task.metrics(out, y, 0.0)["accuracy"] == 1.0
    assert task.tokens(x)[0][15] == ">" and task.tokens(x)[0][0] in task.vocab


def test_ramp_and_sine_targets_are_the_next_values():
    ramp = TASKS["ramp"](10, step=0.1)
    x, y = ramp.batch(16, gen(0))
    assert torch.allclose(y, x + 0.1) and torch.equal(y[:, :-1], x[:, 1:])
    assert torch.allclose(x[:, 0, 0] * 10, (x[:, 0, 0] * 10).round()) and x.min() >= 0.1 - 1e-6
    assert float(ramp.loss(x + 0.1, y)) < 1e-10
    sine = TASKS["sine"](30, frequencies="3")
    x, y = sine.batch(16, gen(0))
    assert torch.equal(y[:, :-1], x[:, 1:])
    # one clean sine obeys x[t+1] = 2 cos(w) x[t] - x[t-1]: a perfect linear predictor exists
    w = 3 * 2 * math.pi / 50
    assert torch.allclose(y[:, 1:], 2 * math.cos(w) * x[:, 1:] - x[:, :-1], atol=1e-5)


def test_temporal_order_label_matches_the_order_of_x_and_y():
    task = TASKS["temporal_order"](50)
    x, y = task.batch(128, gen(0))
    (lo1, hi1), (lo2, hi2) = task.windows()
    for row, label in zip(task.tokens(x), y.tolist(), strict=True):
        assert row[0] == "B" and row[-1] == "E"
        relevant = [(t, s) for t, s in enumerate(row) if s in "XY"]
        assert len(relevant) == 2 and lo1 <= relevant[0][0] <= hi1 and lo2 <= relevant[1][0] <= hi2
        assert task.vocab[label] == relevant[0][1] + relevant[1][1]
    assert set(y.tolist()) == {0, 1, 2, 3}


REBER = r"(?:TS*X(?:S|XT*V(?:PXT*V)*(?:V|PS))|PT*V(?:PXT*V)*(?:V|PS))"  # the inner grammar after B
EMBEDDED = rf"B(?:TB{REBER}ET|PB{REBER}EP)E"


def test_reber_streams_are_grammatical_and_targets_are_the_next_symbol():
    task = TASKS["reber"](60)
    x, y = task.batch(64, gen(0))
    assert torch.equal(y[:, :-1], x.argmax(-1)[:, 1:])
    complete = 0
    for row, last in zip(task.tokens(x), y[:, -1].tolist(), strict=True):
        stream = "".join(row) + SYMBOLS[last]
        strings = re.findall(EMBEDDED, stream)
        assert "".join(strings) == stream[:len("".join(strings))]  # consecutive from the start
        rest = stream[len("".join(strings)):]
        assert len(rest) < 60 and (not rest or rest[0] == "B")
        for s in strings:  # the long-range dependency: the 2nd symbol closes the string
            assert s[1] == s[-2]
        complete += len(strings)
    assert complete > 64


def test_integer_options_are_coerced_and_defaults_filled():
    task = TASKS["copy"](20, symbols=3.0)
    assert task.options == {"symbols": 3, "alphabet": 8} and isinstance(task.options["symbols"], int)


CSV_TEXT = "day,name,temp,rain\n" + "\n".join(f"{i},n{i},{i % 7},{i % 3}" for i in range(60))
ERRORS = [
    *[(name, 20, {"bogus": 1}, "task_options") for name in NAMES],
    ("adding", 20, {"bogus": 1, "other": 2}, r"task_options: unknown option\(s\) bogus, other"),
    ("ramp", 20, {"step": -1.0}, "task_options.step"),
    ("ramp", 20, {"step": "big"}, "task_options.step"),
    ("ramp", 20, {"offsets": 2.5}, "task_options.offsets"),
    ("sine", 20, {"frequencies": "a,b"}, "task_options.frequencies"),
    ("sine", 20, {"frequencies": ""}, "task_options.frequencies"),
    ("sine", 20, {"frequencies": "1,30"}, "task_options.frequencies"),
    ("sine", 20, {"frequencies": "0"}, "task_options.frequencies"),
    ("sine", 20, {"frequencies": [1, 3]}, "task_options.frequencies"),
    ("sine", 20, {"noise": float("nan")}, "task_options.noise"),
    ("sine", 20, {"noise": 2}, "task_options.noise"),
    ("copy", 20, {"alphabet": 1}, "task_options.alphabet"),
    ("copy", 20, {"symbols": 0}, "task_options.symbols"),
    ("copy", 10, {"symbols": 5}, "seq_len"),
    ("copy", 20, {"symbols": True}, "task_options.symbols"),
    ("temporal_order", 9, {}, "seq_len"),
    ("adding", 1, {}, "seq_len"),
    ("reber", 0, {}, "seq_len"),
    ("chars", 20, {"text": ""}, "task_options.text: the text is empty"),
    ("chars", 20, {"text": "   \n "}, "task_options.text"),
    ("chars", 20, {"text": 42}, "task_options.text: must be a string"),
    ("chars", 20, {"text": "x" * 42}, "task_options.text: the text has 42 characters; it needs at least 43"),
    ("words", 20, {"text": "one two three " * 14}, "task_options.text: the text has 42 words"),
    ("words", 20, {"max_vocab": 1}, "task_options.max_vocab"),
    ("words", 20, {"min_count": 0}, "task_options.min_count"),
    ("csv", 20, {"csv": ""}, "task_options.csv: the CSV is empty"),
    ("csv", 20, {"csv": "a,b\nx,y\nz,w\n"}, "task_options.csv: no numeric column; found columns a, b"),
    ("csv", 20, {"csv": "a,b\n"}, "task_options.csv"),
    ("csv", 20, {"csv": CSV_TEXT, "target": "wind"}, "task_options.target: 'wind' .* day, temp, rain"),
    ("csv", 20, {"csv": CSV_TEXT, "target": "name"}, "task_options.target"),
    ("csv", 20, {"csv": CSV_TEXT, "features": "temp,snow"}, "task_options.features: 'snow'"),
    ("csv", 20, {"csv": CSV_TEXT, "target": "temp", "features": "temp"}, "task_options.features"),
    ("csv", 20, {"csv": CSV_TEXT.replace("\n5,n5,5,2", "\n5,n5,,2"), "target": "temp"},
     "task_options.csv: column 'temp' has 1 missing"),
    ("csv", 30, {"csv": CSV_TEXT}, "task_options.csv: the CSV has 60 rows; it needs at least 63"),
    ("csv", 20, {"mode": "middle"}, "task_options.mode"),
    ("csv", 20, {"target": 3}, "task_options.target"),
]


@pytest.mark.parametrize("name,seq_len,options,message", ERRORS)
def test_bad_options_raise_a_value_error_naming_the_field(name, seq_len, options, message):
    with pytest.raises(ValueError, match="^" + message):
        TASKS[name](seq_len, **options)


def test_unused_bad_column_is_fine_and_make_task_reports_seq_len():
    with_nan = CSV_TEXT.replace("\n5,n5,5,2", "\n5,n5,5,")  # NaN in rain, which is not used
    assert TASKS["csv"](20, csv=with_nan, target="temp").columns == ["temp"]
    with pytest.raises(ValueError, match="^seq_len"):
        make_task(RunConfig(task="copy", seq_len=8, task_options={"symbols": 4}))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adding_memory_loss_is_what_remembering_only_the_second_value_gives(seed):
    task = TASKS["adding"](40)
    x, y = task.batch(8192, gen(seed))
    second = torch.stack([row[mark == 1][-1] for row, mark in zip(x[..., 0], x[..., 1], strict=True)])
    out = torch.zeros(8192, 40, 1)
    out[:, -1, 0] = second + 0.5  # the best guess knowing u2 only: u2 + E[u1]
    assert float(task.loss(out, y)) == pytest.approx(task.memory_loss, rel=0.05)
    assert task.memory_loss == pytest.approx(task.baseline_loss / 2)
    assert all(TASKS[n].memory_loss is None for n in TASKS if n != "adding")
