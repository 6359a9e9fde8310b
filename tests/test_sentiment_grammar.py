"""The sentiment grammar: its sentences fit, its labels are right (negation flips, intensifiers
keep), batches are stratified, and the task's contract holds."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from rnnviz.tasks import TASKS
from rnnviz.tasks.grammar import (
    NEGATIVE,
    POSITIVE,
    WORDS,
    Sentence,
    is_negation,
    label,
    polarity,
    render,
    sentences,
    vocabulary,
)
from tests.task_helpers import gen

ADJECTIVES = set(WORDS["positive"]) | set(WORDS["negative"])


def drawn(seq_len: int = 32, n: int = 400, seed: int = 0, filler: float = 0.7) -> list[Sentence]:
    return sentences(n, seq_len, filler, gen(seed))


def reader(words: list[str]) -> int:
    """An independent reading of the words: a correction after "actually" decides; else the first
    adjective, flipped if any word negates."""
    if "actually" in words:
        return polarity(words[words.index("actually") + 1])
    adjective = next(w for w in words if w in ADJECTIVES)
    return polarity(adjective) ^ int(any(is_negation(w) for w in words))


def test_the_issues_examples():
    not_good = Sentence("plot", "good", negated=True, at_all=True)
    assert " ".join(render(not_good)) == "the plot was not good at all" and label(not_good) == NEGATIVE
    corrected = Sentence("plot", "bad", negated=True, correction="great")
    assert " ".join(render(corrected)) == "the plot was not bad , actually great"
    assert label(corrected) == POSITIVE
    far = Sentence("music", "boring", negated=True, preamble=1, after="and then we went home")
    assert " ".join(render(far)) == "i do not think the music was boring , and then we went home"
    assert label(far) == POSITIVE


def test_every_drawn_label_agrees_with_an_independent_reading():
    for s in drawn(n=2000):
        assert label(s) == reader(render(s)), render(s)


def test_negation_flips_and_intensifiers_fillers_and_at_all_keep():
    for s in drawn(n=500, seed=1):
        if s.correction:
            continue
        base = replace(s, negated=False, at_all=False, copula=0)
        assert label(replace(base, negated=True)) == 1 - label(base)
        for change in ({"intensifier": "very"}, {"intensifier": ""}, {"before": "to be honest"},
                       {"after": "and then we went home"}, {"after": ""}):
            assert label(replace(s, **change)) == label(s)
        if s.negated:
            assert label(replace(s, at_all=not s.at_all)) == label(s)


@pytest.mark.parametrize("seq_len", [5, 6, 9, 14, 32, 60])
def test_sentences_fit_and_use_only_the_vocabulary(seq_len):
    words = set(vocabulary())
    found = drawn(seq_len, n=300, seed=seq_len)
    assert all(len(render(s)) <= seq_len and set(render(s)) <= words for s in found)
    if seq_len >= 32:  # room for the clauses that put the opinion far from the end
        assert any(s.after for s in found) and any(s.before for s in found)
        assert any(s.preamble >= 0 for s in found) and any(s.correction for s in found)


def test_batches_are_stratified_by_label_and_negation():
    found = drawn(n=64, seed=2)
    for start in range(0, 64, 4):
        pairs = {(label(s), s.negated) for s in found[start:start + 4]}
        assert pairs == {(0, False), (0, True), (1, False), (1, True)}


def test_task_pads_on_the_left_and_reports_negated_accuracy():
    task = TASKS["sentiment"](20)
    x, y = task.batch(8, gen(4))
    assert x.shape == (8, 20) and y.tolist() == [0, 0, 1, 1, 0, 0, 1, 1]
    assert (x[:, -1] != 0).all()  # the last step is a word
    for row in task.tokens(x):
        words = [w for w in row if w != "<pad>"]
        assert row[:len(row) - len(words)] == ["<pad>"] * (len(row) - len(words))
    assert task.negated(x).tolist() == [False, True] * 4
    right = torch.nn.functional.one_hot(y, 2).float()[:, None].expand(8, 20, 2)
    wrong_on_negated = right.clone()
    wrong_on_negated[1::2] = 1 - wrong_on_negated[1::2]
    assert task.input_metrics(x, right, y) == {"negated_accuracy": 1.0}
    assert task.input_metrics(x, wrong_on_negated, y) == {"negated_accuracy": 0.0}
    assert task.metrics(wrong_on_negated, y, 0.0)["accuracy"] == 0.5
    assert math.isclose(task.baseline_loss, math.log(2)) and task.chance_accuracy == 0.5


def test_too_short_a_sequence_and_bad_filler_name_their_field():
    with pytest.raises(ValueError, match="^seq_len: the grammar's sentences need at least 5"):
        TASKS["sentiment"](4)
    with pytest.raises(ValueError, match="^task_options.filler"):
        TASKS["sentiment"](10, filler=1.5)
