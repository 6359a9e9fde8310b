"""A sweep's table summarised per cell and swept value: success rate with a Wilson interval."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from rnnviz.config import FIELDS

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: a 95% interval


def wilson(successes: int, runs: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a success rate: stays inside [0, 1] and is not empty at 0/n or
    n/n, where the normal interval collapses to a point."""
    if runs <= 0:
        return math.nan, math.nan
    p = successes / runs
    denom = 1 + z * z / runs
    centre = (p + z * z / (2 * runs)) / denom
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends, not 1e-18 off
    high = 1.0 if successes == runs else min(1.0, centre + half)
    return low, high


def finished(table: pd.DataFrame) -> pd.DataFrame:
    """The runs that count: finished or diverged (a diverged run is a failure), not errors; with
    a cell column (read from each run's config where a table has none)."""
    ok = table["status"].astype(str).isin(["finished", "diverged"])
    done = table[ok]
    if "cell" not in done and "config" in done:
        done = done.assign(cell=[_cell(c) for c in done["config"]])
    return done


def _cell(config: object) -> str:
    try:
        return str(json.loads(str(config)).get("cell", "?"))
    except (ValueError, AttributeError):
        return "?"


def rates(table: pd.DataFrame, field: str, by: str = "cell") -> pd.DataFrame:
    """Per `by` (cell) and value of `field`: runs, successes, rate, the interval, median loss ratio."""
    columns = [by, field, "runs", "successes", "rate", "low", "high", "loss_ratio"]
    done = finished(table) if "status" in table else table.iloc[0:0]
    if done.empty or field not in done or by not in done:
        return pd.DataFrame(columns=columns)
    rows = []
    for (group, value), part in done.groupby([by, field], sort=False, dropna=False):
        n, k = len(part), int(part["success"].astype(bool).sum())
        low, high = wilson(k, n)
        ratios = pd.to_numeric(part["loss_ratio"], errors="coerce").to_numpy(dtype=float)
        ratio = float(np.median(np.where(np.isfinite(ratios), ratios, np.inf))) if n else math.nan
        rows.append([group, value, n, k, k / n, low, high, ratio])
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values([by, field], kind="stable").reset_index(drop=True)


def swept_field(table: pd.DataFrame, by: str = "cell") -> str | None:
    """The field the plot puts on its x axis: the first grid column that is not `by` or the seed."""
    for name in table.columns:
        if name in FIELDS and name not in (by, "seed") and table[name].nunique(dropna=False) > 1:
            return name
    return next((n for n in table.columns if n in FIELDS and n not in (by, "seed")), None)
