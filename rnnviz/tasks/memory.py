"""Long-range memory tasks from Hochreiter & Schmidhuber (1997): adding, copy, temporal order."""

from __future__ import annotations

import math
import string

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.tasks.base import IGNORE, Option, Task


class Adding(Task):
    """The adding problem: each step carries a random value in [0, 1] and a marker (0 or 1).
    Exactly two steps are marked, one in each half; the target is the sum of their values.

    Predicting 1.0 always gives MSE 1/6 ~ 0.167: the baseline. Remembering only the second marked
    value (predicting it + 0.5) already gives Var(u1) = 1/12 ~ 0.083 (`memory_loss`): only a network
    that carries the first marked value across half the sequence goes below that. Watch
    ||dL_T/dh_t||: for a vanilla RNN it falls by orders of magnitude towards early t, so the first
    marker never gets a signal. An LSTM's falls too at first; it flattens as the LSTM learns, and
    its loss then drops below 1/12.
    """

    name = "adding"
    title = "Adding problem"
    kind = "regression"
    input_size, output_size = 2, 1
    baseline_loss = 1 / 6  # Var(u1 + u2) for two independent U(0, 1) values
    memory_loss = 1 / 12   # Var(u1): the second value remembered, the first one not

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        if seq_len < 2:
            raise ValueError(f"seq_len: the adding problem needs seq_len >= 2 (one marker per half), "
                             f"got {seq_len}")

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T, half = self.seq_len, max(self.seq_len // 2, 1)
        values = torch.rand(batch_size, T, generator=generator)  # (B, T)
        first = torch.randint(0, half, (batch_size,), generator=generator)
        second = torch.randint(half, T, (batch_size,), generator=generator)
        markers = torch.zeros(batch_size, T)
        rows = torch.arange(batch_size)
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        x = torch.stack([values, markers], -1)  # (B, T, 2)
        y = (values[rows, first] + values[rows, second]).unsqueeze(-1)  # (B, 1)
        return x, y


class Copy(Task):
    """Copy (delayed recall): remember k symbols shown at the start, write them out at the end.

    Steps 0..k-1 show k random symbols (one-hot), then blanks, then a "go" marker at step T-k-1;
    at the last k steps the network must output the k symbols in order (no target elsewhere).
    Without memory the best guess is uniform: cross-entropy log(alphabet) is the baseline.
    The gap between seeing a symbol and writing it is T-k steps, so ||dL_T/dh_t|| must reach back
    to step k-1: a vanilla RNN's gradient vanishes long before, and it sits on the baseline, while
    an LSTM's forget gates stay near 1 (open) through the blanks and its input gates spike on the
    symbols. The loss often plateaus at the baseline for a while, then drops in a sudden step.
    """

    name = "copy"
    title = "Copy / delayed recall"
    kind = "classification"
    targets = "every"
    OPTIONS = {
        "symbols": Option(5, "how many symbols to remember (k); seq_len must be >= 2k+1", 1, 100),
        "alphabet": Option(8, "number of distinct symbols", 2, 26),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        k, a = self.options["symbols"], self.options["alphabet"]
        if seq_len < 2 * k + 1:
            raise ValueError(f"seq_len: copying {k} symbols needs seq_len >= 2*symbols+1 = {2 * k + 1} "
                             f"(k to show, a go marker, k to recall), got {seq_len}")
        self.vocab = list(string.ascii_uppercase[:a])
        self.input_size, self.output_size = a + 2, a  # symbols, blank, go
        self.baseline_loss = math.log(a)  # targets uniform over the alphabet: entropy log a

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T, k, a = self.seq_len, self.options["symbols"], self.options["alphabet"]
        symbols = torch.randint(0, a, (batch_size, k), generator=generator)  # (B, k)
        ids = torch.full((batch_size, T), a)                                 # blank everywhere
        ids[:, :k] = symbols
        ids[:, T - k - 1] = a + 1                                            # go marker
        y = torch.full((batch_size, T), IGNORE)
        y[:, T - k:] = symbols
        return F.one_hot(ids, a + 2).float(), y  # (B, T, a+2), (B, T)

    def tokens(self, x: Tensor) -> list[list[str]]:
        names = [*self.vocab, "_", ">"]
        return [[names[i] for i in row] for row in x.argmax(-1).tolist()]


ORDER_SYMBOLS = ["B", "E", "X", "Y", "a", "b", "c", "d"]  # begin, end, the two relevant, distractors
ORDER_MIN_LEN = 10


class TemporalOrder(Task):
    """Temporal order (Hochreiter & Schmidhuber 1997, experiment 6a): was it X..X, X..Y, Y..X or Y..Y?

    A sequence of random distractors a-d starts with B and ends with E. Two relevant symbols, each
    X or Y, appear at random steps: the first in 10-20% of the sequence, the second in 50-60%.
    At the last step the network classifies their order into 4 classes (XX, XY, YX, YY).
    Guessing gives cross-entropy log 4 ~ 1.386 (the baseline). The network must store the first
    symbol across the noise for about half the sequence and ignore the distractors: watch the
    LSTM input gates open only on X/Y, and ||dL_T/dh_t|| needing to stay alive back to 10-20%.
    """

    name = "temporal_order"
    title = "Temporal order (XX/XY/YX/YY)"
    kind = "classification"
    targets = "last"
    vocab = ["XX", "XY", "YX", "YY"]
    input_size, output_size = len(ORDER_SYMBOLS), 4
    baseline_loss = math.log(4)  # the 4 classes are equally likely

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        if seq_len < ORDER_MIN_LEN:
            raise ValueError(f"seq_len: temporal order needs seq_len >= {ORDER_MIN_LEN} (B, E and two "
                             f"separate windows for X/Y), got {seq_len}")

    def windows(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Inclusive step ranges of the first and second relevant symbol."""
        T = self.seq_len
        lo1, lo2 = max(1, T // 10), T // 2
        return (lo1, max(lo1, T // 5)), (lo2, max(lo2, 3 * T // 5))

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        T, rows = self.seq_len, torch.arange(batch_size)
        (lo1, hi1), (lo2, hi2) = self.windows()
        ids = torch.randint(4, 8, (batch_size, T), generator=generator)  # distractors a-d
        ids[:, 0], ids[:, -1] = 0, 1                                      # B ... E
        first = torch.randint(lo1, hi1 + 1, (batch_size,), generator=generator)
        second = torch.randint(lo2, hi2 + 1, (batch_size,), generator=generator)
        which = torch.randint(0, 2, (batch_size, 2), generator=generator)  # 0 = X, 1 = Y
        ids[rows, first] = 2 + which[:, 0]
        ids[rows, second] = 2 + which[:, 1]
        y = which[:, 0] * 2 + which[:, 1]  # XX=0, XY=1, YX=2, YY=3
        return F.one_hot(ids, len(ORDER_SYMBOLS)).float(), y  # (B, T, 8), (B,)

    def tokens(self, x: Tensor) -> list[list[str]]:
        return [[ORDER_SYMBOLS[i] for i in row] for row in x.argmax(-1).tolist()]
