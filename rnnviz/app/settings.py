"""Settings: every server setting, read from the environment in one place.

A missing, unreadable or too small value gives the default: a typo never stops the server."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from rnnviz.scalars import TRUE_WORDS

# field -> (environment variable, smallest allowed value)
ENV = {
    "max_trainers": ("RNNVIZ_MAX_TRAINERS", 1),
    "torch_threads": ("RNNVIZ_TORCH_THREADS", 1),
    "abandon_s": ("RNNVIZ_ABANDON_S", 1),
    "max_run_s": ("RNNVIZ_MAX_RUN_S", 1),
    "max_runs": ("RNNVIZ_MAX_RUNS", 1),
    "max_session_mb": ("RNNVIZ_MAX_SESSION_MB", 1),
    "max_steps": ("RNNVIZ_MAX_STEPS", 1),
    "max_hidden": ("RNNVIZ_MAX_HIDDEN", 1),
    "max_layers": ("RNNVIZ_MAX_LAYERS", 1),
    "max_seq_len": ("RNNVIZ_MAX_SEQ_LEN", 2),
    "max_batch": ("RNNVIZ_MAX_BATCH", 1),
    "max_probe": ("RNNVIZ_MAX_PROBE", 1),
    "max_records": ("RNNVIZ_MAX_RECORDS", 3),
    "max_run_mb": ("RNNVIZ_MAX_RUN_MB", 1),
    "max_run_memory_mb": ("RNNVIZ_MAX_RUN_MEMORY_MB", 50),
    "max_sweep_runs": ("RNNVIZ_MAX_SWEEP_RUNS", 1),
    "max_sweep_s": ("RNNVIZ_MAX_SWEEP_S", 1),
}


@dataclass(frozen=True)
class Settings:
    """This server's settings (env RNNVIZ_*); the defaults suit a small shared machine."""

    max_trainers: int = 2          # trainings at once, all sessions together; the rest queue
    torch_threads: int = 1         # torch intra-op threads per process (see job.configure_torch)
    abandon_s: int = 30            # a job whose tab is gone this long stops itself (see job.py)
    max_run_s: int = 180           # wall time of one run once it has a trainer; then it stops
    max_runs: int = 6              # runs one session keeps; the oldest are dropped
    max_session_mb: float = 200.0  # recorded data one session keeps, all its runs together
    max_steps: int = 3000          # training steps of one run
    max_hidden: int = 256          # hidden size of one run
    max_layers: int = 4            # stacked layers of one run
    max_seq_len: int = 400         # sequence length of one run
    max_batch: int = 256           # batch size of one run
    max_probe: int = 32            # probe sequences one record looks at
    max_records: int = 101         # looks inside the model per run (record_every is raised to fit)
    max_run_mb: float = 48.0       # recorded float32 arrays per run
    # Estimated peak memory of one training (rnnviz.cost): two trainers, ~0.4 GB of process and
    # the sessions' runs stay within a 2.7 GB Community Cloud app.
    max_run_memory_mb: float = 600.0
    # A sweep on the Sweep page: its runs queue for the trainers one at a time, like single runs,
    # so it never holds a trainer longer than one run; these cap its size and its estimated time.
    max_sweep_runs: int = 40       # runs in one sweep
    max_sweep_s: int = 1200        # estimated training seconds of one sweep, all its runs together
    debug: bool = False            # RNNVIZ_DEBUG=1/true/yes/on: page errors raise, not a short message

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = cls()
        values = {name: _read(env, var, getattr(default, name), low) for name, (var, low) in ENV.items()}
        # anything but a true word ("0", "off", "", a typo) leaves debug off: a safe server
        debug = env.get("RNNVIZ_DEBUG", "").strip().lower() in TRUE_WORDS
        return cls(**values, debug=debug)


def _read(env: Mapping[str, str], var: str, default: int | float, low: int) -> int | float:
    """env[var] typed like `default`, if it is a finite number >= `low`; else `default`."""
    try:
        value = type(default)(env.get(var, default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= low else default
