"""Reading a run file's entries back into a Run, each checked against the config before it is read:
dtype kinds and shapes from the array headers, names and numbers from the JSON (rnnviz.runschema).
The layout is in rnnviz.runfile's docstring."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnviz import runschema as schema
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.npzread import BoundedNpz, FileLimits
from rnnviz.run import HISTORY_COLUMNS, Record, Run, StepLog
from rnnviz.runfile_seq2seq import read_seq2seq
from rnnviz.weights import check_weights, expected_shapes

FLOAT_DICTS = ("param_grad_norm", "param_grad_norm_clipped", "spectral_radius")
CELL_GRADS = ("cell_grad_by_time", "cell_grad_by_time_total")  # LSTM only; absent from older files
DECISIONS = ("contributions", "probe_logits")  # many-to-one classification; absent from older files
MAX_CLASSES = 4096  # classes a record's logits may have (rnnviz's tasks: at most a vocabulary's)


def checker(where: str, kinds: str, shape: tuple[int, ...] | None, max_len: int | None = None):
    """A check of an entry's header: dtype kind, and its shape (None: any 1-D, up to max_len)."""
    def check(found: tuple[int, ...], dtype: np.dtype) -> None:
        if dtype.kind not in kinds:
            raise ValueError(f"{where}: dtype {dtype} is not allowed here")
        if shape is None and len(found) != 1 or shape is not None and found != tuple(shape):
            raise ValueError(f"{where}: shape {found} does not match the config (expected {shape or '1-D'})")
        if max_len is not None and found[0] > max_len:
            raise ValueError(f"{where}: {found[0]} values; at most {max_len}")
    return check


