"""Your own input: a sequence a student types, parsed into the model's input for the run's task,
and the run's views recomputed on it with the weights of a chosen record.

Text tasks read text; the memory tasks (copy, temporal order, Reber) and the encoder-decoder tasks
(reverse, sort, add) read their symbols; numeric tasks read numbers, one column per input feature.
Problems raise a ValueError starting "input:"."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.probe import trace_arrays
from rnnviz.run import Run
from rnnviz.tasks import Task
from rnnviz.tasks.memory import ORDER_SYMBOLS, Copy, TemporalOrder
from rnnviz.tasks.reber import SYMBOLS as REBER_SYMBOLS
from rnnviz.tasks.reber import Reber
from rnnviz.tasks.sentiment import PAD
from rnnviz.tasks.text import OTHER, UNK, TextTask, words_of

MAX_STEPS = 200  # longest own input: the memory map of 200 steps still takes well under a second

__all__ = ["MAX_STEPS", "OwnInput", "columns", "example", "input_kind", "next_probabilities",
           "parse_input", "run_on_input", "symbols"]


class OwnInput(NamedTuple):
    x: Tensor                # (1, T, I) floats, or (1, T) token ids for a task read by an embedding
    tokens: list[str] | None  # per step, the text of the input (text and symbol tasks)
    notes: list[str]         # what was changed on the way (words read as <unk>), in words


def input_kind(task: Task) -> str:
    """"text", "tokens" (a memory task's symbols) or "numbers"."""
    if isinstance(task, TextTask) or task.name == "sentiment":  # characters or words
        return "text"
    seq2seq = task.kind == "seq2seq"  # an encoder reads digits
    return "tokens" if seq2seq or isinstance(task, Copy | TemporalOrder | Reber) else "numbers"


def symbols(task: Task) -> list[str]:
    """The symbols a token task reads, in the order of its one-hot input."""
    if task.kind == "seq2seq":
        return list(task.vocab)
    if isinstance(task, Copy):
        return [*task.vocab, "_", ">"]
    return list(ORDER_SYMBOLS if isinstance(task, TemporalOrder) else REBER_SYMBOLS)


def columns(task: Task) -> list[str]:
    """Names of a numeric task's input features, one column each."""
    if task.name == "adding":
        return ["value", "marker"]
    return list(getattr(task, "columns", ["x"]))


def _length(n: int, unit: str) -> None:
    if not 1 <= n <= MAX_STEPS:
        raise ValueError(f"input: {n} {unit}; give between 1 and {MAX_STEPS}")


def _one_hot(ids: list[int], size: int) -> Tensor:
    return F.one_hot(torch.tensor(ids), size).float()[None]  # (1, T, size)


def _text(task: TextTask, text: str) -> OwnInput:
    if task.input_tokens:  # words, through the embedding: unknown words are <unk>, as in training
        words = [w for w in words_of(text.replace(PAD, " ")) if w]
        _length(len(words), "words")
        index = {w: i for i, w in enumerate(task.vocab)}
        unknown = sorted({w for w in words if w not in index})
        if unknown and UNK not in index:
            raise ValueError(f"input: words the model never saw: {', '.join(unknown[:10])}; it knows only "
                             f"the {len(task.vocab)} words of its sentences")
        notes = [f"not in the vocabulary, read as {UNK}: {', '.join(unknown[:10])}"] if unknown else []
        ids = [index.get(w, index.get(UNK, 0)) for w in words]
        if task.name == "sentiment" and len(ids) < task.seq_len:  # padded on the left, as in training
            ids = [index[PAD]] * (task.seq_len - len(ids)) + ids
        return OwnInput(torch.tensor(ids)[None], [task.vocab[i] for i in ids], notes)
    _length(len(text), "characters")
    index = {c: i for i, c in enumerate(task.vocab)}
    unknown = sorted({c for c in text if c not in index})
    if unknown and OTHER not in index:
        shown = ", ".join(repr(c) for c in unknown[:10])
        raise ValueError(f"input: the text has characters the model never saw: {shown}; it knows "
                         f"only the {len(task.vocab)} characters of its training text")
    notes = [f"read as the 'other' symbol: {', '.join(map(repr, unknown[:10]))}"] if unknown else []
    ids = [index.get(c, index.get(OTHER, 0)) for c in text]
    return OwnInput(_one_hot(ids, len(task.vocab)), [task.vocab[i] for i in ids], notes)


def _tokens(task: Task, text: str) -> OwnInput:
    names = symbols(task)
    chars = [c for c in text if not c.isspace()]
    _length(len(chars), "symbols")
    unknown = sorted({c for c in chars if c not in names})
    if unknown:
        raise ValueError(f"input: unknown symbol(s) {', '.join(map(repr, unknown))}; this task reads "
                         f"{' '.join(names)}")
    if len(chars) < task.min_seq_len:
        raise ValueError(f"input: {len(chars)} symbol(s); the {task.name} task reads at least "
                         f"{task.min_seq_len}")
    ids = [names.index(c) for c in chars]
    x = torch.tensor(ids)[None] if task.input_tokens else _one_hot(ids, len(names))  # ids: an embedding
    return OwnInput(x, chars, [])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _number(value: Any, row: int, column: str) -> float:
    where = f"input: row {row + 1}, column {column!r}"
    if _blank(value):
        raise ValueError(f"{where} is empty; fill it or delete the row")
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise ValueError(f"{where}: {str(value)[:20]!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: {number} is not a finite number")
    return number


def _table(value: Any, names: list[str]) -> list[list[Any]]:
    """Rows of cells from a DataFrame, an array, a list of rows, or text (one row per line)."""
    if isinstance(value, pd.DataFrame):  # an editor's empty rows at the end are not steps
        rows = value.to_numpy(dtype=object).tolist()
        while rows and all(_blank(v) for v in rows[-1]):
            rows.pop()
        return rows
    if isinstance(value, str):
        lines = [ln for ln in value.replace(";", "\n").splitlines() if ln.strip()]
        if len(names) == 1 and len(lines) == 1:  # "0.1, 0.2, 0.3" for one column
            return [[v] for v in lines[0].replace(",", " ").split()]
        return [ln.replace(",", " ").split() for ln in lines]
    rows = np.asarray(value, dtype=object)
    return rows.reshape(len(rows), -1).tolist() if 1 <= rows.ndim <= 2 and rows.size else [
        list(np.atleast_1d(row)) for row in rows]


def _numbers(task: Task, value: Any) -> OwnInput:
    names = columns(task)
    rows = _table(value, names)
    _length(len(rows), "rows")
    for r, row in enumerate(rows):
        if len(row) != len(names):
            raise ValueError(f"input: row {r + 1} has {len(row)} value(s); this task reads "
                             f"{len(names)} per step ({', '.join(names)})")
    x = np.array([[_number(v, r, names[j]) for j, v in enumerate(row)] for r, row in enumerate(rows)])
    if task.name == "adding" and not np.isin(x[:, 1], (0.0, 1.0)).all():
        raise ValueError("input: column 'marker' takes 0 or 1 (1 marks the two numbers to add)")
    if task.name == "csv":  # the model reads standardised columns, as in training
        x = (x - np.asarray(task.mean)) / np.asarray(task.std)
    return OwnInput(torch.tensor(x, dtype=torch.float32)[None], None, [])


def parse_input(task: Task, value: Any) -> OwnInput:
    """A student's sequence for `task` as the model's input (see the module docstring)."""
    kind = input_kind(task)
    if kind != "numbers" and not isinstance(value, str):
        raise ValueError(f"input: this task reads {kind}; give a string, got {type(value).__name__}")
    if kind == "text":
        return _text(task, value)
    return _tokens(task, value) if kind == "tokens" else _numbers(task, value)


def example(run: Run, task: Task, sequence: int = 0) -> str | pd.DataFrame:
    """A probe sequence of the run in the form parse_input reads: a start for the student's own."""
    if run.probe_tokens is not None and input_kind(task) != "numbers":
        gap = " " if task.input_tokens else ""
        return gap.join(run.probe_tokens[sequence])
    x = np.asarray(run.probe_inputs[sequence], dtype=np.float64)  # (T, I)
    if task.name == "csv":
        x = x * np.asarray(task.std) + np.asarray(task.mean)
    return pd.DataFrame(x, columns=columns(task))


def run_on_input(run: Run, record: int, model: torch.nn.Module, task: Task, own: OwnInput) -> Run:
    """A copy of `run` whose one record and one probe sequence are `own`, traced through `model`
    (the run's model at `record`): every hidden-state and gate view draws it as it draws a probe.
    Gradients through time need a target, which a typed input lacks: they are nan."""
    with torch.no_grad():
        _, trace = model.traced(own.x)
    T = own.x.shape[1]
    base = run.records[record]
    nan = np.full((len(trace.hidden), T), np.nan)
    looked = dataclasses.replace(
        base, **trace_arrays(trace), grad_by_time=nan, grad_by_time_total=None,
        cell_grad_by_time=None, cell_grad_by_time_total=None)
    tokens = [own.tokens] if own.tokens is not None and run.probe_tokens is not None else None
    return dataclasses.replace(run, records=[looked], probe_inputs=own.x.numpy(), probe_tokens=tokens)


def next_probabilities(model: torch.nn.Module, own: OwnInput) -> np.ndarray:
    """(T, V) the model's probability of each next token after each step (classification tasks)."""
    with torch.no_grad():
        return torch.softmax(model(own.x)[0].double(), -1).numpy()

