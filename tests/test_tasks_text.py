"""The text and CSV tasks: tokens round trip, held-out tails, vocabularies, standardising, and the
validation baseline of the held-out text."""

import io
import math

import numpy as np
import pandas as pd
import pytest
import torch

from rnnviz.tasks import TASKS
from rnnviz.tasks.text import DEFAULT_TEXT, words_of
from rnnviz.tasks.windows import split_point
from tests.task_helpers import best_constant_loss, gen


def test_char_tokens_round_trip_and_val_is_the_held_out_tail():
    task = TASKS["chars"](40)
    x, y = task.batch(8, gen(0))
    for row, last in zip(task.tokens(x), y[:, -1].tolist(), strict=True):
        assert "".join(row) + task.vocab[last] in DEFAULT_TEXT
    assert task.vocab == sorted(set(DEFAULT_TEXT)) and task.input_size == len(task.vocab)
    text = "a" * 900 + "b" * 100  # the last 10% is held out: train sees only a, val only b
    task = TASKS["chars"](10, text=text)
    assert set(task.tokens(task.batch(64, gen(0))[0])[0]) == {"a"}
    x, y = task.batch(64, gen(0), split="val")
    assert {c for row in task.tokens(x) for c in row} == {"b"} and (y == 1).all()
    assert split_point(1000, 10) == 900 and split_point(40, 15) == 24  # at least seq_len + 1 held out


def test_text_metrics_include_perplexity():
    task = TASKS["chars"](20)
    x, y = task.batch(4, gen(0))
    out = torch.randn(4, 20, task.output_size)
    loss = float(task.loss(out, y))
    metrics = task.metrics(out, y, loss)
    assert metrics["perplexity"] == pytest.approx(math.exp(loss)) and 0 <= metrics["accuracy"] <= 1
    assert task.metrics(out, y, 1e6)["perplexity"] == math.inf


def test_words_vocabulary_unk_and_round_trip():
    task = TASKS["words"](25)
    x, y = task.batch(8, gen(0))
    words = words_of(DEFAULT_TEXT)
    joined = " " + " ".join(words) + " "
    for row, last in zip(task.tokens(x), y[:, -1].tolist(), strict=True):
        assert " " + " ".join([*row, task.vocab[last]]) + " " in joined
    assert task.vocab[0] == "<unk>" and "the" in task.vocab and "recurrent" in task.vocab
    small = TASKS["words"](25, max_vocab=10)
    assert len(small.vocab) == 10 and small.vocab[1] in ("the", ",", ".")
    rare = TASKS["words"](25, min_count=3)
    counts = {w: words.count(w) for w in rare.vocab[1:]}
    assert min(counts.values()) >= 3 and int((rare.ids == 0).sum()) > 0


def test_csv_standardises_with_train_rows_and_forecasts_the_next_row():
    task = TASKS["csv"](30, features="humidity,sunshine")
    assert task.columns == ["temperature", "humidity", "sunshine"] and task.input_size == 3
    cut = split_point(len(task.values), 30)
    train = task.values[:cut].double()
    assert torch.allclose(train.mean(0), torch.zeros(3, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(train.std(0, unbiased=False), torch.ones(3, dtype=torch.float64), atol=1e-5)
    x, y = task.batch(16, gen(0))
    assert torch.equal(y[:, :-1], x[:, 1:, :1])
    raw = pd.read_csv(io.StringIO(task.options["csv"]))["temperature"].to_numpy()
    assert np.isin(task.unscale(x[..., 0]).double().numpy().round(1), raw).all()
    last = TASKS["csv"](30, mode="last", target="sunshine")
    x, y = last.batch(16, gen(0))
    assert last.targets == "last" and y.shape == (16, 1) and last.columns == ["sunshine"]
    steps = "value,other\n" + "\n".join(f"{int(i >= 90)},{i}" for i in range(100))
    split_task = TASKS["csv"](5, csv=steps)  # constant 0 in train: std 1, so val shows exactly 1
    assert (split_task.batch(32, gen(0))[0] == 0).all()
    assert (split_task.batch(32, gen(0), split="val")[0] == 1).all()

@pytest.mark.parametrize("name", ["chars", "words"])
def test_text_val_baseline_is_the_held_out_texts_own_best_constant(name):
    task = TASKS[name](30)
    val_baseline, unseen = task.val_baseline()
    _, y = task.batch(8192, gen(5), split="val")
    assert best_constant_loss(task, y) == pytest.approx(val_baseline, rel=0.01)
    ids = task.ids.numpy()
    train = set(ids[:split_point(len(ids), 30)].tolist())
    share = float(np.mean([t not in train for t in y.flatten().tolist()]))
    assert share == pytest.approx(unseen, abs=0.01)
    if name == "words":  # the default text's tail has words the rest never uses, and other frequencies
        assert unseen > 0.05 and val_baseline < task.baseline_loss - 0.5
    assert TASKS["sine"](30).val_baseline() == (TASKS["sine"](30).baseline_loss, 0.0)