def build_run(meta: dict[str, Any], archive: BoundedNpz) -> Run:
    """The Run that `meta` (the parsed JSON entry) and the archive's arrays describe; ValueError if not."""
    limits = archive.limits
    config = schema.typed(meta["config"], dict, "config")
    schema.task_options(config.get("task_options", {}))
    cfg = RunConfig.from_dict(config)
    P, T, L = cfg.probe_size, cfg.seq_len, cfg.num_layers
    state = (P, T, cfg.hidden_size * (2 if cfg.bidirectional else 1))  # (P, T, H*D)

    def get(key: str, kinds: str = "f", shape: tuple[int, ...] | None = state,
            max_len: int | None = None) -> np.ndarray:
        return archive.read(key, checker(key, kinds, shape, max_len))

    metric_names = schema.metric_names(meta["metric_names"])
    columns = list(HISTORY_COLUMNS) + metric_names
    if schema.strings(meta["history"]["columns"], "history.columns") != columns:
        raise ValueError("history.columns: must be the history columns then metric_names")
    kinds = {"step": "iu", "clipped": "b"}
    rows = StepLog.from_columns({c: get(f"history/{c}", kinds.get(c, "f"), None, limits.max_steps)
                                 for c in columns})
    steps = rows.column("step")
    if len(steps) and (steps[0] < 0 or (np.diff(steps) <= 0).any()):
        raise ValueError("history/step: steps must be >= 0 and increasing")

    probe_inputs = None  # (P, T) token ids or (P, T, I) floats
    if "probe_inputs" in archive:
        shape, _ = archive.header("probe_inputs")
        if shape[:2] != (P, T) or len(shape) not in (2, 3):
            raise ValueError(f"probe_inputs: shape {shape} is not (probe_size, seq_len[, I])")
        probe_inputs = get("probe_inputs", "iu" if len(shape) == 2 else "f", shape)
    probe_targets = None  # (P,) classes, (P, O) values, (P, T) or (P, T, O): as the task makes them
    if "probe_targets" in archive:
        shape, _ = archive.header("probe_targets")
        if not 1 <= len(shape) <= 3 or shape[0] != P:  # its size is bounded as every entry's is
            raise ValueError(f"probe_targets: shape {shape} is not (probe_size[, seq_len][, O])")
        probe_targets = get("probe_targets", "iuf", shape)
    probe_tokens = meta["probe_tokens"]
    if probe_tokens is not None:
        seqs = [schema.strings(seq, "probe_tokens", schema.MAX_TOKEN)
                for seq in schema.typed(probe_tokens, list, "probe_tokens")]
        if len(seqs) != P or any(len(seq) != T for seq in seqs):
            raise ValueError("probe_tokens: must be probe_size lists of seq_len strings")

    records, gate_names = [], list(CELLS[cfg.cell].gates)
    shapes: dict[str, tuple[int, ...]] = {}  # the model's weights, built only when a file has weights

    def weights(pre: str) -> dict[str, np.ndarray]:
        if not shapes:
            shapes.update(expected_shapes(cfg))
        found = {k: get(f"{pre}weights/{k}", "f", shapes.get(k, ())) for k in shapes}
        check_weights(found, shapes, f"{pre}weights")
        return found
    for i, rec in enumerate(_records(meta["records"], limits)):
        pre = f"records/{i}/"
        schema.typed(rec, dict, pre)
        layers = schema.typed(rec["gates"], list, pre)
        if [schema.strings(g, f"{pre}gates") for g in layers] != [gate_names] * L:
            raise ValueError(f"{pre}gates: expected {gate_names} for each of {L} layer(s)")
        step = schema.step(rec["step"], f"{pre}step", limits.max_steps)
        if records and step <= records[-1].step:
            raise ValueError(f"{pre}step: records must be in increasing step order")
        has_total = schema.typed(rec["has_total"], bool, f"{pre}has_total")
        cell_grads = schema.strings(rec.get("cell_grads", []), f"{pre}cell_grads")  # older files: none
        has_weights = schema.typed(rec.get("has_weights", False), bool, f"{pre}has_weights")
        decided = _decisions(archive, pre, P, T) if schema.typed(
            rec.get("decisions", False), bool, f"{pre}decisions") else {}
        if not set(cell_grads) <= set(CELL_GRADS):
            raise ValueError(f"{pre}cell_grads: expected names among {', '.join(CELL_GRADS)}")
        dicts = {name: dict(zip(keys, get(pre + name, "f", (len(keys),)).tolist(), strict=True))
                 for name in FLOAT_DICTS
                 for keys in [schema.names(rec[name], schema.PARAMETER, pre + name, schema.MAX_KEYS)]}
        eigen_keys = schema.names(rec["eigenvalues"], schema.PARAMETER, pre + "eigenvalues", schema.MAX_KEYS)
        val_metrics = schema.typed(rec["val_metrics"], dict, pre + "val_metrics")
        schema.names(list(val_metrics), schema.METRIC, pre + "val_metrics", schema.MAX_METRICS)
        records.append(Record(
            step=step,
            hidden=[get(f"{pre}hidden/{n}") for n in range(L)],
            gates=[{g: get(f"{pre}gates/{n}/{g}") for g in gate_names} for n in range(L)],
            cell_state=[get(f"{pre}cell_state/{n}") for n in range(L if cfg.cell == "lstm" else 0)],
            grad_by_time=get(pre + "grad_by_time", "f", (L, T)),
            grad_by_time_total=get(pre + "grad_by_time_total", "f", (L, T)) if has_total else None,
            eigenvalues={k: get(f"{pre}eigenvalues/{k}", "cf", (cfg.hidden_size,)) for k in eigen_keys},
            probe_loss=schema.number(rec["probe_loss"], f"{pre}probe_loss"),
            val_loss=schema.number(rec["val_loss"], f"{pre}val_loss"),
            val_metrics={k: schema.number(v, f"{pre}val_metrics.{k}") for k, v in val_metrics.items()},
            **{name: get(pre + name, "f", (L, T)) for name in cell_grads},
            weights=weights(pre) if has_weights else None,
            **decided,
            train_loss=schema.number(rec.get("train_loss", "nan"), f"{pre}train_loss"),  # older: none
            sample=schema.sample(rec.get("sample"), f"{pre}sample"),
            **dicts))
    final = meta.get("weights")  # older files: no entry
    if final is not None:
        schema.names(final, schema.PARAMETER, "weights", schema.MAX_KEYS)

    seq2seq = read_seq2seq(meta, cfg, records, get, lambda key: key in archive)
    probe_targets = seq2seq.pop("probe_targets", probe_targets)  # checked as output tokens there
    elapsed = schema.number(meta["elapsed_s"], "elapsed_s")
    if not 0 <= elapsed < math.inf:
        raise ValueError("elapsed_s: must be a finite number >= 0")
    return Run(config=cfg, records=records, rows=rows, elapsed_s=elapsed,
               status=schema.status(meta["status"], limits.max_steps),
               baseline_loss=schema.number(meta["baseline_loss"], "baseline_loss"),
               val_baseline_loss=schema.number(meta.get("val_baseline_loss", "nan"), "val_baseline_loss"),
               val_unseen_share=schema.number(meta.get("val_unseen_share", 0.0), "val_unseen_share"),
               device=schema.matching(meta["device"], schema.DEVICE, "device"),
               task_kind=schema.matching(meta["task_kind"], schema.TASK_KIND, "task_kind"),
               metric_names=tuple(metric_names), probe_tokens=probe_tokens, probe_inputs=probe_inputs,
               probe_targets=probe_targets,
               name=schema.run_name(meta["name"]), weights=weights("") if final is not None else None,
               **seq2seq)


def _decisions(archive: BoundedNpz, pre: str, P: int, T: int) -> dict[str, np.ndarray]:
    """A record's contributions (P, T, C) and probe logits (P, C), C the same in both."""
    shape, _ = archive.header(pre + "probe_logits")
    if len(shape) != 2 or shape[0] != P or not 1 <= shape[1] <= MAX_CLASSES:
        raise ValueError(f"{pre}probe_logits: shape {shape} is not (probe_size, classes)")
    C = shape[1]
    return {"probe_logits": archive.read(pre + "probe_logits", checker(pre + "probe_logits", "f", (P, C))),
            "contributions": archive.read(pre + "contributions",
                                          checker(pre + "contributions", "f", (P, T, C)))}


def _records(value: Any, limits: FileLimits) -> list[Any]:
    records = schema.typed(value, list, "records")
    if len(records) > limits.max_records:
        raise ValueError(f"records: {len(records)} records; at most {limits.max_records}")
    return records
