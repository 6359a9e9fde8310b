"""The seq2seq part of a run file: decoder states, attention weights and accuracy by length.

Entries: "length_accuracy/<name>", and per record i "records/<i>/decoder_hidden/<n>",
".../decoder_gates/<n>/<gate>", ".../decoder_cell_state/<n>", ".../decoder_grad_by_time[_total]",
".../attention", ".../decoded". The JSON holds {"seq2seq": {"output_vocab", "records"}}; files
without it (every run before seq2seq) load as before. "probe_targets", written for every run, is
checked here as output tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnnviz import runschema as schema
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.run import LengthAccuracy, Record, Run
from rnnviz.tasks import make_task

Get = Callable[..., np.ndarray]  # (key, dtype kinds, shape or None, max_len) -> the checked array
STATES = ("decoder_hidden", "decoder_cell_state")
GRADS = ("decoder_grad_by_time", "decoder_grad_by_time_total")
LENGTHS = ("lengths", "accuracy", "sequence_accuracy")
ROW_SUM_TOLERANCE = 1e-3  # float32 softmax rows sum to 1 within ~1e-6


def seq2seq_arrays(run: Run) -> dict[str, np.ndarray]:
    """The run's seq2seq arrays, named as the module docstring says ({} for other runs)."""
    arrays: dict[str, np.ndarray] = {}
    if run.length_accuracy is not None:
        arrays.update({f"length_accuracy/{name}": np.asarray(getattr(run.length_accuracy, name))
                       for name in LENGTHS})
    for i, r in enumerate(run.records):
        if r.decoder_hidden is None:
            continue
        pre = f"records/{i}/"
        for name in STATES:
            arrays.update({f"{pre}{name}/{n}": v for n, v in enumerate(getattr(r, name) or [])})
        arrays.update({f"{pre}decoder_gates/{n}/{g}": v for n, gates in enumerate(r.decoder_gates or [])
                       for g, v in gates.items()})
        for name in (*GRADS, "attention", "decoded"):
            if getattr(r, name) is not None:
                arrays[pre + name] = getattr(r, name)
    return arrays


def seq2seq_meta(run: Run) -> dict[str, Any]:
    """The JSON part: {} for a run that is not seq2seq, so other run files stay as they were."""
    if run.output_vocab is None:
        return {}
    return {"seq2seq": {"output_vocab": list(run.output_vocab),
                        "records": [r.decoder_hidden is not None for r in run.records]}}


def read_seq2seq(meta: dict[str, Any], cfg: RunConfig, records: list[Record], get: Get,
                 has: Callable[[str], bool]) -> dict[str, Any]:
    """Fill the records' decoder fields from the file, checked against the config; return the Run's
    seq2seq fields (probe_targets, output_vocab, length_accuracy), all None for other runs."""
    part = meta.get("seq2seq")
    if part is None:
        return {}
    task = make_task(cfg)
    if task.kind != "seq2seq":
        raise ValueError(f"seq2seq: the task {cfg.task!r} is not a seq2seq task")
    part = schema.typed(part, dict, "seq2seq")
    vocab = schema.strings(part["output_vocab"], "seq2seq.output_vocab", schema.MAX_TOKEN)
    if vocab != list(task.output_vocab):
        raise ValueError(f"seq2seq.output_vocab: expected the {cfg.task} task's {task.output_vocab}")
    flags = schema.typed(part["records"], list, "seq2seq.records")
    if len(flags) != len(records) or not all(isinstance(f, bool) for f in flags):
        raise ValueError("seq2seq.records: one true/false per record")
    P, T, L, V = cfg.probe_size, cfg.seq_len, cfg.num_layers, task.output_size
    T_out, S = task.out_len(T), cfg.hidden_size * (2 if cfg.bidirectional else 1)
    targets = _tokens(get("probe_targets", "iu", (P, T_out)), V, "probe_targets")
    gates = CELLS[cfg.cell].gates
    for i, (record, flag) in enumerate(zip(records, flags, strict=True)):
        if not flag:
            continue
        pre = f"records/{i}/"
        record.decoder_hidden = [get(f"{pre}decoder_hidden/{n}", "f", (P, T_out, S)) for n in range(L)]
        record.decoder_gates = [{g: get(f"{pre}decoder_gates/{n}/{g}", "f", (P, T_out, S)) for g in gates}
                                for n in range(L)]
        record.decoder_cell_state = [get(f"{pre}decoder_cell_state/{n}", "f", (P, T_out, S))
                                     for n in range(L if cfg.cell == "lstm" else 0)]
        for name in GRADS:
            setattr(record, name, get(pre + name, "f", (L, T_out)))
        record.decoded = _tokens(get(pre + "decoded", "iu", (P, T_out)), V, pre + "decoded")
        if cfg.attention != "none":
            record.attention = _weights(get(pre + "attention", "f", (P, T_out, T)), pre + "attention")
        elif has(pre + "attention"):
            raise ValueError(f"{pre}attention: the run has no attention (attention is none)")
    return {"probe_targets": targets, "output_vocab": vocab,
            "length_accuracy": _length_accuracy(get, has)}


def _tokens(ids: np.ndarray, size: int, where: str) -> np.ndarray:
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(f"{where}: token ids must be between 0 and {size - 1}")
    return ids


def _weights(weights: np.ndarray, where: str) -> np.ndarray:
    """Attention weights: finite, in [0, 1], each row summing to 1."""
    if not np.isfinite(weights).all() or (weights < 0).any() or (weights > 1).any():
        raise ValueError(f"{where}: weights must be finite numbers between 0 and 1")
    if weights.size and np.abs(weights.sum(-1) - 1).max() > ROW_SUM_TOLERANCE:
        raise ValueError(f"{where}: each decoder step's weights must sum to 1")
    return weights


def _length_accuracy(get: Get, has: Callable[[str], bool]) -> LengthAccuracy | None:
    if not has("length_accuracy/lengths"):
        return None
    lengths = get("length_accuracy/lengths", "iu", None, 1_000)
    n = len(lengths)
    values = {name: get(f"length_accuracy/{name}", "f", (n,)) for name in LENGTHS[1:]}
    if n and ((np.diff(lengths) <= 0).any() or lengths[0] < 1):
        raise ValueError("length_accuracy/lengths: must be positive and increasing")
    for name, v in values.items():
        if not (np.isfinite(v) & (v >= 0) & (v <= 1)).all():
            raise ValueError(f"length_accuracy/{name}: must be shares between 0 and 1")
    return LengthAccuracy(lengths, values["accuracy"], values["sequence_accuracy"])
