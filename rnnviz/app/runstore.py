"""RunStore: one session's runs, named and bounded (count and memory), the oldest dropped first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnviz.app.job import TrainingJob, outcome
from rnnviz.app.settings import Settings
from rnnviz.run import Run
from rnnviz.runfile import run_from_bytes

Note = tuple[str, str]  # (kind, text): kind is success, info, warning or error, as st.<kind> shows it


def describe(run: Run) -> str:
    """Short label of what a run is: "lstm · adding · clip 1.0"."""
    cfg = run.config
    clip = "clip off" if cfg.clip_norm is None else f"clip {cfg.clip_norm:g}"
    if cfg.clip_norm is not None and cfg.clip_mode == "value":
        clip += " (value)"
    return f"{cfg.cell} · {cfg.task} · {clip}"


def file_name(run: Run) -> str:
    """What a downloaded run file is called: "lstm-adding-3.npz" for run #3."""
    return f"{run.config.cell}-{run.config.task}-{run.name.rsplit('#', 1)[-1]}.npz"


def run_bytes(run: Run) -> int:
    """Approximate memory held by a run's recorded arrays and history."""
    total = 0
    for record in run.records:
        arrays = [*record.hidden, *record.cell_state, record.grad_by_time,
                  *(v for layer in record.gates for v in layer.values()), *record.eigenvalues.values()]
        if record.grad_by_time_total is not None:
            arrays.append(record.grad_by_time_total)
        if record.decoder_hidden is not None:  # seq2seq: the decoder's side, and attention
            arrays += [*record.decoder_hidden, *(record.decoder_cell_state or []), record.attention,
                       *(v for layer in record.decoder_gates or [] for v in layer.values())]
        total += sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return total + 64 * len(run.rows) * (5 + len(run.metric_names))


@dataclass
class RunStore:
    """Runs by name, oldest first, with a current one; add() drops the oldest beyond the caps."""

    max_runs: int = 6
    max_mb: float = 200.0
    runs: dict[str, Run] = field(default_factory=dict)
    current: str | None = None
    counter: int = 0
    pinned: set[str] = field(default_factory=set)  # never dropped by the caps

    @classmethod
    def from_env(cls) -> RunStore:
        """Caps from RNNVIZ_MAX_RUNS and RNNVIZ_MAX_SESSION_MB."""
        settings = Settings.from_env()
        return cls(max_runs=settings.max_runs, max_mb=settings.max_session_mb)

    def add(self, run: Run, label: str = "") -> list[str]:
        """Name `run` (label or its description, then "#n"), keep it, make it current.

        Returns the names of runs dropped to stay within the caps: the oldest unpinned first; the
        newest and pinned runs are always kept."""
        self.counter += 1
        run.name = f"{label or describe(run)} · #{self.counter}"
        self.runs[run.name] = run
        self.current = run.name
        dropped = []
        while len(self.runs) > self.max_runs or self.total_mb() > self.max_mb:
            oldest = next((n for n in self.runs if n not in self.pinned and n != run.name), None)
            if oldest is None:
                break
            del self.runs[oldest]
            dropped.append(oldest)
        return dropped

    def pin(self, name: str, on: bool = True) -> bool:
        """Keep `name` whatever the caps (on) or let it go again; False when pinning is refused:
        at most max_runs - 1 pinned runs, so a new run always has room."""
        if not on or name not in self.runs:
            self.pinned.discard(name)
            return not on
        if name not in self.pinned and len(self.pinned) >= self.max_runs - 1:
            return False
        self.pinned.add(name)
        return True

    def comparable(self, limit: int = 3) -> list[str]:
        """The current run and the newest others on the same task and sequence length (what
        Compare picks by default): at most `limit` names, current first."""
        run = self.current_run()
        if run is None:
            return []
        same = [n for n in self.names() if n != run.name and self.runs[n].config.task == run.config.task
                and self.runs[n].config.seq_len == run.config.seq_len]
        return [run.name, *same][:limit]

    def collect(self, job: TrainingJob, compare_with: str | None = None) -> tuple[list[Note], list[str]]:
        """Keep a finished job's run: what to tell the user, and the runs to compare now (or [])."""
        run = job.run
        dropped = self.add(run, job.label) if run is not None and run.rows else []
        notes = outcome(job, run.name if run else "")
        if dropped:
            notes.append(("info", f"This session keeps at most {self.max_runs} runs ({self.max_mb:g} MB): "
                                  f"dropped the oldest — {', '.join(dropped)}. Download runs you want to "
                                  "keep."))
        kept = run is not None and run.name in self.runs
        return notes, [compare_with, run.name] if kept and compare_with in self.runs else []

    def open_file(self, file_name: str, data: bytes) -> Note:
        """Keep the run in an uploaded run file; a bad file is an error and nothing else changes."""
        try:
            run = run_from_bytes(data)
        except ValueError as err:
            return "error", (f"{file_name} is not a run file rnnviz can read ({err}). Save runs with the "
                             "Download button or `python -m rnnviz train --out run.npz`.")
        dropped = self.add(run, f"{file_name} · {run.config.cell} · {run.config.task}")
        return "success", f"Opened {run.name}." + (f" Dropped the oldest: {', '.join(dropped)}." if dropped
                                                   else "")

    def total_mb(self) -> float:
        return sum(run_bytes(r) for r in self.runs.values()) / 2**20

    def names(self) -> list[str]:
        """Newest first, as a picker lists them."""
        return list(reversed(self.runs))

    def get(self, name: str | None) -> Run | None:
        return self.runs.get(name) if name is not None else None

    def select(self, name: str) -> None:
        if name in self.runs:
            self.current = name

    def remove(self, name: str) -> None:
        self.runs.pop(name, None)
        self.pinned.discard(name)
        if self.current == name:
            self.current = next(reversed(self.runs), None)

    def current_run(self) -> Run | None:
        if self.current not in self.runs:
            self.current = next(reversed(self.runs), None)
        return self.get(self.current)

    def __len__(self) -> int:
        return len(self.runs)
