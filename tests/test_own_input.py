"""Your own input: every task's probe round-trips through the text/table a student edits, the views
recomputed on it match the run's own records, and bad input is a ValueError naming the problem."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnviz import TASKS, RunConfig, train
from rnnviz.own_input import (
    MAX_STEPS,
    columns,
    example,
    input_kind,
    next_probabilities,
    parse_input,
    run_on_input,
    symbols,
)
from rnnviz.tasks import make_task
from rnnviz.weights import model_at

ONE_STACK = [name for name, task in TASKS.items() if task.kind != "seq2seq"]  # seq2seq: below


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name in ONE_STACK:
        cfg = RunConfig(cell="gru", task=name, hidden_size=6, seq_len=12, steps=4, batch_size=4,
                        record_every=2)
        out[name] = (train(cfg), make_task(cfg))
    return out


@pytest.mark.parametrize("name", ONE_STACK)
def test_a_probe_typed_back_gives_the_same_states(runs, name):
    run, task = runs[name]
    for record in (0, -1):
        model = model_at(run, record % len(run.records))
        for sequence in (0, 1):
            own = parse_input(task, example(run, task, sequence))
            np.testing.assert_allclose(own.x[0].numpy(), run.probe_inputs[sequence], rtol=1e-5, atol=1e-6)
            mine = run_on_input(run, record % len(run.records), model, task, own)
            want = run.records[record].hidden[-1][sequence]
            np.testing.assert_allclose(mine.records[0].hidden[-1][0], want, rtol=1e-4, atol=1e-5)
            for gate, values in mine.records[0].gates[-1].items():
                np.testing.assert_allclose(values[0], run.records[record].gates[-1][gate][sequence],
                                           rtol=1e-4, atol=1e-5)
            assert mine.records[0].step == run.records[record].step and len(mine.records) == 1


def test_next_character_probabilities(runs):
    run, task = runs["chars"]
    own = parse_input(task, "the cat")
    probs = next_probabilities(model_at(run), own)
    assert probs.shape == (7, len(task.vocab)) and np.allclose(probs.sum(1), 1.0)
    assert own.tokens == list("the cat")


def test_kinds_and_columns(runs):
    kinds = {name: input_kind(task) for name, (_, task) in runs.items()}
    assert kinds == {"ramp": "numbers", "sine": "numbers", "adding": "numbers", "copy": "tokens",
                     "temporal_order": "tokens", "reber": "tokens", "chars": "text", "words": "text",
                     "csv": "numbers", "sentiment": "text"}
    assert columns(runs["adding"][1]) == ["value", "marker"]
    assert symbols(runs["copy"][1])[-2:] == ["_", ">"]


def test_numbers_from_text_and_from_a_table(runs):
    task = runs["sine"][1]
    a = parse_input(task, "0.1, 0.2 0.3")
    b = parse_input(task, pd.DataFrame({"x": [0.1, 0.2, 0.3, None]}))  # an empty last editor row
    assert torch.equal(a.x, b.x) and a.x.shape == (1, 3, 1)
    adding = parse_input(runs["adding"][1], "0.5 1\n0.2 0\n0.9 1")
    assert adding.x.shape == (1, 3, 2)
    csv_task = runs["csv"][1]
    raw = float(csv_task.mean[0]) + 2 * float(csv_task.std[0])
    assert parse_input(csv_task, [[raw]]).x.item() == pytest.approx(2.0, rel=1e-5)  # standardised


@pytest.mark.parametrize("name,value,words", [
    ("chars", "the cat \u00e9\u00e9 says ~", "characters the model never saw: '~', '\u00e9'"),
    ("chars", "", "0 characters; give between 1 and"),
    ("chars", "a" * (MAX_STEPS + 1), f"{MAX_STEPS + 1} characters"),
    ("reber", "BTQSE", "unknown symbol(s) 'Q'; this task reads B T P S X V E"),
    ("copy", "ab", "unknown symbol(s) 'a', 'b'"),
    ("sine", "0.1, zero, 0.3", "row 2, column 'x': 'zero' is not a number"),
    ("sine", "0.1, inf", "row 2, column 'x': inf is not a finite number"),
    ("sine", pd.DataFrame({"x": [0.1, None, 0.3]}), "row 2, column 'x' is empty"),
    ("adding", "0.5 1\n0.2", "row 2 has 1 value(s); this task reads 2 per step (value, marker)"),
    ("adding", "0.5 2\n0.2 0", "column 'marker' takes 0 or 1"),
    ("sine", [], "0 rows"),
    ("temporal_order", ["B", "E"], "this task reads tokens; give a string, got list"),
])
def test_bad_input_names_the_problem(runs, name, value, words):
    with pytest.raises(ValueError) as err:
        parse_input(runs[name][1], value)
    assert str(err.value).startswith("input: ") and words in str(err.value), str(err.value)


def test_unknown_words_are_read_as_unk(runs):
    own = parse_input(runs["words"][1], "the zyzzyva reads")
    assert own.tokens[1] == "<unk>" and "zyzzyva" in own.notes[0]


@pytest.mark.parametrize(("task", "text", "ids"), [("reverse", "3 1 4", [3, 1, 4]),
                                                   ("add", "47+85", [4, 7, 10, 8, 5])])
def test_encoder_decoder_inputs_are_their_symbols(task, text, ids):
    own = parse_input(make_task(RunConfig(cell="gru", task=task, seq_len=6)), text)
    assert own.x.tolist() == [ids] and own.tokens == list(text.replace(" ", ""))


@pytest.mark.parametrize(("task", "text", "says"), [("reverse", "3 x 4", "unknown symbol(s) 'x'"),
                                                    ("reverse", "3", "reads at least 2"),
                                                    ("add", "4+", "reads at least 3")])
def test_bad_encoder_decoder_inputs_are_named(task, text, says):
    with pytest.raises(ValueError, match="^input: ") as err:
        parse_input(make_task(RunConfig(cell="gru", task=task, seq_len=6)), text)
    assert says in str(err.value)
