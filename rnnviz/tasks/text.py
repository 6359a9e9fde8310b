"""Language modelling on a user's text: next character (one-hot) and next word (embedding)."""

from __future__ import annotations

import math
import re
from collections import Counter
from importlib.resources import files

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.tasks.base import Option, Task
from rnnviz.tasks.windows import (
    draw_windows,
    min_length,
    split_point,
    target_weights,
    weighted_entropy,
    window_source,
)

DEFAULT_TEXT = files("rnnviz").joinpath("data", "default_text.txt").read_text(encoding="utf-8")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\sa-z0-9]")  # words (with 's, n't) and punctuation
UNK = "<unk>"
OTHER = "\ufffd"  # Unicode's replacement character: every character beyond the cap reads as this one
MAX_CHARS = 256     # largest character vocabulary, OTHER included: the one-hot input stays small
MAX_WORDS = 20_000  # largest word vocabulary, <unk> included: the output layer and logits stay small


class TextTask(Task):
    """Shared mechanics: a text as one long series of ids, windows, the held-out tail, perplexity."""

    kind = "classification"
    targets = "every"
    unit = "characters"
    vocab_note: str | None = None  # in words, what the vocabulary cap changed (None: nothing)

    def setup(self, ids: list[int], vocab: list[str]) -> None:
        """Check the length, then set the vocabulary, sizes and baseline from the id series."""
        T, n = self.seq_len, len(ids)
        if n < min_length(T):
            raise ValueError(f"task_options.text: the text has {n} {self.unit}; it needs at least "
                             f"{min_length(T)} for seq_len={T} (seq_len + 2 to train on and "
                             f"seq_len + 1 held out): give a longer text or a smaller seq_len")
        self.vocab = vocab
        self.input_size = self.output_size = len(vocab)
        self.ids = torch.tensor(ids)  # (N,)
        train = np.asarray(ids[:split_point(n, T)])
        # best constant guess: the frequency of each token over the train windows' target steps
        self.baseline_loss = weighted_entropy(train, target_weights(len(train), T, "every"), len(vocab))

    def val_baseline(self) -> tuple[float, float]:
        """The held-out tail's own best constant (its token frequencies), and the share of its
        targets that never occur in the training part: no model trained there can predict those."""
        T, ids = self.seq_len, self.ids.numpy()
        cut = split_point(len(ids), T)
        train, val = ids[:cut], ids[cut:]
        weights = target_weights(len(val), T, "every")
        unseen = ~np.isin(val, train)
        return weighted_entropy(val, weights, len(self.vocab)), float(weights[unseen].sum())

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        part = window_source(self.ids, self.seq_len, split)
        window = draw_windows(part, batch_size, self.seq_len + 1, generator)  # (B, T+1)
        x = window[:, :-1] if self.input_tokens else F.one_hot(window[:, :-1], len(self.vocab)).float()
        return x, window[:, 1:]  # (B, T) ids or (B, T, V) one-hot, (B, T)

    def metrics(self, out: Tensor, y: Tensor, loss: float) -> dict[str, float]:
        perplexity = math.exp(loss) if loss < 700 else math.inf  # exp(cross-entropy) in tokens
        return {**super().metrics(out, y, loss), "perplexity": perplexity}

    def tokens(self, x: Tensor) -> list[list[str]]:
        ids = x if self.input_tokens else x.argmax(-1)
        return [[self.vocab[i] for i in row] for row in ids.tolist()]


def check_text(text: str) -> None:
    if not text.strip():
        raise ValueError("task_options.text: the text is empty; paste or upload some text")


class Chars(TextTask):
    """Next character: read a text one character at a time (one-hot) and predict the next one.

    The vocabulary is the sorted set of characters in the text, at most MAX_CHARS of them: beyond
    that, the most frequent are kept and the rest read as one "other" symbol. The last ~10% is
    held out for validation. The baseline is the entropy of the character frequencies (a constant guess that
    knows only which letters are common, ~3 nats for English); perplexity = exp(loss) is "how
    many characters the model hesitates between". The loss falls in stages: letter frequencies,
    then pairs (after 'q' comes 'u'), then whole words. Look at the per-input view: some units
    switch on inside words and off at spaces, some track quotes or line length; the gradient
    ||dL_T/dh_t|| shows how many characters back the prediction still depends on.
    """

    name = "chars"
    title = "Next character (text)"
    OPTIONS = {"text": Option(DEFAULT_TEXT, "the text to learn (the default is a short text about RNNs)")}

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        text = self.options["text"]
        check_text(text)
        counts = Counter(text)
        if len(counts) <= MAX_CHARS:
            vocab = sorted(counts)
        else:  # keep the most frequent (ties by character, so the same text gives the same vocab)
            ranked = sorted((c for c in counts if c != OTHER), key=lambda c: (-counts[c], c))
            vocab = [*sorted(ranked[:MAX_CHARS - 1]), OTHER]
            self.vocab_note = capped_note(counts, vocab[:-1], "characters",
                                          "as one 'other' symbol (\ufffd)")
        index = {c: i for i, c in enumerate(vocab)}
        other = len(vocab) - 1
        self.setup([index.get(c, other) for c in text], vocab)


def capped_note(counts: Counter, kept: list[str], unit: str, read_as: str) -> str:
    """What a capped vocabulary changed, in words a student can read."""
    total = sum(counts.values())
    dropped = total - sum(counts[t] for t in kept)
    return (f"the text has {len(counts):,} distinct {unit}, and a model here reads at most "
            f"{len(kept) + 1:,} symbols: the {len(kept):,} most frequent are kept, the rest "
            f"({dropped / total:.1%} of the text) are read {read_as}")


def words_of(text: str) -> list[str]:
    """Lowercased words and punctuation marks, in order."""
    return WORD.findall(text.lower())


class Words(TextTask):
    """Next word: read word ids (through an embedding) and predict the next word.

    Words are lowercased and split by a simple regex (punctuation marks are words too); words
    seen fewer than `min_count` times, or beyond the `max_vocab` most frequent, become <unk>.
    The baseline is the entropy of the word frequencies (always guessing "the" and friends).
    With a short text the model memorises quickly: watch the train loss fall while the
    held-out loss (the last ~10% of the text) stops improving or rises: overfitting. The
    hidden state PCA tends to group positions by what kind of word comes next.
    """

    name = "words"
    title = "Next word (text, embedding)"
    unit = "words"
    input_tokens = True
    OPTIONS = {
        "text": Option(DEFAULT_TEXT, "the text to learn (the default is a short text about RNNs)"),
        "max_vocab": Option(2000, "largest vocabulary, <unk> included", 2, MAX_WORDS),
        "min_count": Option(1, "words seen fewer times become <unk>", 1, 1000),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        text = self.options["text"]
        check_text(text)
        words = words_of(text)
        counts = Counter(words)
        ranked = sorted((w for w, c in counts.items() if c >= self.options["min_count"]),
                        key=lambda w: (-counts[w], w))
        vocab = [UNK, *ranked[:self.options["max_vocab"] - 1]]
        if len(vocab) - 1 < len(counts):
            self.vocab_note = capped_note(counts, vocab[1:], "words", f"as {UNK}")
        index = {w: i for i, w in enumerate(vocab)}
        self.setup([index.get(w, 0) for w in words], vocab)
