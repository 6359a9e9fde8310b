"""TrainingJob: one training in a background thread, queued for a shared trainer slot.

The page polls the job; its Run fills while training. Nothing a job does can raise into the
caller: an exception inside becomes `job.error`."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

import torch

from rnnviz.app.escape import problem
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots
from rnnviz.config import RunConfig
from rnnviz.run import Run
from rnnviz.train import train

log = logging.getLogger(__name__)


@functools.cache
def configure_torch() -> int:
    """Set torch's intra-op threads once per process (RNNVIZ_TORCH_THREADS, default 1).

    Our models are small (hidden <= 256): one thread per trainer is as fast as several, and
    with RNNVIZ_MAX_TRAINERS trainings at once more threads only fight over the same cores
    and the server threads that draw the pages. Measured on 2 shared, busy cores with the
    default config: 1 thread 120-300 steps/s, 2 threads 3-29 steps/s."""
    threads = Settings.from_env().torch_threads
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed before any inter-op work; then keep torch's choice
        pass
    return threads


@dataclass(frozen=True)
class Progress:
    steps_done: int
    steps: int
    elapsed_s: float   # since the job got a trainer

    @property
    def fraction(self) -> float:
        return min(1.0, self.steps_done / max(self.steps, 1))

    @property
    def steps_per_s(self) -> float:
        return self.steps_done / self.elapsed_s if self.elapsed_s > 0 else 0.0


class BackgroundJob:
    """Work done in a daemon thread (`self._thread`, running the subclass's `_work`), queued then
    training, then done in a final state; pages say they still watch it with heartbeat()."""

    state: str
    _thread: threading.Thread
    _seen: float

    def start(self) -> Self:
        self._thread.start()
        return self

    def heartbeat(self) -> None:
        """A page is still watching this job."""
        self._seen = time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done

    @property
    def done(self) -> bool:
        return self.state not in ("queued", "training")


class TrainingJob(BackgroundJob):
    """Train `config` in a daemon thread once `slots` gives it a trainer.

    States: queued, training, finished, stopped, diverged, error. It stops itself after
    `settings.max_run_s` of training, or when nobody has watched it for `settings.abandon_s`:
    watched means a page called heartbeat(), or `alive()` (the app: is the tab's connection
    still open?) said so."""

    def __init__(self, config: RunConfig, slots: TrainerSlots, label: str = "",
                 settings: Settings | None = None, alive: Callable[[], bool] | None = None,
                 train_fn: Callable[..., Run] = train):
        settings = settings or Settings.from_env()
        self.config = config
        self.label = label                # name for the run in the session's store
        self.state = "queued"
        self.ahead = 0
        self.timed_out = False            # stopped by the server's wall-time cap
        self.error: str | None = None
        self.run: Run | None = None       # the Run being filled (set by the trainer's callbacks)
        self.stop_event = threading.Event()
        self.slots = slots
        self.abandon_after_s = float(settings.abandon_s)
        self.max_run_s = float(settings.max_run_s)
        self._alive = alive
        self._train = train_fn
        self._started_at: float | None = None
        self._seen = time.monotonic()
        self._thread = threading.Thread(target=self._work, name="rnnviz-train", daemon=True)

    def stop(self) -> None:
        """Ask the run to end; what it has trained so far is kept."""
        self.stop_event.set()

    @property
    def status(self) -> str:
        if self.state == "queued":
            return f"waiting for a free trainer — {self.ahead} ahead" if self.ahead else \
                "waiting for a free trainer — next in line"
        if self.state == "error":
            return f"error: {self.error}"
        if self.state == "training":
            return "training"
        return self.run.status if self.run is not None else self.state

    def progress(self) -> Progress:
        run = self.run
        started = self._started_at
        elapsed = 0.0 if started is None else time.monotonic() - started
        return Progress(run.steps_done if run else 0, self.config.steps, elapsed)

    def remaining_s(self) -> float:
        """Seconds this job still needs once it trains: from its own speed while training, else
        (queued, or no step yet) the wall-time cap, which bounds every run."""
        if self.done:
            return 0.0
        p = self.progress()
        left = self.max_run_s - p.elapsed_s
        if self.state == "training" and p.steps_per_s > 0:
            left = min(left, (p.steps - p.steps_done) / p.steps_per_s)
        return max(0.0, left)

    def expected_wait_s(self) -> float:
        """While queued: seconds until a trainer should be free for this job."""
        return self.slots.expected_wait_s(self.ahead) if self.state == "queued" else 0.0

    def snapshot(self) -> Run | None:
        """A copy of the Run safe to draw while the trainer keeps appending to the original."""
        run = self.run
        if run is None:
            return None
        return run.snapshot()

    def _watched(self, run: Run | None = None) -> None:
        if run is not None:
            self.run = run
        now = time.monotonic()
        if self._alive is not None and self._alive():
            self._seen = now
        if now - self._seen > self.abandon_after_s:
            self.stop_event.set()  # the tab was closed: give the trainer to someone else
        if self._started_at is not None and now - self._started_at > self.max_run_s:
            self.timed_out = True
            self.stop_event.set()  # one run may not hold a trainer longer than this

    def _on_wait(self, ahead: int) -> None:
        self.ahead = ahead
        self._watched()

    def _work(self) -> None:
        try:
            with self.slots.hold(on_wait=self._on_wait, stop=self.stop_event,
                                 estimate=self.remaining_s) as held:
                if not held:
                    self.state = "stopped"
                    return
                self.state, self._started_at = "training", time.monotonic()
                run = self._train(self.config, on_record=self._watched, stop=self.stop_event,
                                  on_progress=self._watched, progress_every_s=0.2)
                self.run = run
            self.state = ("diverged" if run.diverged else run.status
                          if run.status in ("finished", "stopped") else "finished")
        except Exception as err:  # a failed run must be reported, never lost
            log.exception("training failed")
            self.error = problem(err)  # the first line; the log has the rest
            self.state = "error"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def panel_line(job: TrainingJob) -> tuple[float | None, str]:
    """The live panel's line: (None, the queue place and expected wait) while queued, else
    (fraction done, progress)."""
    if job.state == "queued":
        return None, (f"⏳ {job.status.capitalize()}: expected wait about "
                      f"{_duration(job.expected_wait_s())} (from the running trainings' progress). "
                      f"This server trains {job.slots.capacity} runs at once, in order of arrival, "
                      f"each for at most {_duration(job.max_run_s)}.")
    p = job.progress()
    return p.fraction, (f"Training {job.config.cell} on {job.config.task}: step {p.steps_done} / {p.steps} "
                        f"· {p.steps_per_s:.0f} steps/s")


def outcome(job: TrainingJob, run_name: str = "") -> list[tuple[str, str]]:
    """What to tell the user about a finished job: (kind, text) with kind success/info/warning/error."""
    run = job.run
    notes = []
    if job.state == "error":
        notes.append(("error", f"Training failed: {job.error}. Check the settings on the Train page "
                               "and try again."))
    if run is None or not run.rows:
        return notes or [("info", "The run stopped before its first step: nothing to keep.")]
    if run.diverged:
        notes.append(("warning", f"{run_name} {run.status}: the loss or gradient became inf/nan. Turn "
                                 "gradient clipping on (or lower the learning rate) and train again."))
    elif job.timed_out:
        notes.append(("info", f"{run_name}: stopped at this server's limit of {_duration(job.max_run_s)} "
                              f"per run, after {run.steps_done} steps: fewer steps train within it."))
    elif job.state != "error":
        notes.append(("success", f"{run_name}: {run.status} after {run.steps_done} steps in "
                                 f"{run.elapsed_s:.1f} s."))
    return notes
