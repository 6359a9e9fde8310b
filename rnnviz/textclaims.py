"""Claims about text runs: overfitting (held-out loss against the loss on training data, both
without dropout), and what the network writes (the share of real words in its samples)."""

from __future__ import annotations

import math
import re
from typing import Any

from rnnviz.claims import Claim, ClaimResult
from rnnviz.run import Run
from rnnviz.tasks import make_task

LETTERS = re.compile(r"[a-z]+")  # a word of a sample: a run of letters (punctuation and digits split)


def loss_gap(run: Run) -> float:
    """At the last record: validation loss minus the loss on training data (nan if not measured)."""
    if not run.records:
        return math.nan
    last = run.records[-1]
    return float(last.val_loss - last.train_loss)


def gap_above(text: str, low: float, **changes: Any) -> Claim:
    """The model overfits: held-out loss ends over `low` nats above the loss on training data."""
    def check(run: Run) -> ClaimResult:
        gap = loss_gap(run)
        return ClaimResult(gap > low, gap, f"validation loss is {gap:.3g} nats above the training data's")
    return Claim(text, check, changes)


def gap_below(text: str, high: float, **changes: Any) -> Claim:
    """The gap between held-out loss and the loss on training data ends below `high` nats."""
    def check(run: Run) -> ClaimResult:
        gap = loss_gap(run)
        return ClaimResult(gap < high, gap, f"validation loss is {gap:.3g} nats above the training data's")
    return Claim(text, check, changes)


def gap_narrower(text: str, margin: float, against: dict[str, Any], **changes: Any) -> Claim:
    """A comparing claim: this run's gap ends over `margin` nats narrower than the gap of the run
    it is compared with (the config changes `against`, the same seed)."""
    def check(run: Run, other: Run) -> ClaimResult:
        narrower = loss_gap(other) - loss_gap(run)
        return ClaimResult(narrower > margin, narrower,
                           f"gap {loss_gap(run):.3g} nats, against {loss_gap(other):.3g} without: "
                           f"{narrower:.3g} narrower")
    return Claim(text, check, changes, against)


def real_word_share(sample: str, words: set[str]) -> float:
    """Share of the sample's words (runs of letters, lowercased) that are in `words`; 0 if none."""
    found = LETTERS.findall(sample.lower())
    return sum(w in words for w in found) / len(found) if found else 0.0


def text_words(run: Run) -> set[str]:
    """Every word (run of letters, lowercased) of the run's text."""
    return set(LETTERS.findall(make_task(run.config).options["text"].lower()))


def writes_words(text: str, final_low: float, start_high: float, last: int = 3,
                 **changes: Any) -> Claim:
    """The samples of the last `last` records are mostly words of the text (their words pooled:
    share > `final_low`); step 0's sample is not (share < `start_high`). Samples are what the
    Train page shows (rnnviz.generate.record_sample); pooling a few keeps one unlucky draw of
    80 characters from deciding."""
    def check(run: Run) -> ClaimResult:
        samples = [r.sample for r in run.records if r.sample is not None]
        if len(samples) < 2:
            return ClaimResult(False, math.nan, "no samples to read (not a text run, or one record)")
        words = text_words(run)
        first = real_word_share(samples[0], words)
        final = real_word_share(" ".join(samples[1:][-last:]), words)
        return ClaimResult(final > final_low and first < start_high, final,
                           f"{final:.0%} of the words in the last {min(last, len(samples) - 1)} samples "
                           f"are words of the text (step 0: {first:.0%})")
    return Claim(text, check, changes)
