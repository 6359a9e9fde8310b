"""Run files: one portable, pickle-free .npz holding a Run (arrays) and its metadata (one JSON entry).

Layout: "rnnviz.json" (UTF-8 JSON as uint8), "history/<column>", "probe_inputs", and per record i
"records/<i>/hidden/<layer>", ".../gates/<layer>/<gate>", ".../cell_state/<layer>", ".../grad_by_time",
".../grad_by_time_total", ".../<dict name>" (values; the keys are in the JSON), ".../eigenvalues/<key>".
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from rnnviz.cells import CELLS
from rnnviz.config import RunConfig
from rnnviz.run import HISTORY_COLUMNS, Record, Run

FORMAT, VERSION = "rnnviz-run", 1
META = "rnnviz.json"
FLOAT_DICTS = ("param_grad_norm", "param_grad_norm_clipped", "spectral_radius")
STATUS = re.compile(r"running|finished|stopped|diverged at step \d+")
PathOrFile = str | os.PathLike | IO[bytes]


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


def load_run(path: PathOrFile) -> Run:
    """Read a run file. Anything that is not a valid rnnviz run file raises a ValueError."""
    if isinstance(path, str | os.PathLike):
        with open(path, "rb") as file:  # a missing file stays an OSError
            return _load(file)
    return _load(path)


def run_to_bytes(run: Run) -> bytes:
    buffer = io.BytesIO()
    save_run(run, buffer)
    return buffer.getvalue()


def run_from_bytes(data: bytes) -> Run:
    return load_run(io.BytesIO(data))


def _arrays(run: Run) -> dict[str, np.ndarray]:
    """Everything as named arrays; the JSON entry describes how to put them back together."""
    columns = list(HISTORY_COLUMNS) + list(run.metric_names)
    dtypes = {"step": np.int64, "clipped": np.bool_}
    arrays = {f"history/{c}": np.array([row.get(c, math.nan) for row in run.rows],
                                       dtype=dtypes.get(c, np.float64)) for c in columns}
    if run.probe_inputs is not None:
        arrays["probe_inputs"] = np.asarray(run.probe_inputs)
    records = []
    for i, r in enumerate(run.records):
        pre = f"records/{i}/"
        arrays.update({f"{pre}hidden/{n}": h for n, h in enumerate(r.hidden)})
        arrays.update({f"{pre}cell_state/{n}": c for n, c in enumerate(r.cell_state)})
        arrays.update({f"{pre}gates/{n}/{g}": v for n, gates in enumerate(r.gates) for g, v in gates.items()})
        arrays.update({f"{pre}eigenvalues/{k}": v for k, v in r.eigenvalues.items()})
        arrays[f"{pre}grad_by_time"] = r.grad_by_time
        if r.grad_by_time_total is not None:
            arrays[f"{pre}grad_by_time_total"] = r.grad_by_time_total
        for name in FLOAT_DICTS:
            arrays[pre + name] = np.array(list(getattr(r, name).values()), dtype=np.float64)
        records.append({"step": int(r.step), "probe_loss": _num(r.probe_loss), "val_loss": _num(r.val_loss),
                        "val_metrics": {k: _num(v) for k, v in r.val_metrics.items()},
                        "gates": [list(g) for g in r.gates], "eigenvalues": list(r.eigenvalues),
                        "has_total": r.grad_by_time_total is not None,
                        **{name: list(getattr(r, name)) for name in FLOAT_DICTS}})
    meta = {"format": FORMAT, "version": VERSION, "config": run.config.to_dict(), "status": run.status,
            "device": run.device, "baseline_loss": _num(run.baseline_loss), "task_kind": run.task_kind,
            "metric_names": list(run.metric_names), "probe_tokens": run.probe_tokens,
            "elapsed_s": _num(run.elapsed_s), "name": run.name, "history": {"columns": columns},
            "records": records}
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


def _load(file: IO[bytes]) -> Run:
    if not file.seekable():
        file = io.BytesIO(file.read())
    start = file.tell()
    head = file.read(4)
    file.seek(start)
    if head != b"PK\x03\x04":  # every .npz is a zip archive
        raise ValueError(f"not an rnnviz run file: {'not an .npz archive' if head else 'the file is empty'}")
    try:
        with np.load(file, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as exc:  # zip, zlib, EOF, pickle, header errors: all mean "not ours"
        raise ValueError(f"not an rnnviz run file: {exc or type(exc).__name__}") from exc
    if META not in arrays:
        raise ValueError(f"not an rnnviz run file: an .npz without the {META!r} entry")
    try:
        return _build(_meta(arrays.pop(META)), arrays)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        message = f"missing entry {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(f"not an rnnviz run file: {message}") from exc


def _meta(entry: np.ndarray) -> dict[str, Any]:
    try:
        meta = json.loads(_check(entry, META, "u", shape=None).tobytes().decode("utf-8"))
    except ValueError as exc:  # bad UTF-8 or JSON
        raise ValueError(f"{META}: not JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"format is not {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise ValueError(f"{FORMAT} version {meta.get('version')!r} (this rnnviz reads version {VERSION})")
    return meta


def _build(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Run:
    cfg = RunConfig.from_dict(_typed(meta["config"], dict, "config"))
    P, T, L = cfg.probe_size, cfg.seq_len, cfg.num_layers
    state = (P, T, cfg.hidden_size * (2 if cfg.bidirectional else 1))  # (P, T, H*D)

    def get(key: str, kinds: str = "f", shape: tuple[int, ...] | None = state) -> np.ndarray:
        return _check(arrays[key], key, kinds, shape)

    metric_names = _strings(meta["metric_names"], "metric_names")
    columns = list(HISTORY_COLUMNS) + metric_names
    if _strings(meta["history"]["columns"], "history.columns") != columns or len(set(columns)) < len(columns):
        raise ValueError("history.columns: must be the history columns then metric_names, no repeats")
    kinds, types = {"step": "iu", "clipped": "b"}, {"step": int, "clipped": bool}
    history = {c: get(f"history/{c}", kinds.get(c, "f"), None) for c in columns}
    if len({v.shape for v in history.values()}) > 1:
        raise ValueError("history: every column must have one value per step")
    values = [[types.get(c, float)(v) for v in history[c].tolist()] for c in columns]
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]

    probe_inputs = arrays.get("probe_inputs")  # (P, T) token ids or (P, T, I) floats
    if probe_inputs is not None:
        get("probe_inputs", "iu" if probe_inputs.ndim == 2 else "f", probe_inputs.shape)
        if probe_inputs.shape[:2] != (P, T) or probe_inputs.ndim not in (2, 3):
            raise ValueError(f"probe_inputs: shape {probe_inputs.shape} is not (probe_size, seq_len[, I])")
    probe_tokens = meta["probe_tokens"]
    if probe_tokens is not None:
        seqs = [_strings(seq, "probe_tokens") for seq in _typed(probe_tokens, list, "probe_tokens")]
        if len(seqs) != P or any(len(seq) != T for seq in seqs):
            raise ValueError("probe_tokens: must be probe_size lists of seq_len strings")

    records, gate_names = [], list(CELLS[cfg.cell].gates)
    for i, rec in enumerate(_typed(meta["records"], list, "records")):
        pre = f"records/{i}/"
        _typed(rec, dict, pre)
        if [_strings(g, f"{pre}gates") for g in _typed(rec["gates"], list, pre)] != [gate_names] * L:
            raise ValueError(f"{pre}gates: expected {gate_names} for each of {L} layer(s)")
        step = _typed(rec["step"], int, f"{pre}step")
        if step < 0:
            raise ValueError(f"{pre}step: must be >= 0")
        has_total = _typed(rec["has_total"], bool, f"{pre}has_total")
        dicts = {name: dict(zip(keys, get(pre + name, "f", (len(keys),)).tolist(), strict=True))
                 for name in FLOAT_DICTS for keys in [_strings(rec[name], pre + name)]}
        records.append(Record(
            step=step,
            hidden=[get(f"{pre}hidden/{n}") for n in range(L)],
            gates=[{g: get(f"{pre}gates/{n}/{g}") for g in gate_names} for n in range(L)],
            cell_state=[get(f"{pre}cell_state/{n}") for n in range(L if cfg.cell == "lstm" else 0)],
            grad_by_time=get(pre + "grad_by_time", "f", (L, T)),
            grad_by_time_total=get(pre + "grad_by_time_total", "f", (L, T)) if has_total else None,
            eigenvalues={k: get(f"{pre}eigenvalues/{k}", "cf", (cfg.hidden_size,))
                         for k in _strings(rec["eigenvalues"], pre + "eigenvalues")},
            probe_loss=_float(rec["probe_loss"], f"{pre}probe_loss"),
            val_loss=_float(rec["val_loss"], f"{pre}val_loss"),
            val_metrics={_typed(k, str, pre): _float(v, f"{pre}val_metrics")
                         for k, v in _typed(rec["val_metrics"], dict, pre).items()},
            **dicts))

    status = _typed(meta["status"], str, "status")
    if not STATUS.fullmatch(status):
        raise ValueError(f"status: {status!r} is not running, finished, stopped or 'diverged at step k'")
    elapsed = _float(meta["elapsed_s"], "elapsed_s")
    if not elapsed >= 0:
        raise ValueError("elapsed_s: must be a number >= 0")
    return Run(config=cfg, records=records, rows=rows, status=status, elapsed_s=elapsed,
               baseline_loss=_float(meta["baseline_loss"], "baseline_loss"),
               device=_typed(meta["device"], str, "device"),
               task_kind=_typed(meta["task_kind"], str, "task_kind"), metric_names=tuple(metric_names),
               probe_tokens=probe_tokens, probe_inputs=probe_inputs, name=_typed(meta["name"], str, "name"))


def _check(a: np.ndarray, where: str, kinds: str, shape: tuple[int, ...] | None) -> np.ndarray:
    if a.dtype.kind not in kinds:
        raise ValueError(f"{where}: dtype {a.dtype} is not allowed here")
    if shape is None and a.ndim != 1 or shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{where}: shape {a.shape} does not match the config (expected {shape or '1-D'})")
    return a


def _typed(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of strings")
    return value


def _float(value: Any, where: str) -> float:
    if value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    return float(value)
