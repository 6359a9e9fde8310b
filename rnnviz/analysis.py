"""Numbers behind the plots: PCA of hidden states, gate saturation, log-axis floors, smoothing.

Pure numpy and pandas: usable in a notebook, no plotting and no UI."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnnviz.run import Record, Run

TANH_GATES = ("cell", "new")  # gates whose values lie in [-1, 1]; every other gate is a sigmoid
MAX_FIT_ROWS = 50_000  # PCA fits on at most this many hidden states (an even subsample beyond)


class PCA(NamedTuple):
    """Points projected on the top principal components, and how much variance each explains."""

    projected: np.ndarray  # (N, k)
    explained: np.ndarray  # (k,) share of the total variance, 0 where there is none
    components: np.ndarray  # (k, H) unit rows (zero rows where H < k)


class Trajectory(NamedTuple):
    """Hidden states of one record on fixed PCA axes."""

    points: np.ndarray  # (P, T, k) every probe sequence of the record
    explained: np.ndarray  # (k,)
    components: np.ndarray  # (k, H)
    mean: np.ndarray  # (H,) the centre the axes were fitted around
    step: int


class Floored(NamedTuple):
    """Values ready for a log axis: exact zeros raised to `floor`, non-finite values as nan."""

    values: np.ndarray
    zero: np.ndarray  # bool mask: was exactly 0 (float underflow), now at `floor`
    nonfinite: np.ndarray  # bool mask: was inf or nan, now nan
    floor: float


def _rows(points: np.ndarray) -> np.ndarray:
    x = np.asarray(points, dtype=np.float64)
    return x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x


def fit_pca(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean (H,), components (k, H), explained ratio (k,)) of the finite rows of `points`, by SVD."""
    x = _rows(points)
    x = x[np.isfinite(x).all(axis=1)]
    H = x.shape[1]
    components, explained = np.zeros((k, H)), np.zeros(k)
    if len(x) == 0:
        return np.zeros(H), components, explained
    if len(x) > MAX_FIT_ROWS:  # an even subsample keeps the fit fast on long runs
        x = x[np.linspace(0, len(x) - 1, MAX_FIT_ROWS).astype(int)]
    mean = x.mean(axis=0)
    centred = x - mean
    # SVD of the H x H scatter matrix: its singular vectors are the right singular vectors of
    # the data and its singular values their squares, without the (N, H) factor U.
    _, variance, vt = np.linalg.svd(centred.T @ centred)
    r = min(k, len(x), H)
    # Fix each axis's sign (largest loading positive) so axes do not flip between calls.
    signs = np.sign(vt[:r][np.arange(r), np.abs(vt[:r]).argmax(axis=1)])
    components[:r] = vt[:r] * np.where(signs == 0, 1.0, signs)[:, None]
    if variance.sum() > 0:
        explained[:r] = variance[:r] / variance.sum()
    return mean, components, explained


