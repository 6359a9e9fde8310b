"""Limits: this server's caps on one run, made from its Settings, and fitting a run's records in them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rnnviz.app.settings import Settings
from rnnviz.cells import CELLS
from rnnviz.config import FIELDS, RunConfig

# field -> the Settings attribute that caps it on this server (its size costs memory and time)
CAPS = {"hidden_size": "max_hidden", "num_layers": "max_layers", "seq_len": "max_seq_len",
        "batch_size": "max_batch", "steps": "max_steps", "probe_size": "max_probe"}


def server_ranges(settings: Settings) -> dict[str, tuple[float, float]]:
    """(low, high) of every numeric field here: the field's usual range or hard bounds, capped by
    `settings`. A link's value above it is clamped; the form's widgets offer it."""
    ranges: dict[str, tuple[float, float]] = {}
    for name, spec in FIELDS.items():
        if spec.kind not in ("int", "float"):
            continue
        low, high = spec.usual or (spec.low, spec.high)
        if name in CAPS:
            high = min(high, getattr(settings, CAPS[name]))
        ranges[name] = (low, high)
    return ranges


@dataclass(frozen=True)
class Limits:
    """This server's caps on one run, so one student cannot take the machine (env RNNVIZ_MAX_*).

    The defaults are Settings' defaults: Settings is the one home of the server's numbers."""

    ranges: Mapping[str, tuple[float, float]] = field(default_factory=lambda: server_ranges(Settings()))
    max_records: int = field(default_factory=lambda: Settings().max_records)
    max_record_mb: float = field(default_factory=lambda: Settings().max_run_mb)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(server_ranges(settings), settings.max_records, settings.max_run_mb)

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> Limits:
        return cls.from_settings(settings or Settings.from_env())


def record_bytes(cfg: RunConfig, gates: int) -> int:
    """Approximate bytes one Record holds (float32 hidden, gates and cell state on the probe batch)."""
    per_layer = cfg.probe_size * cfg.seq_len * cfg.hidden_size * (2 if cfg.bidirectional else 1)
    arrays = 1 + gates + (1 if cfg.cell == "lstm" else 0)
    return 4 * per_layer * arrays * cfg.num_layers


def record_every_within(cfg: RunConfig, max_bytes: float) -> int:
    """The smallest record_every >= cfg.record_every whose records fit in `max_bytes` in all."""
    per_record = record_bytes(cfg, len(CELLS[cfg.cell].gates))
    max_records = max(int(max_bytes // max(per_record, 1)) - 2, 1)  # step 0 and the last step
    return max(cfg.record_every, math.ceil(cfg.steps / max_records))


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
