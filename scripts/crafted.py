"""Hostile inputs of issue 9, each built in code: run files (written to a temp dir) and link queries.

Nothing here is committed as data: a 4.8 GiB zip bomb is 4.9 MB on disk and takes seconds to write,
because runs of zeros are deflated once and the compressed block repeated (see `_ZeroDeflate`)."""

from __future__ import annotations

import dataclasses
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

from rnnviz.config import RunConfig
from rnnviz.run import HISTORY_COLUMNS

CHUNK = 16 << 20  # zeros are written 16 MiB at a time
_ZEROS = bytes(CHUNK)


@dataclasses.dataclass(frozen=True)
class Zeros:
    """An array of zeros written to the zip without ever being held in memory."""

    dtype: str
    shape: tuple[int, ...]


class _ZeroDeflate:
    """A raw-deflate compressor for zipfile that compresses a chunk of zeros once.

    After a full flush deflate forgets all history and is byte-aligned, so the output for one
    chunk of zeros is a self-contained piece of stream: repeating it N times is exactly the
    deflate of N chunks (zipfile still computes the CRC over the real bytes)."""

    def __init__(self) -> None:
        self._z = zlib.compressobj(9, zlib.DEFLATED, -15)
        self._block = self._z.compress(_ZEROS) + self._z.flush(zlib.Z_FULL_FLUSH)
        again = self._z.compress(_ZEROS) + self._z.flush(zlib.Z_FULL_FLUSH)
        assert again == self._block, "deflate of a zero chunk is not self-contained"

    def compress(self, data: bytes) -> bytes:
        if data is _ZEROS:
            return self._block
        return self._z.compress(data) + self._z.flush(zlib.Z_FULL_FLUSH)

    def flush(self) -> bytes:
        return self._z.flush()


def npy_header(dtype: str, shape: tuple[int, ...]) -> bytes:
    import io

    buffer = io.BytesIO()
    header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": tuple(shape)}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def write_npz(dest: Path, entries: dict[str, np.ndarray | Zeros | bytes]) -> Path:
    """An .npz as np.savez_compressed writes it; Zeros stream, bytes are a raw entry (no .npy)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9, allowZip64=True) as zf:
        for name, value in entries.items():
            if isinstance(value, bytes):
                zf.writestr(name, value)
                continue
            with zf.open(name + ".npy", "w", force_zip64=True) as out:
                if isinstance(value, Zeros):
                    out._compressor = _ZeroDeflate()  # zipfile's own writer, a faster compressor
                    out.write(npy_header(value.dtype, value.shape))
                    left = int(np.prod(value.shape, dtype=np.int64)) * np.dtype(value.dtype).itemsize
                    while left >= CHUNK:
                        out.write(_ZEROS)
                        left -= CHUNK
                    out.write(bytes(left))
                else:
                    np.lib.format.write_array(out, np.ascontiguousarray(value), allow_pickle=False)
    return dest


def meta_entry(meta: dict[str, Any] | str) -> np.ndarray:
    text = meta if isinstance(meta, str) else json.dumps(meta, ensure_ascii=False)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def base_meta(config: dict[str, Any], metric_names: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """The JSON entry of a valid run file with no records (`changes` override any key)."""
    meta = {"format": "rnnviz-run", "version": 1, "config": config, "status": "finished", "device": "cpu",
            "baseline_loss": 1.0, "task_kind": "regression", "metric_names": list(metric_names),
            "probe_tokens": None, "elapsed_s": 1.0, "name": "crafted",
            "history": {"columns": [*HISTORY_COLUMNS, *metric_names]}, "records": []}
    return {**meta, **changes}


def history(metric_names: tuple[str, ...] = (), rows: int = 3) -> dict[str, np.ndarray | Zeros]:
    """History arrays: small ones real (a falling loss), large ones streamed zeros."""
    dtypes = {"step": "<i8", "clipped": "|b1"}
    if rows > 10_000:
        columns = (*HISTORY_COLUMNS, *metric_names)
        return {f"history/{c}": Zeros(dtypes.get(c, "<f8"), (rows,)) for c in columns}
    steps = np.arange(rows)
    cols = {"step": steps, "loss": 1.0 / (1 + steps), "grad_norm": np.ones(rows),
            "grad_norm_clipped": np.ones(rows), "clipped": np.zeros(rows, bool)}
    cols |= {m: np.linspace(0, 1, rows) for m in metric_names}
    return {f"history/{c}": np.asarray(v, dtype=dtypes.get(c, "<f8")) for c, v in cols.items()}


def config(**fields: Any) -> dict[str, Any]:
    """A config dict; fields are not validated (RunConfig may refuse some of them: that is the point)."""
    return {**RunConfig().to_dict(), **fields}


def run_file(dest: Path, cfg: dict[str, Any], metric_names: tuple[str, ...] = (), rows: int = 3,
             extra: dict[str, np.ndarray | Zeros | bytes] | None = None, **meta: Any) -> Path:
    arrays = history(metric_names, rows)
    return write_npz(dest, {"rnnviz.json": meta_entry(base_meta(cfg, metric_names, **meta)), **arrays,
                            **(extra or {})})


# --- the catalogue's inputs, by the letter of issue 9 --------------------------------------------------

def spectral_bomb(d: Path) -> Path:
    """(a) spectral_radius=1e308 with scaled init, clipping off: its twin with clipping on segfaulted."""
    cfg = config(cell="rnn_tanh", recurrent_init="scaled", spectral_radius=1e308, clip_norm=None, steps=50)
    return run_file(d / "spectral.npz", cfg)


def huge_config(d: Path) -> Path:
    """(b) hidden 512, record_every 1, probe 64, steps 100,000: trusted by the retrain buttons."""
    return run_file(d / "huge-config.npz", config(hidden_size=512, record_every=1, probe_size=64,
                                                  steps=100_000))


def cost_query() -> str:
    """(c) every field within its own limit, their product far beyond the server."""
    return "cell=lstm&hidden_size=256&num_layers=4&bidirectional=1&seq_len=400&batch_size=256"


def vocab_query(n: int = 5000) -> str:
    """(d) the chars task with n distinct characters (CJK ideographs) as its text."""
    return urlencode({"task": "chars", "text": "".join(chr(0x4E00 + i) for i in range(n))})


def zip_bomb(d: Path, gib: float = 4.6) -> Path:
    """(e) a valid run file plus an unused entry of `gib` GiB zeros; cached.

    4.6 GiB deflates to 4.8 MB: under the app's 5 MB upload limit (4.8 GiB would be 5.01 MB)."""
    dest = d / f"zip-bomb-{gib:g}.npz"
    if not dest.exists():
        tmp = dest.with_suffix(".tmp")
        run_file(tmp, config(steps=2), extra={"unused": Zeros("|u1", (int(gib * 2**30),))})
        tmp.replace(dest)
    return dest


