"""Sequence-to-sequence toy tasks for an encoder-decoder: reverse, sort, add two numbers.

x is (B, T) input token ids and y is (B, out_len(T)) output token ids; the decoder writes exactly
out_len(T) tokens (no end token: the length is given), so no padding is ever needed. With
`min_len` below seq_len each training batch draws its own length, all its sequences alike."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rnnviz.tasks.base import Option, Task

DIGITS = "0123456789"
MAX_LEN = 200  # the longest input any of these tasks builds (the evaluation lengths included)


class Seq2SeqTask(Task):
    """Base: digits in, digits out. Subclasses implement `pairs` and `out_len`."""

    kind = "seq2seq"
    targets = "every"
    input_tokens = True
    min_seq_len = 2
    OPTIONS = {
        "alphabet": Option(10, "distinct digits in the input", 2, 10),
        "min_len": Option(0, "shortest training input (0: every input is seq_len long)", 0, MAX_LEN),
        "eval_len": Option(0, "input length of the validation batch (0: seq_len); longer tests "
                              "whether the model generalises", 0, MAX_LEN),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        low = self.min_seq_len
        if not low <= seq_len <= MAX_LEN:
            raise ValueError(f"seq_len: the {self.name} task takes inputs of {low} to {MAX_LEN} "
                             f"tokens, got {seq_len}")
        min_len, eval_len = self.options["min_len"], self.options["eval_len"]
        if min_len and not low <= min_len <= seq_len:
            raise ValueError(f"task_options.min_len: must be 0 or between {low} and seq_len "
                             f"({seq_len}), got {min_len}")
        if eval_len and eval_len < low:
            raise ValueError(f"task_options.eval_len: must be 0 or at least {low}, got {eval_len}")
        self.digits = DIGITS[:self.options.get("alphabet", 10)]
        self.vocab = list(self.digits)
        self.output_vocab = list(DIGITS if self.name == "add" else self.digits)
        self.input_size, self.output_size = len(self.vocab), len(self.output_vocab)
        self.baseline_loss = math.log(self.output_size)  # a uniform guess at every output step

    def out_len(self, in_len: int) -> int:
        """How many tokens the decoder writes for an input of `in_len` tokens."""
        return in_len

    def pairs(self, x: Tensor) -> Tensor:
        """The targets (B, out_len(T)) of inputs x (B, T)."""
        raise NotImplementedError

    def inputs(self, batch_size: int, length: int, generator: torch.Generator) -> Tensor:
        return torch.randint(0, len(self.digits), (batch_size, length), generator=generator)

    def batch_of_length(self, batch_size: int, length: int,
                        generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """A batch whose inputs are all `length` tokens long (ValueError outside the task's range)."""
        if not self.min_seq_len <= length <= MAX_LEN:
            raise ValueError(f"lengths: the {self.name} task takes inputs of {self.min_seq_len} to "
                             f"{MAX_LEN} tokens, got {length}")
        x = self.inputs(batch_size, length, generator)  # (B, T)
        return x, self.pairs(x)

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        length = self.seq_len
        if split == "val" and self.options["eval_len"]:
            length = self.options["eval_len"]
        elif split == "train" and self.options["min_len"]:
            length = int(torch.randint(self.options["min_len"], self.seq_len + 1, (1,),
                                       generator=generator))
        return self.batch_of_length(batch_size, length, generator)

    def probe_batch(self, batch_size: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Always seq_len long, whatever min_len draws for training batches: a run file's probe
        is (probe_size, seq_len), and the longest inputs show the bottleneck best."""
        return self.batch_of_length(batch_size, self.seq_len, generator)

    def tokens(self, x: Tensor) -> list[list[str]]:
        return [[self.vocab[int(i)] for i in row] for row in x]

    def output_tokens(self, y: Tensor) -> list[list[str]]:
        return [[self.output_vocab[int(i)] for i in row] for row in y]

    def metrics(self, out: Tensor, y: Tensor, loss: float) -> dict[str, float]:
        """Token accuracy, and the share of sequences whose every token is right."""
        right = out.argmax(-1) == y  # (B, T_out)
        return {"accuracy": float(right.float().mean()),
                "sequence_accuracy": float(right.all(-1).float().mean())}


class Reverse(Seq2SeqTask):
    """Reverse a string of digits: 3 1 4 1 5 -> 5 1 4 1 3.

    The first output token is the last input token, read just before the decoder starts; the last
    output is the first input, seq_len steps back. Without attention everything must squeeze
    through the encoder's final state (the bottleneck), and accuracy falls as the input grows.
    With attention the matrix of weights (decoder step x encoder step) becomes an anti-diagonal:
    each output looks at the one input it copies."""

    name = "reverse"
    title = "Reverse a sequence (seq2seq)"

    def pairs(self, x: Tensor) -> Tensor:
        return x.flip(1)


class Sort(Seq2SeqTask):
    """Sort a string of digits: 3 1 4 1 5 -> 1 1 3 4 5.

    The model must count each digit. Attention cannot align one output with one input here: the
    weights spread over every input holding the digit being written."""

    name = "sort"
    title = "Sort digits (seq2seq)"

    def pairs(self, x: Tensor) -> Tensor:
        return x.sort(1).values


class Add(Seq2SeqTask):
    """Add two numbers written as digits: 4 7 + 8 5 -> 1 3 2 (leading zeros kept, so the sum has
    one digit more than the longer number).

    seq_len counts every input token: the first number has (seq_len-1)//2 digits, the second the
    rest. Output digit i depends on the two digits in the same column and on the carry from the
    columns to its right: a reordering that is not a reversal. With attention each output step
    looks at two places, one in each number."""

    name = "add"
    title = "Add two numbers (seq2seq)"
    min_seq_len = 3
    OPTIONS = {k: v for k, v in Seq2SeqTask.OPTIONS.items() if k != "alphabet"}

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        self.vocab = [*DIGITS, "+"]
        self.input_size = len(self.vocab)

    @staticmethod
    def widths(in_len: int) -> tuple[int, int]:
        first = (in_len - 1) // 2
        return first, in_len - 1 - first

    def out_len(self, in_len: int) -> int:
        return max(self.widths(in_len)) + 1

    def inputs(self, batch_size: int, length: int, generator: torch.Generator) -> Tensor:
        a, b = self.widths(length)
        digits = torch.randint(0, 10, (batch_size, a + b), generator=generator)
        plus = torch.full((batch_size, 1), 10)
        return torch.cat([digits[:, :a], plus, digits[:, a:]], 1)  # (B, T)

    def pairs(self, x: Tensor) -> Tensor:
        a, b = self.widths(x.shape[1])
        width = self.out_len(x.shape[1])
        powers = 10 ** torch.arange(width - 1, -1, -1, dtype=torch.int64)  # (W,) most significant first
        total = (x[:, :a] * powers[-a:]).sum(1) + (x[:, a + 1:] * powers[-b:]).sum(1)  # (B,)
        return (total.unsqueeze(1) // powers) % 10  # (B, W) digits of the sum


SEQ2SEQ_TASKS = (Reverse, Sort, Add)
