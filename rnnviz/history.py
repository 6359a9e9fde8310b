"""A run's per-step history stored by column: cheap to append, one DataFrame built per change.

The live panel reads `run.history` twice a second while the trainer appends a step every few
milliseconds; a list of dicts made it rebuild a DataFrame (and hold a dict per step) on every read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

HISTORY_COLUMNS = ("step", "loss", "grad_norm", "grad_norm_clipped", "clipped")
DTYPES = {"step": np.dtype(np.int64), "clipped": np.dtype(np.bool_)}  # any other column: float64
FLOAT = np.dtype(np.float64)


class StepLog:
    """One entry per optimizer step, kept as growable numpy columns.

    Reads as a sequence of row dicts (`len`, `log[-1]["loss"]`, iteration) and appends one row dict
    at a time. Safe to read from another thread while one trainer appends: a step counts only once
    every column holds it, so readers see whole rows."""

    def __init__(self, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        self._data: dict[str, np.ndarray] = {}  # column -> buffer; the first _n values are the log
        self._n = 0
        self._frame: tuple[tuple[int, tuple[str, ...]], pd.DataFrame] | None = None
        for row in rows:
            self.append(row)

    @classmethod
    def from_columns(cls, columns: Mapping[str, np.ndarray]) -> StepLog:
        """A log from equal-length 1-D arrays (a run file's history), without a per-row pass."""
        log = cls()
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise ValueError("history: every column must have one value per step")
        log._data = {name: np.array(values, dtype=DTYPES.get(name, FLOAT))
                     for name, values in columns.items()}
        log._n = lengths.pop() if lengths else 0
        return log

    def append(self, row: Mapping[str, Any]) -> None:
        n = self._n
        for name in [k for k in row if k not in self._data]:  # new column: earlier steps have no value
            dtype = DTYPES.get(name, FLOAT)
            self._data[name] = np.full(max(16, n), math.nan if dtype == FLOAT else 0, dtype=dtype)
        for name, buffer in list(self._data.items()):
            if n == len(buffer):  # grow by doubling: appends cost O(1) amortised
                buffer = np.concatenate([buffer, np.empty_like(buffer)])
                self._data[name] = buffer
            buffer[n] = row.get(name, math.nan if buffer.dtype == FLOAT else 0)
        self._n = n + 1  # last: a reader never sees a half-written step

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: int) -> dict[str, Any]:
        """Row `index` as plain Python values (a negative index counts from the end)."""
        n = self._n
        if not -n <= index < n:
            raise IndexError(f"step index {index} out of range for {n} steps")
        return {name: buffer[index % n].item() for name, buffer in self._data.items()}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(self._n))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StepLog):
            return NotImplemented
        names = sorted(self.names)
        return names == sorted(other.names) and len(self) == len(other) and all(
            np.array_equal(self.column(c), other.column(c), equal_nan=self.column(c).dtype == FLOAT)
            for c in names)

    def __repr__(self) -> str:
        return f"StepLog({self._n} steps, columns {list(self._data)})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._data)

    def column(self, name: str) -> np.ndarray:
        """The values of one column (read-only view); NaN (0, False) where it was never given."""
        n = self._n
        buffer = self._data.get(name)
        if buffer is None:
            dtype = DTYPES.get(name, FLOAT)
            return np.full(n, math.nan if dtype == FLOAT else 0, dtype=dtype)
        view = buffer[:n]
        view.flags.writeable = False
        return view

    def frame(self, columns: Sequence[str]) -> pd.DataFrame:
        """The log as a DataFrame with these columns, built once per new step (do not modify it)."""
        key = (self._n, tuple(columns))
        cached = self._frame
        if cached is not None and cached[0] == key:
            return cached[1]
        frame = pd.DataFrame({name: self.column(name)[:key[0]].copy() for name in columns},
                             columns=list(columns))
        self._frame = (key, frame)
        return frame

    def copy(self) -> StepLog:
        """An independent copy of the steps logged so far (for a snapshot of a run in training)."""
        log = StepLog()
        n = self._n
        log._data = {name: buffer[:n].copy() for name, buffer in list(self._data.items())}
        log._n = n
        return log
