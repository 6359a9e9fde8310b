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
from rnnviz.npzread import BoundedNpz, FileLimits
from rnnviz.run import HISTORY_COLUMNS, Run
from rnnviz.runfile_seq2seq import seq2seq_arrays, seq2seq_meta
from rnnviz.runread import CELL_GRADS, DECISIONS, FLOAT_DICTS, build_run, checker

FORMAT, VERSION = "rnnviz-run", 1
META = "rnnviz.json"
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
        return build_run(_meta(archive), archive)
    except KeyError as exc:
        raise ValueError(f"not an rnnviz run file: missing entry {exc}") from exc
    except Exception as exc:  # ValueError from the checks; zlib or CRC errors from a damaged entry
        raise ValueError(f"not an rnnviz run file: {exc or type(exc).__name__}") from exc
    finally:
        archive.close()


def _meta(archive: BoundedNpz) -> dict[str, Any]:
    entry = archive.read(META, checker(META, "u", None), max_bytes=archive.limits.max_json_bytes)
    meta = schema.load_json(entry.tobytes(), META)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"format is not {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise ValueError(f"{FORMAT} version {str(meta.get('version'))[:20]!r} (this rnnviz reads "
                         f"version {VERSION})")
    return meta
