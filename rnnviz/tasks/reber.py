"""The embedded Reber grammar: next-symbol prediction with one long-range dependency."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.tasks.base import Task

SYMBOLS = ["B", "T", "P", "S", "X", "V", "E"]

# The Reber grammar as a finite automaton: state -> [(symbol, next state), ...]; where there are
# two arcs each is taken with probability 1/2. State 7 is "the inner string has ended".
REBER = {
    0: [("B", 1)],
    1: [("T", 2), ("P", 3)],
    2: [("S", 2), ("X", 4)],
    3: [("T", 3), ("V", 5)],
    4: [("X", 3), ("S", 6)],
    5: [("P", 4), ("V", 6)],
    6: [("E", 7)],
}


def embedded_automaton() -> list[list[tuple[int, int]]]:
    """The embedded grammar B (T reber T | P reber P) E, looping back to B after each E.

    Returns, per state, its arcs as (symbol index, next state). State 0 emits the outer B,
    state 1 picks the branch T or P; each branch has its own copy of the inner grammar so that
    after the inner E the automaton still knows which symbol closes the string.
    """
    sym = {s: i for i, s in enumerate(SYMBOLS)}
    arcs: list[list[tuple[int, int]]] = [[(sym["B"], 2)], [], []]  # 0: B; 1: final E; 2: T or P
    for branch in ("T", "P"):
        base = len(arcs)                    # inner states base+0 .. base+6, then the closing symbol
        arcs[2].append((sym[branch], base))
        for state in range(7):
            arcs.append([(sym[s], base + nxt) for s, nxt in REBER[state]])
        arcs.append([(sym[branch], 1)])     # base+7: close with the branch symbol, then E
    arcs[1] = [(sym["E"], 0)]
    return arcs


ARCS = embedded_automaton()


class Reber(Task):
    """Embedded Reber grammar: read a stream of grammatical strings, predict the next symbol.

    Strings look like B T <Reber string> T E or B P <Reber string> P E, e.g. BTBPVVETE.
    Each sequence starts at the beginning of a string and concatenates independent strings up to
    seq_len (+1 for the last target), so the window cuts the last string wherever it ends.
    Inputs are one-hot over B T P S X V E; the target at every step is the next symbol.
    Most next symbols are a coin flip between two legal ones, so the loss cannot reach 0: a model
    that has learned the grammar pays about log 2 on those steps and 0 on the forced ones.
    The long-range dependency is the second symbol, T or P: it must be recalled at the end of the
    embedded string, after the inner string of arbitrary length. A vanilla RNN learns the inner
    grammar quickly but guesses 50/50 there; an LSTM keeps the branch in a cell whose forget gate
    stays open across the inner string (look for a unit that is constant from the 2nd symbol to
    the closing T/P). The baseline is the entropy of the symbol frequencies (a constant guess).
    """

    name = "reber"
    title = "Embedded Reber grammar"
    kind = "classification"
    targets = "every"
    vocab = SYMBOLS
    input_size = output_size = len(SYMBOLS)

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        self.baseline_loss = marginal_entropy(seq_len)

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T = self.seq_len
        coins = torch.randint(0, 2, (batch_size, T + 1), generator=generator).tolist()
        ids = torch.tensor([walk(row) for row in coins])  # (B, T+1)
        return F.one_hot(ids[:, :-1], len(SYMBOLS)).float(), ids[:, 1:]  # (B, T, 7), (B, T)

    def tokens(self, x: Tensor) -> list[list[str]]:
        return [[SYMBOLS[i] for i in row] for row in x.argmax(-1).tolist()]

    def metrics(self, out: Tensor, y: Tensor, loss: float) -> dict[str, float]:
        """Accuracy, and accuracy on the closing T/P alone (Hochreiter & Schmidhuber's criterion):
        the one prediction that needs the second symbol, remembered across the inner string."""
        closing = closing_targets(y)
        right = (out.argmax(-1) == y) & closing
        return {**super().metrics(out, y, loss),
                "closing_accuracy": float(right.sum()) / max(int(closing.sum()), 1)}


def walk(coins: list[int]) -> list[int]:
    """One symbol per coin: from the start state, take arc `coin` where there is a choice."""
    state, out = 0, []
    for coin in coins:
        arcs = ARCS[state]
        symbol, state = arcs[coin % len(arcs)]
        out.append(symbol)
    return out


def marginal_entropy(seq_len: int) -> float:
    """Entropy of the next-symbol distribution averaged over target steps 1..seq_len, exactly.

    Propagates the probability of each automaton state step by step (no sampling).
    """
    probs = [0.0] * len(ARCS)
    probs[0] = 1.0
    counts = [0.0] * len(SYMBOLS)
    for t in range(seq_len + 1):
        nxt = [0.0] * len(ARCS)
        for state, p in enumerate(probs):
            for symbol, to in ARCS[state]:
                share = p / len(ARCS[state])
                if t > 0:  # the symbol at position t is the target of step t-1
                    counts[symbol] += share
                nxt[to] += share
        probs = nxt
    total = sum(counts)
    return -sum(c / total * math.log(c / total) for c in counts if c > 0)


def closing_targets(y: Tensor) -> Tensor:
    """(B, T) bool: where the target is the closing T/P of an embedded string.

    Only the inner string's E is followed by T or P (the outer E is followed by B), so a target
    T/P right after a target E is the closing symbol; the first step (input B) never is."""
    T_, P_, E_ = (SYMBOLS.index(s) for s in "TPE")
    after_e = torch.zeros_like(y, dtype=torch.bool)
    after_e[:, 1:] = y[:, :-1] == E_
    return after_e & ((y == T_) | (y == P_))
