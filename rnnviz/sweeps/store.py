"""The results file: one Parquet table, one row per finished run, keyed by a hash of its config.

Each finished run rewrites the file whole through a temporary file and an atomic rename, so an
interrupted sweep leaves the file as it was after its last finished run, never half a row."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from rnnviz.sweeps.runner import ROW_COLUMNS

REQUIRED = ("key", "status", "success", "config")


def check_table(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """`table` if it has the columns a results table needs, else a ValueError naming `where`."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: not a sweep results table (missing column(s) {', '.join(missing)})")
    if table["key"].duplicated().any():
        raise ValueError(f"{where}: a run appears twice (its key repeats); this is not a results file "
                         "rnnviz wrote")
    return table.reset_index(drop=True)


def read_bytes(data: bytes, name: str = "file") -> pd.DataFrame:
    """A results table from an uploaded file's bytes (Parquet, or CSV by its name)."""
    try:
        if name.lower().endswith(".csv"):
            table = pd.read_csv(io.BytesIO(data))
        else:
            table = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow and pandas raise many types for a damaged file
        raise ValueError(f"{name}: cannot read it as a results table ({type(err).__name__}: "
                         f"{str(err)[:120]})") from None
    return check_table(table, name)


def load(path: str | Path) -> pd.DataFrame:
    """The table at `path`; an empty table when there is no file. A damaged file raises a
    ValueError and is left untouched: its finished runs are not lost."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    if path.is_dir():
        raise ValueError(f"out: {str(path)!r} is a folder; give a file name such as sweep.parquet")
    try:
        table = pd.read_parquet(path)
    except Exception as err:
        raise ValueError(f"out: {str(path)!r} is not a results file rnnviz can read ({type(err).__name__}); "
                         "it was left as it is: move it away or choose another file") from None
    return check_table(table, f"out: {str(path)!r}")


def save(table: pd.DataFrame, path: str | Path) -> None:
    """Write `table` to `path` atomically (a temporary file beside it, then a rename)."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        table.reset_index(drop=True).to_parquet(temp, index=False)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def to_bytes(table: pd.DataFrame) -> bytes:
    """The table as a Parquet file's bytes (for a download)."""
    buffer = io.BytesIO()
    table.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()