def huge_hidden(d: Path) -> Path:
    """(f) a valid file whose one record holds a (268, 1000, 1000) hidden array (~1 GB as float32)."""
    P, T, H = 268, 1000, 1000
    cfg = config(cell="rnn_tanh", hidden_size=H, seq_len=T, probe_size=P, steps=2)
    record = {"step": 0, "probe_loss": 1.0, "val_loss": 1.0, "val_metrics": {}, "gates": [[]],
              "eigenvalues": [], "has_total": False, "param_grad_norm": [], "param_grad_norm_clipped": [],
              "spectral_radius": []}
    empty = np.zeros(0)
    extra = {"records/0/hidden/0": Zeros("<f4", (P, T, H)), "records/0/grad_by_time": np.ones((1, T)),
             "records/0/param_grad_norm": empty, "records/0/param_grad_norm_clipped": empty,
             "records/0/spectral_radius": empty}
    return run_file(d / "huge-hidden.npz", cfg, extra=extra, records=[record])


def many_rows(d: Path, rows: int = 4_000_000) -> Path:
    """(g) 4,000,000 history rows in about 0.13 MB."""
    return run_file(d / "many-rows.npz", config(), rows=rows)


def deep_json(d: Path, depth: int = 100_000) -> Path:
    """(h) JSON metadata nested 100,000 deep (json.loads raises RecursionError)."""
    meta = json.dumps(base_meta(config()))
    text = meta[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    return write_npz(d / "deep-json.npz", {"rnnviz.json": meta_entry(text), **history()})


def metric_named_loss(d: Path) -> Path:
    """(i) a metric named `Loss` (the loss column is `loss`)."""
    return run_file(d / "metric-Loss.npz", config(), metric_names=("Loss",))


def long_step_status(d: Path) -> Path:
    """(i) a status 'diverged at step <5,000 digits>' (int() refuses more than 4,300 digits)."""
    return run_file(d / "long-step.npz", config(), status="diverged at step " + "9" * 5000)


def injection_query(sink: str) -> str:
    """(j) Markdown links and images in parameter names and values; `sink` is a loopback http URL."""
    params = {f"[Session expired - log in again]({sink}/link-name)": "1",
              f"![i]({sink}/img-name)": "1",
              "hidden_size": f"![i]({sink}/img-hidden_size)",
              "cell": f"[Session expired - log in again]({sink}/link-cell)",
              "preset": f"![i]({sink}/img-preset)"}
    return urlencode(params, quote_via=quote)


def injection_file(d: Path, sink: str) -> Path:
    """(j) a run file whose device is Markdown and whose metric name is an HTML link (Plotly titles)."""
    metric = f'<a href="{sink}/metric-link">Session expired - log in again</a>'
    device = f"cpu ![i]({sink}/img-device) [Session expired - log in again]({sink}/link-device)"
    return run_file(d / "injection.npz", config(), metric_names=(metric,), device=device)


def injection_file_name(sink: str) -> str:
    """(j) the uploaded file's own name as Markdown (no slashes: a file name cannot hold them)."""
    return f"![i]({sink.replace('/', chr(92))}{chr(92)}img-filename).npz"


def unknown_keys_query(n: int = 300) -> str:
    """(k) n unknown link keys."""
    return urlencode({f"unknown{i}": "1" for i in range(n)})


CSV_SPACES = "date, temp\n" + "".join(f"2024-01-{1 + i % 28:02d}, {10 + i % 7}\n" for i in range(120))
CSV_HUGE = "date,temp\n" + "".join(f"{i},{(1 + i % 7) * 1e200}\n" for i in range(120))
CSV_EXTREME = "date,temp\n" + "".join(f"{i},{'-' if i % 2 else ''}1e308\n" for i in range(120))


def csv_query(text: str, steps: int = 20) -> str:
    """(l) the CSV task on `text`, forecasting `temp`, a short run."""
    return urlencode({"task": "csv", "csv": text, "target": "temp", "seq_len": 20, "steps": steps})