def project(points: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """(..., H) -> (..., k) on the given axes; rows with inf/nan come out as nan."""
    x = np.asarray(points, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        out = (x - mean) @ components.T
    out[~np.isfinite(x).all(axis=-1)] = np.nan
    return out


def pca(points: np.ndarray, k: int) -> PCA:
    """Project (N, H) points on their top-k principal components (zero-padded when H or N < k)."""
    if k < 1:
        raise ValueError(f"k: must be a positive integer, got {k!r}")
    x = _rows(points)
    mean, components, explained = fit_pca(x, k)
    return PCA(project(x, mean, components), explained, components)


def record_at(run: Run, record_index: int) -> Record:
    """run.records[record_index], or an IndexError that says how many records there are."""
    n = len(run.records)
    if not -n <= record_index < n:
        raise IndexError(f"record_index: {record_index} is out of range for {n} record(s)")
    return run.records[record_index]


def pca_trajectory(run: Run, record_index: int = -1, layer: int = -1, k: int = 2,
                   fit: str = "all") -> Trajectory:
    """Hidden states of one record projected on PCA axes fitted over ALL records (fit="all").

    Fixed axes show learning best: as the slider moves over training, the trajectories move in
    one frame, so a state space that grows, splits or straightens is seen as such. Axes refitted
    per record (fit="record") rotate and flip from record to record, and an untrained network's
    small, noisy states fill the plot as much as a trained one's. Explained variance is that of
    the pooled fit."""
    if fit not in ("all", "record"):
        raise ValueError(f"fit: must be 'all' or 'record', got {fit!r}")
    record = record_at(run, record_index)
    pool = run.records if fit == "all" else [record]
    stacked = np.concatenate([_rows(r.hidden[layer]) for r in pool])
    mean, components, explained = fit_pca(stacked, k)
    return Trajectory(project(record.hidden[layer], mean, components), explained, components, mean,
                      record.step)


def saturation(gates: np.ndarray, low: float = 0.1, high: float = 0.9) -> float:
    """Share of the finite values below `low` or above `high` (nan when there are none)."""
    values = np.asarray(gates, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    return float(np.mean((values < low) | (values > high)))


def gate_values(run: Run, record: Record, layer: int = -1) -> dict[str, np.ndarray]:
    """Gate activations of a record, plus "hidden" for a tanh RNN (its only squashing unit)."""
    gates = dict(record.gates[layer]) if record.gates else {}
    if not gates and run.config.cell == "rnn_tanh":
        gates["hidden"] = record.hidden[layer]
    return gates


def saturation_over_training(run: Run, layer: int = -1, low: float = 0.1,
                             high: float = 0.9) -> pd.DataFrame:
    """(step, gate, share) per record and gate; tanh values are read on (v + 1) / 2.

    Sigmoid gates count below 0.1 or above 0.9; tanh gates ("cell", "new", a tanh RNN's "hidden")
    count |v| > 0.8, the same thresholds after rescaling. A saturated unit passes little gradient."""
    rows = []
    for record in run.records:
        for gate, values in gate_values(run, record, layer).items():
            v = (values + 1) / 2 if gate in TANH_GATES or gate == "hidden" else values
            rows.append({"step": record.step, "gate": gate, "share": saturation(v, low, high)})
    return pd.DataFrame(rows, columns=["step", "gate", "share"])


def log_floor(values: np.ndarray, floor: float | None = None) -> Floored:
    """Map exact zeros to a floor one decade below the smallest positive value (or `floor`)."""
    v = np.array(values, dtype=np.float64)
    nonfinite = ~np.isfinite(v)
    zero = v == 0
    if floor is None:
        floor = floor_for(v)
    v[nonfinite] = np.nan
    v[zero] = floor
    return Floored(v, zero, nonfinite, floor)


def floor_for(*arrays: np.ndarray) -> float:
    """A power of ten one decade below the smallest positive finite value of all `arrays`."""
    positive = [a[(a > 0) & np.isfinite(a)] for a in (np.asarray(x, dtype=np.float64) for x in arrays)]
    positive = np.concatenate([p.ravel() for p in positive]) if positive else np.zeros(0)
    if positive.size == 0:
        return 1e-45  # float32's smallest subnormal is ~1.4e-45: nothing positive lies below
    return 10.0 ** (math.floor(math.log10(positive.min())) - 1)


def decades(values: np.ndarray) -> float:
    """How many powers of ten the positive finite values span (0 for fewer than two)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.log10(v.max() / v.min())) if v.size > 1 else 0.0


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average over `window` steps; inf/nan stay nan and do not spread."""
    v = np.array(values, dtype=np.float64)
    v[~np.isfinite(v)] = np.nan
    if window <= 1 or v.size == 0:
        return v
    out = pd.Series(v).rolling(window, min_periods=1).mean().to_numpy(copy=True)
    out[np.isnan(v)] = np.nan
    return out


def gradient_ratio(norms: np.ndarray) -> float:
    """||dL/dh_0|| / ||dL/dh_(T-1)||: below 1 the gradient vanishes back in time, above it explodes."""
    v = np.asarray(norms, dtype=np.float64)
    if v.size == 0 or not np.isfinite(v[[0, -1]]).all() or v[-1] == 0:
        return float("nan")
    return float(v[0] / v[-1])


def describe_ratio(norms: np.ndarray) -> str:
    """A sentence comparing the gradient at t=0 with the one at the last step."""
    v = np.asarray(norms, dtype=np.float64)
    T = v.size - 1
    if v.size == 0:
        return "no gradient recorded"
    if not np.isfinite(v).all():
        return "gradient overflowed to inf/nan: exploding"
    if v[-1] == 0:
        return f"no gradient reaches t={T}"
    if v[0] == 0:
        k = int(np.argmax(v != 0))  # the first step the gradient still reaches
        return (f"gradient underflows to exactly 0 for t < {k}: those inputs get no learning signal; "
                f"at t={k} it is {v[k] / v[-1]:.1e} × the gradient at t={T}")
    return f"gradient at t=0 is {v[0] / v[-1]:.1e} × the gradient at t={T}"


SPIKE = 100.0  # a run whose gradient norm rose this many times over step 0's is about the explosion


def lesson_record(run: Run, spike: float = SPIKE) -> int:
    """The record a view should open at: for a run whose gradient norm spiked over `spike` times
    its step-0 value, the record with the largest finite gradient norm; else the last record."""
    last = max(len(run.records) - 1, 0)
    if not run.records or not len(run.rows):
        return last
    history = run.history
    norms = history.grad_norm.to_numpy(dtype=np.float64)
    finite = np.isfinite(norms)
    if not finite[0] or norms[0] <= 0 or not (norms[finite].max() / norms[0] > spike):
        return last
    by_step = dict(zip(history.step.to_numpy().tolist(), norms.tolist(), strict=True))
    at_records = np.array([by_step.get(r.step, np.nan) for r in run.records])
    at_records[~np.isfinite(at_records)] = -np.inf
    return int(np.argmax(at_records)) if np.isfinite(at_records).any() else last


# Character classes a text unit may track (single-character tokens); "time" and "variance" always.
CLASSES = {
    "space": lambda c: c.isspace(),
    "vowel": lambda c: c.lower() in "aeiou",
    "punctuation": lambda c: len(c) == 1 and not c.isalnum() and not c.isspace(),
    "capital letter": lambda c: c.isupper(),
    "digit": lambda c: c.isdigit(),
}


def correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of (N, H) `x` with (N,) `y` (0 where either is constant)."""
    x = x - x.mean(axis=0)
    y = y - y.mean()
    scale = np.sqrt((x**2).sum(axis=0) * (y**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x * y[:, None]).sum(axis=0) / scale
    return np.where(scale > 0, r, 0.0)


def unit_statistics(run: Run, record_index: int = -1, layer: int = -1) -> dict[str, np.ndarray]:
    """Per hidden unit, over every probe sequence of one record: its variance, its correlation with
    the time step, and (text tasks) with each character class present in the probe. name -> (H,)."""
    hidden = np.asarray(record_at(run, record_index).hidden[layer], dtype=np.float64)  # (P, T, H)
    P, T, H = hidden.shape
    rows = hidden.reshape(-1, H)
    keep = np.isfinite(rows).all(axis=1)
    rows = rows[keep]
    stats = {"variance": rows.var(axis=0) if len(rows) else np.zeros(H),
             "time": correlation(rows, np.tile(np.arange(T, dtype=np.float64), P)[keep])}
    tokens = run.probe_tokens
    if tokens and all(len(row) >= T for row in tokens[:P]):
        flat = [c for row in tokens[:P] for c in row[:T]]
        for name, test in CLASSES.items():
            flags = np.array([bool(test(c)) for c in flat], dtype=np.float64)[keep]
            if 0 < flags.sum() < len(flags):  # present, and not everywhere
                stats[name] = correlation(rows, flags)
    return stats


def rank_units(values: np.ndarray) -> list[int]:
    """Units by |value|, largest first (non-finite values last)."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    v[~np.isfinite(v)] = -1.0
    return [int(u) for u in np.argsort(-v, kind="stable")]
