"""Vocabulary caps of the text tasks: a pasted text cannot make the one-hot input or the output huge."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from rnnviz.config import RunConfig
from rnnviz.tasks import TASKS, make_task
from rnnviz.tasks.text import DEFAULT_TEXT, MAX_CHARS, MAX_WORDS, OTHER, UNK


def many_chars(distinct: int, length: int, seed: int) -> str:
    """A text over `distinct` CJK characters with Zipf-like frequencies (a few common, most rare)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(distinct)]
    return "".join(chr(0x4E00 + i) for i in rng.choices(range(distinct), weights, k=length))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_five_thousand_distinct_characters_build_a_task_of_the_capped_size(seed):
    text = many_chars(5000, 60_000, seed)
    task = TASKS["chars"](50, text=text)
    assert task.input_size == task.output_size == MAX_CHARS == len(task.vocab)
    assert task.vocab[-1] == OTHER and len(set(task.vocab)) == MAX_CHARS
    counts = Counter(text)
    kept = set(task.vocab[:-1])
    # the kept characters are the most frequent: none dropped is more frequent than one kept
    assert max(counts[c] for c in counts if c not in kept) <= min(counts[c] for c in kept)
    other = task.vocab.index(OTHER)
    expected = torch.tensor([task.vocab.index(c) if c in kept else other for c in text])
    assert torch.equal(task.ids, expected)
    assert task.vocab_note.startswith(f"the text has {len(counts):,} distinct characters, ")
    assert f"the {MAX_CHARS - 1} most frequent are kept" in task.vocab_note
    x, y = task.batch(4, torch.Generator().manual_seed(seed))
    assert x.shape == (4, 50, MAX_CHARS) and int(y.max()) < MAX_CHARS


def test_a_text_within_the_cap_keeps_every_character_and_says_nothing():
    task = TASKS["chars"](40)
    assert task.vocab == sorted(set(DEFAULT_TEXT)) and task.vocab_note is None
    exact = many_chars(MAX_CHARS, 20_000, 0)
    assert len(set(exact)) == MAX_CHARS  # every one of the 256 appears at least once here
    task = TASKS["chars"](40, text=exact)
    assert OTHER not in task.vocab and task.input_size == MAX_CHARS and task.vocab_note is None


def test_the_replacement_character_in_a_capped_text_is_read_as_other():
    text = OTHER * 5000 + many_chars(1000, 30_000, 3)
    task = TASKS["chars"](30, text=text)
    assert task.vocab.count(OTHER) == 1 and task.input_size == MAX_CHARS
    assert (task.ids[:5000] == MAX_CHARS - 1).all()


@pytest.mark.parametrize("max_vocab", [MAX_WORDS + 1, 100_000])
def test_words_max_vocab_beyond_the_cap_is_refused_naming_the_option(max_vocab):
    with pytest.raises(ValueError, match=r"^task_options\.max_vocab: .*20000"):
        TASKS["words"](20, max_vocab=max_vocab)
    with pytest.raises(ValueError, match=r"^task_options\.max_vocab"):
        make_task(RunConfig(task="words", seq_len=20, task_options={"max_vocab": max_vocab}))


def test_words_cap_reports_what_became_unk():
    task = TASKS["words"](20, max_vocab=MAX_WORDS)
    assert task.vocab_note is None  # the default text has far fewer distinct words
    small = TASKS["words"](20, max_vocab=30)
    assert len(small.vocab) == 30 and small.vocab[0] == UNK
    note = small.vocab_note
    assert note.startswith("the text has ") and "the 29 most frequent are kept" in note
    assert note.endswith(f"are read as {UNK}")
    share = float(note.split("(")[1].split("%")[0]) / 100
    assert share == pytest.approx(float((small.ids == 0).float().mean()), abs=1e-3)
