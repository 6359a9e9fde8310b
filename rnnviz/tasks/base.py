"""The Task base: a seeded source of (x, y) batches, its loss, metrics and baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.scalars import finite_number, parse_bool, parse_number, plain

IGNORE = -100  # class target meaning "no target at this step" (cross_entropy's ignore_index)


@dataclass(frozen=True)
class Option:
    """One knob of a task, described well enough for a widget and for validation."""

    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, text: str) -> Any:
        """This option's value from text (a link, the command line), typed like its default.

        Bounds are the task's to check; a ValueError says what a valid value looks like."""
        if self.choices is not None or isinstance(self.default, str):
            return text
        if isinstance(self.default, bool):
            return parse_bool(text)
        return parse_number(text, integer=isinstance(self.default, int))


class Task:
    """Base of every task. Subclasses set the class attributes and implement `batch`.

    Shapes: x is (B, T, input_size) float, or (B, T) long token ids when `input_tokens`.
    Regression y is (B, O) when targets == "last", else (B, T, O).
    Classification y is (B,) long when targets == "last", else (B, T) long with IGNORE where a
    step has no target. The model's output is always (B, T, output_size).
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""           # human name for a select box, e.g. "Adding problem"
    kind: ClassVar[str]                 # "regression" or "classification"
    OPTIONS: ClassVar[dict[str, Option]] = {}
    targets: str = "last"               # "last": one target per sequence; "every": per step
    input_tokens: bool = False
    min_seq_len: int = 1                # the shortest input the task reads
    vocab: list[str] | None = None      # class / token names, where they mean something
    input_size: int
    output_size: int
    baseline_loss: float                # loss of the best constant prediction
    memory_loss: float | None = None    # loss of a model that remembers only part of what it must
    #                                     (adding: the second number alone); None where no such line

    def val_baseline(self) -> tuple[float, float]:
        """(best constant prediction's loss on the validation split, share of validation targets
        never seen in training). Synthetic tasks draw both splits alike: the training baseline, 0."""
        return float(self.baseline_loss), 0.0

    def __init__(self, seq_len: int, **options: Any):
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            raise ValueError(f"task_options: unknown option(s) {', '.join(unknown)} for task "
                             f"{self.name!r}; valid options are {', '.join(self.OPTIONS) or 'none'}")
        seq_len = plain(seq_len)
        if isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len < 1:
            raise ValueError(f"seq_len: must be an integer >= 1, got {seq_len!r}")
        self.seq_len = seq_len
        # numpy scalars (a run file's) as Python values, so the checks below and JSON take them
        self.options = {k: plain(options.get(k, opt.default)) for k, opt in self.OPTIONS.items()}
        for key, opt in self.OPTIONS.items():
            check_option(key, self.options[key], opt)
            if isinstance(opt.default, int) and not isinstance(opt.default, bool):
                self.options[key] = int(self.options[key])  # 5.0 from a JSON or a slider -> 5

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        """A batch drawn with `generator` only (never the global RNG). split: "train" or "val"."""
        raise NotImplementedError

    def probe_batch(self, batch_size: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """The fixed batch that records look at: a training batch, seq_len steps long."""
        return self.batch(batch_size, generator)

    def tokens(self, x: Tensor) -> list[list[str]] | None:
        """Per sequence, per step, the text of the input (text tasks), else None."""
        return None

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        """Mean loss over all targets."""
        if self.targets == "last":
            return self.last_loss(out, y)
        if self.kind == "regression":
            return F.mse_loss(out, y)
        return F.cross_entropy(out.flatten(0, 1), y.flatten(), ignore_index=IGNORE)

    def last_loss(self, out: Tensor, y: Tensor) -> Tensor:
        """L_T: the loss at the last output step only (the long-range signal)."""
        last_y = y if self.targets == "last" else y[:, -1]
        if self.kind == "regression":
            return F.mse_loss(out[:, -1], last_y)
        return F.cross_entropy(out[:, -1], last_y, ignore_index=IGNORE)

    def metrics(self, out: Tensor, y: Tensor, loss: float) -> dict[str, float]:
        """Task metrics beside the loss: accuracy for classification, perplexity for text."""
        if self.kind != "classification":
            return {}
        pred = out[:, -1].argmax(-1) if self.targets == "last" else out.argmax(-1)
        mask = y != IGNORE
        correct = (pred == y) & mask
        return {"accuracy": float(correct.sum()) / max(int(mask.sum()), 1)}

    def input_metrics(self, x: Tensor, out: Tensor, y: Tensor) -> dict[str, float]:
        """Metrics about kinds of input, beside `metrics` (sentiment: accuracy on negated
        sentences); none by default."""
        return {}


def check_option(key: str, value: Any, opt: Option) -> None:
    """Raise a ValueError naming task_options.<key> when `value` does not fit `opt`."""
    where = f"task_options.{key}"
    if opt.choices is not None:
        if value not in opt.choices:
            raise ValueError(f"{where}: {value!r} is not one of {', '.join(opt.choices)}")
        return
    if isinstance(opt.default, str):
        if not isinstance(value, str):
            raise ValueError(f"{where}: must be a string, got {type(value).__name__}")
        return
    if isinstance(opt.default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: must be true or false, got {value!r}")
        return
    if isinstance(opt.default, int | float):
        ok = finite_number(value)
        if isinstance(opt.default, int) and not isinstance(opt.default, bool):
            ok = ok and float(value).is_integer()
        if not ok or (opt.low is not None and value < opt.low) or (
                opt.high is not None and value > opt.high):
            bounds = f" between {opt.low} and {opt.high}" if opt.low is not None else ""
            raise ValueError(f"{where}: must be a number{bounds}, got {value!r}")
