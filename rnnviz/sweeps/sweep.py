"""rnnviz.sweep: many runs of one base config over a grid of fields, as one results table."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rnnviz.config import RunConfig
from rnnviz.sweeps import executors, store
from rnnviz.sweeps.grid import MAX_RUNS, config_key, expand
from rnnviz.sweeps.runner import ROW_COLUMNS
from rnnviz.sweeps.success import Criterion, criterion_for
from rnnviz.tasks import TASKS, make_task

OnResult = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Plan:
    """A sweep before it runs: every config, its criterion, and the rows the results file has."""

    fields: tuple[str, ...]
    configs: tuple[RunConfig, ...]
    criteria: tuple[Criterion, ...]
    stored: pd.DataFrame           # the whole results file (or an empty table)

    @property
    def keys(self) -> list[str]:
        return [config_key(c) for c in self.configs]

    @property
    def done(self) -> set[str]:
        """Keys of this grid's runs the results file already has."""
        return set(self.keys) & set(self.stored["key"])

    @property
    def todo(self) -> list[int]:
        done = self.done
        return [i for i, k in enumerate(self.keys) if k not in done]


def check_metric(criterion: Criterion, task: str) -> None:
    """A criterion's metric must be one the task reports."""
    kind = TASKS[task].kind
    known = {"loss"} | ({"accuracy"} if kind == "classification" else set()) | (
        {"closing_accuracy"} if task == "reber" else set())
    if criterion.metric not in known:
        raise ValueError(f"success: task {task!r} has no metric {criterion.metric!r}; "
                         f"use one of {', '.join(sorted(known))}")


def plan(base: RunConfig, grid: Mapping[str, Iterable[Any]], success: Criterion | str | None = None,
         out: str | Path | None = None, max_runs: int = MAX_RUNS, keep_records: bool = False) -> Plan:
    """Validate the grid and the criterion, and read what the results file already holds."""
    if not isinstance(base, RunConfig):
        raise ValueError(f"base: expected a RunConfig, got {type(base).__name__}")
    configs = expand(base, grid, max_runs, keep_records)
    criteria = tuple(criterion_for(c.task, success) for c in configs)
    for task, criterion in {(c.task, k) for c, k in zip(configs, criteria, strict=True)}:
        check_metric(criterion, task)
    tasks_built = set()
    for cfg in configs:  # a task that cannot be built (seq_len too short for it) fails now, not later
        what = (cfg.task, cfg.seq_len, json.dumps(cfg.task_options, sort_keys=True, default=str))
        if what not in tasks_built:
            make_task(cfg)
            tasks_built.add(what)
    stored = store.load(out) if out is not None else pd.DataFrame(columns=list(ROW_COLUMNS))
    fields = tuple(grid) if "cell" in grid else ("cell", *grid)  # every table says which cell
    result = Plan(fields, tuple(configs), criteria, stored)
    if "criterion" in stored.columns:  # a stored row judged by another criterion would mislead
        mine = dict(zip(result.keys, (c.text for c in criteria), strict=True))
        clash = [(k, c) for k, c in zip(stored["key"], stored["criterion"], strict=True)
                 if k in mine and c != mine[k]]
        if clash:
            raise ValueError(f"success: {out} holds runs judged by {clash[0][1]!r}, this sweep asks for "
                             f"{mine[clash[0][0]]!r}; use another results file")
    return result


def row_for(plan: Plan, i: int, row: dict[str, Any]) -> dict[str, Any]:
    """A results row: the swept fields' values first, then the run's outcome."""
    return {**{f: getattr(plan.configs[i], f) for f in plan.fields}, **row}


def sweep(base: RunConfig, grid: Mapping[str, Iterable[Any]], success: Criterion | str | None = None,
          executor: str = "local", workers: int | None = None, out: str | Path | None = None,
          on_result: OnResult | None = None, stop: threading.Event | None = None, *,
          max_runs: int = MAX_RUNS, keep_records: bool = False, address: str | None = None) -> pd.DataFrame:
    """Train `base` with every combination of `grid`'s values; one row per run, in grid order.

    success: a Criterion, text like "loss<0.1" or "accuracy>=0.95", or None (the task's default).
    executor: "local" (a process pool of `workers`, default the cores), "ray" (Ray tasks at
    `address` or $RNNVIZ_RAY_ADDRESS, else a local Ray) or "serial" (this process). `out`: a Parquet
    file each finished run is added to at once; runs it already holds are not trained again.
    on_result(row) runs as each run finishes; `stop` ends the sweep, dropping unfinished runs."""
    if executor not in executors.EXECUTORS:
        raise ValueError(f"executor: unknown executor {executor!r}; use {', '.join(executors.EXECUTORS)}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers: must be a positive integer, got {workers!r}")
    p = plan(base, grid, success, out, max_runs, keep_records)
    if executor == "ray":
        executors.import_ray()  # say so before anything else happens
    stored = p.stored.set_index("key", drop=False)
    rows: dict[int, dict[str, Any]] = {i: row_for(p, i, stored.loc[k].to_dict())
                                       for i, k in enumerate(p.keys) if k in stored.index}
    table = p.stored
    todo = p.todo
    work = [(p.configs[i], p.criteria[i]) for i in todo]
    run = executors.EXECUTORS[executor]
    if not work:  # all done already: start no pool and no Ray
        results = iter(())
    elif executor == "ray":
        results = run(work, workers=workers, stop=stop, address=address)
    else:
        results = run(work, workers=workers, stop=stop)
    for j, row in results:
        if row is None:  # stopped before it finished: no row
            continue
        i = todo[j]
        rows[i] = row_for(p, i, row)
        if out is not None and not rows[i]["status"].startswith("error"):  # an error is tried again
            table = pd.concat([table, pd.DataFrame([rows[i]])], ignore_index=True) if len(table) \
                else pd.DataFrame([rows[i]])
            store.save(table, out)
        if on_result is not None:
            on_result(rows[i])
    columns = [*p.fields, *ROW_COLUMNS]
    return pd.DataFrame([rows[i] for i in sorted(rows)], columns=columns)
