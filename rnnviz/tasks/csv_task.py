"""Forecasting a numeric column of a user's CSV, many-to-one or many-to-many."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from importlib.resources import files

import numpy as np
import pandas as pd
import torch
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from torch import Tensor

from rnnviz.tasks.base import Option, Task
from rnnviz.tasks.windows import draw_windows, min_length, split_point, target_weights, window_source

DEFAULT_CSV = files("rnnviz").joinpath("data", "weather.csv").read_text(encoding="utf-8")


class CsvForecast(Task):
    """Forecast a column of a CSV from its past (and optionally other columns).

    Each row is one time step. The input at step t is the target column (and any `features`) at
    row t, standardised with the mean and std of the training rows; the last ~10% of rows are
    held out for validation. mode "last" (many-to-one): predict the target of the row right after
    the window; mode "every" (many-to-many): predict the next row's target at every step.
    The baseline is the variance of the standardised target (~1): predicting the average.
    The default CSV is three years of invented daily weather: tomorrow's temperature is close to
    today's, so any cell beats the baseline fast, and ||dL_T/dh_t|| is concentrated on the last
    few days. A smooth series lets the hidden state follow the season around a loop in the PCA.
    """

    name = "csv"
    title = "CSV column forecast"
    kind = "regression"
    output_size = 1
    OPTIONS = {
        "csv": Option(DEFAULT_CSV, "the CSV text, one row per time step (default: invented daily weather)"),
        "target": Option("", "the numeric column to forecast (empty: the first numeric column)"),
        "features": Option("", "comma-separated other numeric columns used as inputs too (a name "
                               "holding a comma in double quotes)"),
        "mode": Option("every", "'last': predict the value after the window; 'every': the next value "
                                "at every step", choices=("last", "every")),
    }

    def __init__(self, seq_len: int, **options):
        super().__init__(seq_len, **options)
        frame = read_csv(self.options["csv"])
        numeric = [c for c in frame.columns if is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c])]
        if not numeric:
            raise ValueError(f"task_options.csv: no numeric column; found columns {listing(frame.columns)}")
        target = self.options["target"].strip() or numeric[0]
        if target not in numeric:
            raise ValueError(f"task_options.target: {target!r} is not a numeric column; "
                             f"numeric columns are {listing(numeric)}")
        features = parse_features(self.options["features"])
        for feature in features:
            if feature == target or feature not in numeric or features.count(feature) > 1:
                why = ("is the target" if feature == target else "is listed twice"
                       if feature in numeric else "is not a numeric column")
                raise ValueError(f"task_options.features: {feature!r} {why}; other numeric columns are "
                                 f"{listing([c for c in numeric if c != target]) or 'none'}")
        self.columns = [target, *features]  # input features, in order; the target is feature 0
        values = frame[self.columns].to_numpy(dtype=np.float64)  # (N, F)
        for j, column in enumerate(self.columns):
            bad = np.flatnonzero(~np.isfinite(values[:, j]))
            if len(bad):
                rows = ", ".join(str(r + 2) for r in bad[:5]) + (", ..." if len(bad) > 5 else "")
                raise ValueError(f"task_options.csv: column {column!r} has {len(bad)} missing, "
                                 f"non-numeric or infinite value(s) (CSV lines {rows}); fill or drop "
                                 "those rows")
        n, T = len(values), seq_len
        if n < min_length(T):
            raise ValueError(f"task_options.csv: the CSV has {n} rows; it needs at least {min_length(T)} "
                             f"for seq_len={T} (seq_len + 2 to train on and seq_len + 1 held out): "
                             f"give more rows or a smaller seq_len")
        cut = split_point(n, T)
        standardised, self.mean, self.std = standardise(values, cut)
        for j, column in enumerate(self.columns):
            if not np.isfinite(standardised[:, j].astype(np.float32)).all():
                raise ValueError(f"task_options.csv: column {column!r} cannot be standardised: some "
                                 "values lie too many standard deviations from the training rows' mean")
        self.values = torch.tensor(standardised, dtype=torch.float32)  # (N, F)
        self.targets = self.options["mode"]
        self.input_size = len(self.columns)
        train = self.values[:cut, 0].double().numpy()
        weights = target_weights(cut, T, self.targets)
        mean = (weights * train).sum()
        self.baseline_loss = float((weights * (train - mean) ** 2).sum())  # weighted Var(target)

    def batch(self, batch_size: int, generator: torch.Generator,
              split: str = "train") -> tuple[Tensor, Tensor]:
        part = window_source(self.values, self.seq_len, split)
        window = draw_windows(part, batch_size, self.seq_len + 1, generator)  # (B, T+1, F)
        x, target = window[:, :-1], window[:, 1:, :1]                        # (B, T, F), (B, T, 1)
        return x, (target[:, -1] if self.targets == "last" else target)     # (B, 1) or (B, T, 1)

    def unscale(self, y: Tensor) -> Tensor:
        """Standardised target values back in the CSV's units (float64: 1e200 is inf in float32)."""
        return y.double() * float(self.std[0]) + float(self.mean[0])


def standardise(values: np.ndarray, cut: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values - mean) / std per column, mean and std of the first `cut` rows; also (mean, std).

    Each column is divided by its largest magnitude first: squaring 1e200 overflows to inf (every
    input became 0) and 1e308 - (-1e308) is inf (NaN inputs). A column constant over the first
    `cut` rows is only centred and divided by that magnitude (1 for a column of zeros)."""
    scale = np.abs(values).max(0)  # (F,) any magnitude works; this one keeps every value in [-1, 1]
    scale[scale == 0] = 1.0
    scaled = values / scale
    mean, std = scaled[:cut].mean(0), scaled[:cut].std(0)
    std[std == 0] = 1.0
    return (scaled - mean) / std, mean * scale, std * scale


def parse_features(text: str) -> list[str]:
    """The column names in the features option: comma-separated, CSV quoting for a name with a comma."""
    if "\n" in text or "\r" in text:
        raise ValueError("task_options.features: one line of column names, separated by commas")
    try:
        names = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error as err:
        raise ValueError(f"task_options.features: {err}") from None
    return [name.strip() for name in names if name.strip()]


def features_text(names: Sequence[str]) -> str:
    """The features option for these column names (the inverse of parse_features)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([str(n) for n in names])
    return buffer.getvalue()


def listing(names: Sequence[object]) -> str:
    """Column names for a message, as they would be typed in the features option."""
    return ", ".join(features_text([n]) for n in names)


def read_csv(text: str) -> pd.DataFrame:
    """Parse CSV text with pandas, turning its errors into a ValueError naming task_options.csv."""
    if not text.strip():
        raise ValueError("task_options.csv: the CSV is empty; paste or upload a CSV with a header row")
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as err:
        raise ValueError(f"task_options.csv: could not parse the CSV ({err})") from None
    if frame.empty:
        raise ValueError("task_options.csv: the CSV has a header but no rows")
    names = [str(c).strip() for c in frame.columns]  # "date, temp" names its column "temp"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"task_options.csv: column name {repeated[0]!r} appears twice (after removing "
                         "spaces around names)")
    frame.columns = names
    return frame
