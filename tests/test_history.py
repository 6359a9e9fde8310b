"""Run.history: stored by column, one DataFrame per new step, safe to read while a thread appends."""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pytest

from rnnviz import RunConfig
from rnnviz.history import HISTORY_COLUMNS, StepLog
from rnnviz.run import Run


def row(step: int, **metrics: float) -> dict:
    return {"step": step, "loss": 1.0 / (step + 1), "grad_norm": 2.0 * step, "grad_norm_clipped": 1.0,
            "clipped": step % 2 == 0, **metrics}


def test_history_frame_has_the_columns_and_dtypes_and_the_plain_formula():
    run = Run(config=RunConfig(), metric_names=("accuracy",))
    assert list(run.history.columns) == [*HISTORY_COLUMNS, "accuracy"] and run.history.empty
    rows = [row(s, accuracy=s / 10) for s in range(10)]
    for r in rows:
        run.rows.append(r)
    expected = pd.DataFrame(rows, columns=[*HISTORY_COLUMNS, "accuracy"]).astype({"step": "int64",
                                                                                    "clipped": "bool"})
    pd.testing.assert_frame_equal(run.history, expected)
    assert run.steps_done == 10 and run.rows[-1] == rows[-1] and list(run.rows) == rows
    assert isinstance(run.rows[0]["step"], int) and isinstance(run.rows[0]["clipped"], bool)


def test_frame_is_built_once_per_step():
    run = Run(config=RunConfig(), rows=[row(s) for s in range(3000)])
    first = run.history
    assert run.history is first  # cached: no rebuild while nothing changed
    run.rows.append(row(3000))
    assert run.history is not first and len(run.history) == 3001 and len(first) == 3000
    first.loc[0, "loss"] = -1.0  # a caller's change to an old frame does not reach the log
    assert run.rows[0]["loss"] == 1.0


def test_missing_values_are_nan_and_late_columns_fill_backwards():
    log = StepLog([{"step": 0, "loss": 1.0}])
    log.append({"step": 1, "perplexity": 3.0})
    frame = log.frame(("step", "loss", "perplexity", "never"))
    assert frame["step"].tolist() == [0, 1]
    assert math.isnan(frame["loss"][1]) and math.isnan(frame["perplexity"][0]) and frame["never"].isna().all()
    with pytest.raises(IndexError):
        log[2]
    with pytest.raises(ValueError):
        log.column("step")[0] = 5  # columns are read-only views


def test_snapshot_is_independent_and_equal():
    run = Run(config=RunConfig(), rows=[row(s) for s in range(5)])
    snap = run.snapshot()
    run.rows.append(row(5))
    assert snap.steps_done == 5 and run.steps_done == 6
    assert snap.rows == StepLog([row(s) for s in range(5)]) and snap.rows != run.rows


def test_readers_see_whole_rows_while_a_thread_appends():
    run = Run(config=RunConfig())
    done = threading.Event()

    def trainer() -> None:
        for s in range(20_000):
            run.rows.append(row(s))
        done.set()

    thread = threading.Thread(target=trainer)
    thread.start()
    seen = 0
    while not done.is_set() or seen < 20_000:
        frame = run.snapshot().history
        seen = len(frame)
        steps = frame["step"].to_numpy()
        assert np.array_equal(steps, np.arange(seen))  # no half-written or missing step
        np.testing.assert_array_equal(frame["loss"].to_numpy(), 1.0 / (steps + 1))
    thread.join()
