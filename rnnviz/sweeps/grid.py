"""A sweep's grid: the base config times every combination of the swept fields' values, validated."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from rnnviz.config import FIELDS, RunConfig

MAX_RUNS = 10_000  # a library-wide sanity cap; the app passes its server's far lower one


def expand(base: RunConfig, grid: Mapping[str, Iterable[Any]], max_runs: int = MAX_RUNS,
           keep_records: bool = False) -> list[RunConfig]:
    """Every config of the grid, in order (the last field varies fastest). ValueError names the
    field for an empty grid, an unknown field, an empty or invalid value, or too many runs."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid: empty; give at least one field and its values, e.g. {'seed': [0, 1, 2]}")
    fields = list(grid)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ValueError(f"grid: unknown field(s) {', '.join(map(repr, unknown))}; valid fields are "
                         f"{', '.join(FIELDS)}")
    values: list[list[Any]] = []
    for name in fields:
        raw = grid[name]
        if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
            raise ValueError(f"{name}: expected a list of values, got {raw!r}")
        checked = [FIELDS[name].check(v) for v in raw]  # the field's own message for a bad value
        if not checked:
            raise ValueError(f"{name}: no values to sweep")
        values.append(list(dict.fromkeys(checked)))   # a repeated value would train twice
    total = 1
    for vs in values:
        total *= len(vs)
    if total > max_runs:
        sizes = " x ".join(f"{len(vs)} {name}" for name, vs in zip(fields, values, strict=True))
        raise ValueError(f"grid: {sizes} = {total} runs, over the cap of {max_runs}")
    configs = []
    for combo in itertools.product(*values):
        cfg = base.replace(**dict(zip(fields, combo, strict=True)))
        # Unless asked, a sweep's run looks inside the model only at its first and last step, on
        # one probe sequence: the table needs the loss history and the last validation numbers.
        configs.append(cfg if keep_records else cfg.replace(probe_size=1, record_every=cfg.steps))
    return configs


def config_key(cfg: RunConfig) -> str:
    """A short stable hash of everything that defines the run: equal configs, equal keys."""
    text = json.dumps(cfg.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
