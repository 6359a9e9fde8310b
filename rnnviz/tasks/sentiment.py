"""Sentiment: read a sentence word by word, say positive or negative at the end (many-to-one)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import torch
from torch import Tensor

from rnnviz.tasks import grammar
from rnnviz.tasks.base import Option, Task
from rnnviz.tasks.labelled import read_labelled
from rnnviz.tasks.text import UNK, capped_note

PAD = "<pad>"       # id 0: sentences are padded on the left, so the last word is the last step
MAX_VOCAB = 5_000   # words of a user's CSV kept (the most frequent), <pad> and <unk> aside


def entropy(counts: np.ndarray) -> float:
    """Entropy (nats) of the frequencies in `counts`: the best constant guess's cross-entropy."""
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def left_pad(rows: list[list[int]], seq_len: int) -> Tensor:
    """(B, seq_len) ids: each row's last seq_len ids, <pad> (0) before them."""
    out = np.zeros((len(rows), seq_len), dtype=np.int64)
    for i, row in enumerate(rows):
        kept = row[-seq_len:]
        if kept:
            out[i, seq_len - len(kept):] = kept
    return torch.from_numpy(out)


class Sentiment(Task):
    """Sentiment with negation: is an opinion about a film positive or negative?

    Sentences come from a small grammar ("the plot was not good at all", "i do not think the
    music was boring", "the film wasn't bad , actually great", "the story was really dull ,
    and then we went home"): a negation flips the adjective, an intensifier or "at all" keeps
    it. A neutral clause after the opinion puts the deciding words far from the end, where the
    label is read out, so the network must carry them: memory matters. Half the sentences are
    negated and the labels are balanced, so the baseline is ln 2 and chance accuracy 50%. Word
    ids go through an embedding; sentences are padded on the left to seq_len words. Open
    Decisions: the final hidden states of positive and negative probe sentences move apart over
    training, and the words that decide ("not", "good") get the largest contributions. With
    `texts`, your own CSV (header text,label) is the data instead: one row in ten validates.
    """

    name = "sentiment"
    title = "Sentiment with negation"
    kind = "classification"
    targets = "last"
    input_tokens = True
    OPTIONS = {
        "texts": Option("", "your own labelled texts: a CSV with the header text,label and one text "
                            "per row (empty: sentences from the built-in grammar)"),
        "filler": Option(0.5, "grammar only: chance of a neutral clause before, and one after, "
                              "the opinion", 0.0, 1.0),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        if self.options["texts"].strip():
            self._from_csv(self.options["texts"])
        else:
            if seq_len < grammar.MIN_LEN:
                raise ValueError(f"seq_len: the grammar's sentences need at least {grammar.MIN_LEN} "
                                 f"words; got {seq_len}")
            self.classes = list(grammar.CLASSES)
            self.vocab = [PAD, *grammar.vocabulary()]
            self.baseline_loss, self.chance_accuracy = math.log(2), 0.5  # balanced by construction
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.input_size, self.output_size = len(self.vocab), len(self.classes)
        self.negations = torch.tensor([i for i, w in enumerate(self.vocab) if grammar.is_negation(w)],
                                      dtype=torch.long)

    def _from_csv(self, text: str) -> None:
        data = read_labelled(text)
        train = [i for i, v in enumerate(data.val) if not v]
        counts = Counter(w for i in train for w in data.words[i])
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        self.vocab = [PAD, UNK, *ranked[:MAX_VOCAB]]
        notes = ([capped_note(counts, ranked[:MAX_VOCAB], "words", f"as {UNK}")]
                 if len(ranked) > MAX_VOCAB else [])
        cut = sum(len(w) > self.seq_len for w in data.words)
        if cut:
            notes.append(f"{cut:,} of {len(data.words):,} texts are longer than seq_len={self.seq_len} "
                         f"words: each is read from its last {self.seq_len} words")
        self.vocab_note = "; ".join(notes) or None
        index = {w: i for i, w in enumerate(self.vocab)}
        self.ids = left_pad([[index.get(w, 1) for w in words] for words in data.words], self.seq_len)
        self.labels = torch.tensor(data.labels, dtype=torch.long)  # (N,)
        self.split = {"train": torch.tensor(train),
                      "val": torch.tensor([i for i, v in enumerate(data.val) if v])}
        self.classes = data.classes
        freq = np.bincount(self.labels[self.split["train"]].numpy(), minlength=len(self.classes))
        self.baseline_loss, self.chance_accuracy = entropy(freq), float(freq.max() / freq.sum())

    @property
    def from_grammar(self) -> bool:
        return not hasattr(self, "ids")

    def val_baseline(self) -> tuple[float, float]:
        """The validation rows' own class entropy, and the share of them whose label never
        occurs in the training rows."""
        if self.from_grammar:
            return super().val_baseline()
        train, val = (self.labels[self.split[s]].numpy() for s in ("train", "val"))
        counts = np.bincount(val, minlength=len(self.classes))
        return entropy(counts), float(np.mean(~np.isin(val, train)))

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        if self.from_grammar:
            drawn = grammar.sentences(batch_size, self.seq_len, self.options["filler"], generator)
            rows = [[self.index[w] for w in grammar.render(s)] for s in drawn]
            return left_pad(rows, self.seq_len), torch.tensor([grammar.label(s) for s in drawn])
        rows = self.split[split]
        picked = rows[torch.randint(len(rows), (batch_size,), generator=generator)]
        return self.ids[picked], self.labels[picked]  # (B, T) ids, (B,) classes

    def tokens(self, x: Tensor) -> list[list[str]]:
        return [[self.vocab[i] for i in row] for row in x.tolist()]

    def negated(self, x: Tensor) -> Tensor:
        """(B,) bool: which sequences hold a negation word (not, never, nobody, wasn't...)."""
        return torch.isin(x, self.negations.to(x.device)).any(-1)

    def input_metrics(self, x: Tensor, out: Tensor, y: Tensor) -> dict[str, float]:
        """Accuracy on the sentences with a negation (nan in a batch without one); none for a CSV
        without negation words."""
        if not len(self.negations):
            return {}
        mask = self.negated(x)
        correct = (out[:, -1].argmax(-1) == y) & mask
        return {"negated_accuracy": float(correct.sum()) / int(mask.sum()) if mask.any() else math.nan}
