"""The seq2seq tasks: shapes, correct targets, lengths, determinism, and clear errors."""

import random

import numpy as np
import pytest
import torch

from rnnviz.config import RunConfig
from rnnviz.tasks import TASKS, make_task
from tests.task_helpers import gen

NAMES = ["reverse", "sort", "add"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seq_len", [3, 8, 13])
def test_shapes_tokens_and_metrics(name, seq_len):
    task = TASKS[name](seq_len)
    assert task.kind == "seq2seq" and task.input_tokens and task.targets == "every"
    x, y = task.batch(6, gen(0))
    assert x.shape == (6, seq_len) and x.dtype == y.dtype == torch.long
    assert y.shape == (6, task.out_len(seq_len))
    assert 0 <= int(x.min()) and int(x.max()) < task.input_size
    assert 0 <= int(y.min()) and int(y.max()) < task.output_size
    tokens = task.tokens(x)
    assert len(tokens) == 6 and all(len(row) == seq_len for row in tokens)
    out = torch.nn.functional.one_hot(y, task.output_size).float()  # a perfect model's logits
    assert task.metrics(out, y, 0.0) == {"accuracy": 1.0, "sequence_accuracy": 1.0}
    out[:, -1] = out[:, -1].roll(1, -1)  # every last token wrong
    metrics = task.metrics(out, y, 0.0)
    assert metrics["sequence_accuracy"] == 0.0
    assert metrics["accuracy"] == pytest.approx(1 - 1 / y.shape[1])
    assert task.baseline_loss == pytest.approx(np.log(task.output_size))


def test_targets_are_right():
    x, y = TASKS["reverse"](9).batch(20, gen(1))
    assert [row[::-1] for row in x.tolist()] == y.tolist()
    x, y = TASKS["sort"](9).batch(20, gen(1))
    assert [sorted(row) for row in x.tolist()] == y.tolist()
    task = TASKS["add"](8)  # 3 digits + 4 digits -> a 5-digit sum
    x, y = task.batch(50, gen(1))
    for tokens, digits in zip(task.tokens(x), y.tolist(), strict=True):
        a, b = "".join(tokens).split("+")
        assert (len(a), len(b)) == (3, 4)
        assert "".join(map(str, digits)) == str(int(a) + int(b)).zfill(5)


def test_alphabet_min_len_and_eval_len():
    task = make_task(RunConfig(task="reverse", seq_len=12, task_options={
        "alphabet": 3, "min_len": 4, "eval_len": 20}))
    g = gen(2)
    lengths = {task.batch(2, g)[0].shape[1] for _ in range(200)}
    assert lengths == set(range(4, 13))  # every length from min_len to seq_len, nothing else
    assert int(max(task.batch(64, g)[0].max() for _ in range(5))) == 2  # digits 0-2
    x, y = task.batch(3, g, split="val")
    assert x.shape == y.shape == (3, 20)


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_deterministic_without_global_rng(name):
    state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    task = make_task(RunConfig(task=name, seq_len=11, task_options={"min_len": 5}))
    first = [task.batch(4, gen(7)) for _ in range(2)]
    again = [task.batch(4, gen(7)) for _ in range(2)]
    for (x1, y1), (x2, y2) in zip(first, again, strict=True):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert torch.equal(torch.get_rng_state(), state[0]) and random.getstate() == state[2]


@pytest.mark.parametrize(("name", "seq_len", "options", "words"), [
    ("reverse", 1, {}, "^seq_len: "),
    ("add", 2, {}, "^seq_len: the add task takes inputs of 3 to 200 tokens, got 2"),
    ("sort", 5, {"min_len": 6}, "^task_options.min_len: "),
    ("sort", 5, {"min_len": 1}, "^task_options.min_len: "),
    ("add", 5, {"alphabet": 4}, "^task_options: unknown option"),
    ("reverse", 5, {"eval_len": 300}, "^task_options.eval_len: "),
])
def test_bad_lengths_and_options_are_named(name, seq_len, options, words):
    with pytest.raises(ValueError, match=words):
        make_task(RunConfig(task=name, seq_len=seq_len, task_options=options))


@pytest.mark.parametrize("length", [0, 1, 201])
def test_batch_of_length_out_of_range(length):
    with pytest.raises(ValueError, match=r"^lengths: the reverse task takes inputs of 2 to 200"):
        TASKS["reverse"](5).batch_of_length(2, length, gen(0))
