"""SweepJob: a sweep in a background thread on the app's shared trainers, one run at a time.

Each run queues for a trainer like a single run does and gives it back when it ends, so a sweep
never holds a trainer longer than one run: single runs of other students interleave with it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from rnnviz.app.escape import problem
from rnnviz.app.job import BackgroundJob
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots
from rnnviz.cost import DEFAULT_MACHINE, Machine, estimate
from rnnviz.run import Run
from rnnviz.sweeps.runner import ROW_COLUMNS, row_of
from rnnviz.sweeps.sweep import Plan, row_for
from rnnviz.train import train

log = logging.getLogger(__name__)


class SweepJob(BackgroundJob):
    """Train every run of `plan` in turn. States: queued, training, finished, stopped, error.

    It stops when nobody has watched it for `settings.abandon_s` (heartbeat() or `alive()`); a run
    that reaches `settings.max_run_s` is stopped and left out of the table (`timed_out` counts)."""

    def __init__(self, plan: Plan, slots: TrainerSlots, settings: Settings | None = None,
                 alive: Callable[[], bool] | None = None, machine: Machine = DEFAULT_MACHINE,
                 train_fn: Callable[..., Run] = train):
        settings = settings or Settings.from_env()
        self.plan, self.slots, self._alive, self._train = plan, slots, alive, train_fn
        self.rows: list[dict[str, Any]] = []   # appended as runs finish; the page reads it
        self.state = "queued"
        self.ahead = 0
        self.current: int | None = None        # index in plan.configs of the run training now
        self.timed_out = 0
        self.error: str | None = None
        self.stop_event = threading.Event()
        self._run_stop = threading.Event()
        self.abandon_after_s, self.max_run_s = float(settings.abandon_s), float(settings.max_run_s)
        self.seconds = [estimate(c, machine=machine).total_seconds for c in plan.configs]
        self._seen = time.monotonic()
        self._run_started: float | None = None
        self._thread = threading.Thread(target=self._work, name="rnnviz-sweep", daemon=True)

    def stop(self) -> None:
        """End the sweep: the run training now is dropped, the finished ones are kept."""
        self.stop_event.set()
        self._run_stop.set()

    @property
    def total(self) -> int:
        return len(self.plan.configs)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=[*self.plan.fields, *ROW_COLUMNS])

    def remaining_s(self) -> float:
        """Estimated seconds of training left for the run now training (for the queue's waits)."""
        if self.current is None or self._run_started is None:
            return 0.0
        return max(0.0, self.seconds[self.current] - (time.monotonic() - self._run_started))

    def _watched(self, run: Run | None = None) -> None:
        now = time.monotonic()
        if self._alive is not None and self._alive():
            self._seen = now
        if now - self._seen > self.abandon_after_s:
            self.stop()  # the tab was closed: give the trainers to someone else
        if self._run_started is not None and now - self._run_started > self.max_run_s:
            self._run_stop.set()  # one run may not hold a trainer longer than this

    def _on_wait(self, ahead: int) -> None:
        self.ahead = ahead
        self._watched()

    def _work(self) -> None:
        try:
            for i in self.plan.todo:
                with self.slots.hold(on_wait=self._on_wait, stop=self.stop_event,
                                     estimate=self.remaining_s) as held:
                    if not held:
                        break
                    self.state, self.current = "training", i
                    self._run_stop.clear()
                    self._run_started = started = time.monotonic()
                    run = self._train(self.plan.configs[i], stop=self._run_stop, on_progress=self._watched,
                                      progress_every_s=0.2)
                    self._run_started = None
                if self.stop_event.is_set():
                    break
                if run.status == "stopped":  # the per-run time cap: no row for a cut-short run
                    self.timed_out += 1
                    continue
                row = row_of(run, self.plan.criteria[i], time.monotonic() - started)
                self.rows.append(row_for(self.plan, i, row))
            self.state = "stopped" if self.stop_event.is_set() else "finished"
        except Exception as err:  # a failed sweep must be reported; its finished rows are kept
            log.exception("sweep failed")
            self.error, self.state = problem(err), "error"
        finally:
            self.current = None
