"""Claims about seq2seq runs: accuracy at the end, and how it falls with input length."""

from __future__ import annotations

import math
from typing import Any

from rnnviz.claims import Claim, ClaimResult, last_val_metric
from rnnviz.run import Run


def metric_below(text: str, name: str, high: float, words: str, **changes: Any) -> Claim:
    """A validation metric at the last record is below `high`."""
    def check(run: Run) -> ClaimResult:
        value = last_val_metric(run, name)
        return ClaimResult(value < high, value, f"{words} {value:.3g}")
    return Claim(text, check, changes)


def length_drop(run: Run) -> float:
    """Token accuracy at the shortest evaluated length minus at the training length (nan if none)."""
    acc = run.length_accuracy
    if acc is None or not len(acc.lengths):
        return math.nan
    at_trained = [a for n, a in zip(acc.lengths, acc.accuracy, strict=True) if n <= run.config.seq_len]
    return float(acc.accuracy[0] - at_trained[-1]) if at_trained else math.nan


def _drop_words(run: Run, drop: float) -> str:
    acc = run.length_accuracy
    if acc is None:
        return "no accuracy by length (the run did not end)"
    return (f"token accuracy falls by {drop:.2f} from length {acc.lengths[0]} to length "
            f"{run.config.seq_len}")


def length_drop_above(text: str, low: float, **changes: Any) -> Claim:
    """Accuracy falls by more than `low` from the shortest input to the training length."""
    def check(run: Run) -> ClaimResult:
        drop = length_drop(run)
        return ClaimResult(drop > low, drop, _drop_words(run, drop))
    return Claim(text, check, changes)


def length_drop_below(text: str, high: float, **changes: Any) -> Claim:
    """Accuracy falls by less than `high` from the shortest input to the training length."""
    def check(run: Run) -> ClaimResult:
        drop = length_drop(run)
        return ClaimResult(drop < high, drop, _drop_words(run, drop))
    return Claim(text, check, changes)
