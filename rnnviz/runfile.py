"""Run files: one portable, pickle-free .npz holding a Run (arrays) and its metadata (one JSON entry).

Layout: "rnnviz.json" (UTF-8 JSON as uint8), "history/<column>", "probe_inputs", and per record i
"records/<i>/hidden/<layer>", ".../gates/<layer>/<gate>", ".../cell_state/<layer>", ".../grad_by_time",
".../grad_by_time_total", ".../cell_grad_by_time[_total]" (LSTM), ".../<dict name>" (values; the keys
are in the JSON), ".../eigenvalues/<key>", ".../weights/<name>" (when kept), and the final weights
"weights/<name>" (state_dict names; absent from older files and from runs that diverged); many-to-one
classification also "probe_targets", ".../contributions" and ".../probe_logits" (absent from older files).
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from rnnviz import runschema as schema
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.npzread import BoundedNpz, FileLimits
from rnnviz.run import HISTORY_COLUMNS, Record, Run, StepLog
from rnnviz.runfile_seq2seq import read_seq2seq, seq2seq_arrays, seq2seq_meta
from rnnviz.weights import check_weights, expected_shapes

FORMAT, VERSION = "rnnviz-run", 1
META = "rnnviz.json"
FLOAT_DICTS = ("param_grad_norm", "param_grad_norm_clipped", "spectral_radius")
CELL_GRADS = ("cell_grad_by_time", "cell_grad_by_time_total")  # LSTM only; absent from older files
DECISIONS = ("contributions", "probe_logits")  # many-to-one classification; absent from older files
MAX_CLASSES = 4096  # classes a record's logits may have (rnnviz's tasks: at most a vocabulary's)
DEFAULT_LIMITS = FileLimits()
PathOrFile = str | os.PathLike | IO[bytes]

__all__ = ["DEFAULT_LIMITS", "FileLimits", "load_run", "run_from_bytes", "run_to_bytes", "save_run"]


def save_run(run: Run, path: PathOrFile) -> None:
    """Write `run` to a path (replaced atomically; no ".npz" is appended) or a binary file object."""
    arrays = _arrays(run)
    if not isinstance(path, str | os.PathLike):
        np.savez_compressed(path, **arrays)
        return
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_run(path: PathOrFile, limits: FileLimits = DEFAULT_LIMITS) -> Run:
    """Read a run file. Anything that is not a valid rnnviz run file within `limits` raises a
    ValueError, found from the zip directory and array headers before anything large is read."""
    if isinstance(path, str | os.PathLike):
        with open(path, "rb") as file:  # a missing file stays an OSError
            return _load(file, limits)
    return _load(path, limits)


def run_to_bytes(run: Run) -> bytes:
    buffer = io.BytesIO()
    save_run(run, buffer)
    return buffer.getvalue()


def run_from_bytes(data: bytes, limits: FileLimits = DEFAULT_LIMITS) -> Run:
    return load_run(io.BytesIO(data), limits)


def _arrays(run: Run) -> dict[str, np.ndarray]:
    """Everything as named arrays; the JSON entry describes how to put them back together."""
    columns = list(HISTORY_COLUMNS) + list(run.metric_names)
    dtypes = {"step": np.int64, "clipped": np.bool_}
    arrays = {f"history/{c}": run.rows.column(c).astype(dtypes.get(c, np.float64)) for c in columns}
    if run.probe_inputs is not None:
        arrays["probe_inputs"] = np.asarray(run.probe_inputs)
    arrays.update({f"weights/{k}": v for k, v in (run.weights or {}).items()})
    if run.probe_targets is not None:
        arrays["probe_targets"] = np.asarray(run.probe_targets)
    records = []
    for i, r in enumerate(run.records):
        pre = f"records/{i}/"
        arrays.update({f"{pre}hidden/{n}": h for n, h in enumerate(r.hidden)})
        arrays.update({f"{pre}cell_state/{n}": c for n, c in enumerate(r.cell_state)})
        arrays.update({f"{pre}gates/{n}/{g}": v for n, gates in enumerate(r.gates) for g, v in gates.items()})
        arrays.update({f"{pre}eigenvalues/{k}": v for k, v in r.eigenvalues.items()})
        arrays[f"{pre}grad_by_time"] = r.grad_by_time
        arrays.update({f"{pre}weights/{k}": v for k, v in (r.weights or {}).items()})
        if r.grad_by_time_total is not None:
            arrays[f"{pre}grad_by_time_total"] = r.grad_by_time_total
        for name in CELL_GRADS + DECISIONS:
            if getattr(r, name) is not None:
                arrays[pre + name] = getattr(r, name)
        for name in FLOAT_DICTS:
            arrays[pre + name] = np.array(list(getattr(r, name).values()), dtype=np.float64)
        records.append({"step": int(r.step), "probe_loss": _num(r.probe_loss), "val_loss": _num(r.val_loss),
                        "val_metrics": {k: _num(v) for k, v in r.val_metrics.items()},
                        "gates": [list(g) for g in r.gates], "eigenvalues": list(r.eigenvalues),
                        "has_total": r.grad_by_time_total is not None,
                        "has_weights": r.weights is not None, "train_loss": _num(r.train_loss),
                        "sample": r.sample,
                        "cell_grads": [name for name in CELL_GRADS if getattr(r, name) is not None],
                        "decisions": r.contributions is not None and r.probe_logits is not None,
                        **{name: list(getattr(r, name)) for name in FLOAT_DICTS}})
    meta = {"format": FORMAT, "version": VERSION, "config": run.config.to_dict(), "status": run.status,
            "device": run.device, "baseline_loss": _num(run.baseline_loss), "task_kind": run.task_kind,
            "val_baseline_loss": _num(run.val_baseline_loss), "val_unseen_share": _num(run.val_unseen_share),
            "metric_names": list(run.metric_names), "probe_tokens": run.probe_tokens,
            "elapsed_s": _num(run.elapsed_s), "name": run.name, "history": {"columns": columns},
            "records": records, "weights": sorted(run.weights) if run.weights is not None else None,
            **seq2seq_meta(run)}
    arrays.update(seq2seq_arrays(run))
    text = json.dumps(meta, allow_nan=False, ensure_ascii=False, default=_plain)  # standard JSON: see _num
    arrays[META] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return {k: np.ascontiguousarray(v) for k, v in arrays.items()}


def _num(x: float) -> float | str:
    """JSON has no inf/nan: write them as the strings "inf", "-inf", "nan"."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _plain(value: Any) -> Any:
    """numpy scalars (a slider's value, say) as plain Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a run file")


def _load(file: IO[bytes], limits: FileLimits) -> Run:
    if not file.seekable() or file.tell() != 0:  # zipfile and the checks below seek from 0
        data = file.read(limits.max_bytes + limits.max_directory_bytes + 1)
        if len(data) > limits.max_bytes + limits.max_directory_bytes:
            raise ValueError("not an rnnviz run file: larger than any run file within the limits")
        file = io.BytesIO(data)
    head = file.read(4)
    file.seek(0)
    if head != b"PK\x03\x04":  # every .npz is a zip archive
        raise ValueError(f"not an rnnviz run file: {'not an .npz archive' if head else 'the file is empty'}")
    try:
        archive = BoundedNpz(file, limits)
    except Exception as exc:  # zip, zlib, EOF, struct, bounds: all mean "not ours"
        raise ValueError(f"not an rnnviz run file: {exc or type(exc).__name__}") from exc
    if META not in archive:
        raise ValueError(f"not an rnnviz run file: an .npz without the {META!r} entry")
    try:
        return _build(_meta(archive), archive)
    except KeyError as exc:
        raise ValueError(f"not an rnnviz run file: missing entry {exc}") from exc
    except Exception as exc:  # ValueError from the checks; zlib or CRC errors from a damaged entry
        raise ValueError(f"not an rnnviz run file: {exc or type(exc).__name__}") from exc
    finally:
        archive.close()


def _meta(archive: BoundedNpz) -> dict[str, Any]:
    entry = archive.read(META, _checker(META, "u", None), max_bytes=archive.limits.max_json_bytes)
    meta = schema.load_json(entry.tobytes(), META)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"format is not {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise ValueError(f"{FORMAT} version {str(meta.get('version'))[:20]!r} (this rnnviz reads "
                         f"version {VERSION})")
    return meta


def _checker(where: str, kinds: str, shape: tuple[int, ...] | None, max_len: int | None = None):
    """A check of an entry's header: dtype kind, and its shape (None: any 1-D, up to max_len)."""
    def check(found: tuple[int, ...], dtype: np.dtype) -> None:
        if dtype.kind not in kinds:
            raise ValueError(f"{where}: dtype {dtype} is not allowed here")
        if shape is None and len(found) != 1 or shape is not None and found != tuple(shape):
            raise ValueError(f"{where}: shape {found} does not match the config (expected {shape or '1-D'})")
        if max_len is not None and found[0] > max_len:
            raise ValueError(f"{where}: {found[0]} values; at most {max_len}")
    return check


def _build(meta: dict[str, Any], archive: BoundedNpz) -> Run:
    limits = archive.limits
    config = schema.typed(meta["config"], dict, "config")
    schema.task_options(config.get("task_options", {}))
    cfg = RunConfig.from_dict(config)
    P, T, L = cfg.probe_size, cfg.seq_len, cfg.num_layers
    state = (P, T, cfg.hidden_size * (2 if cfg.bidirectional else 1))  # (P, T, H*D)

    def get(key: str, kinds: str = "f", shape: tuple[int, ...] | None = state,
            max_len: int | None = None) -> np.ndarray:
        return archive.read(key, _checker(key, kinds, shape, max_len))

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
    return {"probe_logits": archive.read(pre + "probe_logits", _checker(pre + "probe_logits", "f", (P, C))),
            "contributions": archive.read(pre + "contributions",
                                          _checker(pre + "contributions", "f", (P, T, C)))}


def _records(value: Any, limits: FileLimits) -> list[Any]:
    records = schema.typed(value, list, "records")
    if len(records) > limits.max_records:
        raise ValueError(f"records: {len(records)} records; at most {limits.max_records}")
    return records
