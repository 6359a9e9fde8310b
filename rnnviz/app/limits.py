"""Limits: this server's caps on one run, and fitting a config's records within them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnnviz.app.settings import Settings
from rnnviz.cells import CELLS
from rnnviz.config import RunConfig, record_bytes, record_every_within


@dataclass(frozen=True)
class Limits:
    """This server's caps on one run, so one student cannot take the machine (env RNNVIZ_MAX_*)."""

    ranges: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "hidden_size": (1, 256), "num_layers": (1, 4), "seq_len": (2, 400), "batch_size": (1, 256),
        "steps": (1, 3000), "record_every": (1, 1000), "probe_size": (1, 32), "seed": (0, 2**31 - 1),
        "lr": (1e-5, 10.0), "momentum": (0.0, 0.99), "clip_norm": (1e-3, 1e3),
        "spectral_radius": (0.05, 10.0), "forget_bias": (-10.0, 10.0)})
    max_records: int = 101       # looks inside the model per run
    max_record_mb: float = 48.0  # recorded float32 arrays per run

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> Limits:
        settings = settings or Settings.from_env()
        ranges = {**cls().ranges, "steps": (1, settings.max_steps), "hidden_size": (1, settings.max_hidden)}
        return cls(ranges=ranges, max_records=settings.max_records, max_record_mb=settings.max_run_mb)


def fit_limits(cfg: RunConfig, limits: Limits) -> tuple[RunConfig, list[str]]:
    """Raise record_every (and shrink the probe batch if need be) so a run's records fit the caps."""
    notices: list[str] = []
    max_bytes = limits.max_record_mb * 2**20
    per_probe = record_bytes(cfg.replace(probe_size=1), len(CELLS[cfg.cell].gates))  # one probe sequence
    probe = cfg.probe_size
    while probe > 1 and 3 * probe * per_probe > max_bytes:  # step 0, one record and the last
        probe = max(1, probe // 2)
    fitting = max(3, min(limits.max_records, int(max_bytes // (probe * per_probe))))
    every = record_every_within(cfg.replace(probe_size=probe), fitting * probe * per_probe)
    changes: dict[str, Any] = {}
    if probe != cfg.probe_size:
        changes["probe_size"] = probe
        notices.append(f"probe_size: lowered to {probe} so a look inside the model stays small")
    if every != cfg.record_every:
        changes["record_every"] = every
        notices.append(f"record_every: raised to {every} so the run keeps at most {fitting} looks "
                       f"inside the model ({limits.max_record_mb:g} MB)")
    return (cfg.replace(**changes) if changes else cfg), notices
