"""Limits: this server's caps on one run, made from its Settings, and fitting a run's records in them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rnnviz.app.settings import Settings
from rnnviz.config import FIELDS, RunConfig
from rnnviz.cost import DEFAULT_MACHINE, Machine, record_bytes
from rnnviz.fit import shrink_to_fit
from rnnviz.tasks import make_task

STOP_WITHIN_S = 1.0  # a training step takes at most this long, so Stop acts within about a second
# A text, CSV or sweep results file a student uploads. Run files may be larger: the server-wide cap
# (.streamlit/config.toml maxUploadSize) fits any run this server trains, so a downloaded run opens again.
UPLOAD_MB = 5

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
    max_memory_mb: float = field(default_factory=lambda: Settings().max_run_memory_mb)
    max_seconds: float = field(default_factory=lambda: float(Settings().max_run_s))
    max_step_seconds: float = STOP_WITHIN_S
    machine: Machine = DEFAULT_MACHINE  # the app measures its own once (cost.calibrate)

    @classmethod
    def from_settings(cls, settings: Settings, machine: Machine = DEFAULT_MACHINE) -> Limits:
        return cls(server_ranges(settings), settings.max_records, settings.max_run_mb,
                   settings.max_run_memory_mb, float(settings.max_run_s), STOP_WITHIN_S, machine)

    @classmethod
    def from_env(cls, settings: Settings | None = None, machine: Machine = DEFAULT_MACHINE) -> Limits:
        return cls.from_settings(settings or Settings.from_env(), machine)


def record_every_within(cfg: RunConfig, max_bytes: float) -> int:
    """The smallest record_every >= cfg.record_every whose records fit in `max_bytes` in all."""
    per_record = record_bytes(cfg)
    max_records = max(int(max_bytes // max(per_record, 1)) - 2, 1)  # step 0 and the last step
    return max(cfg.record_every, math.ceil(cfg.steps / max_records))


def fit_limits(cfg: RunConfig, limits: Limits) -> tuple[RunConfig, list[str]]:
    """The one door to training on this server: `cfg` made to fit every limit, and sentences saying
    what changed and why. First its records (how often and how much we look inside), then its
    estimated memory and time as a whole (rnnviz.fit), not field by field. When even the smallest
    version would not fit, the default run (with a notice saying so)."""
    cfg, notices = clamp_ranges(cfg, limits)
    cfg, more = fit_records(cfg, limits)
    task = make_task(cfg)  # built once: its vocabulary sizes the estimate, and shrinking keeps it
    try:
        cfg, cost = shrink_to_fit(cfg, limits.max_memory_mb * 2**20, limits.max_seconds,
                                  limits.max_step_seconds, limits.machine, task)
    except ValueError as err:  # nothing smaller fits (a huge vocabulary): the default run does
        default, more = fit_records(RunConfig(), limits)
        return default, [*notices, f"{err}; using the default settings instead", *more]
    vocabulary = getattr(task, "vocab_note", None)  # a text with too many symbols: capped
    return cfg, notices + more + cost + ([vocabulary] if vocabulary else [])


def clamp_ranges(cfg: RunConfig, limits: Limits) -> tuple[RunConfig, list[str]]:
    """Each bounded field into this server's range, with a notice per change."""
    changes: dict[str, Any] = {}
    notices: list[str] = []
    for name, (low, high) in limits.ranges.items():
        value = getattr(cfg, name, None)
        if value is None or isinstance(value, bool) or low <= value <= high:
            continue
        bound = high if value > high else low
        changes[name] = int(bound) if FIELDS[name].kind == "int" else float(bound)
        notices.append(f"{FIELDS[name].help}: {value:g} is outside this server's range {low:g}–{high:g}; "
                       f"using {changes[name]:g}")
    return (cfg.replace(**changes) if changes else cfg), notices


def fit_records(cfg: RunConfig, limits: Limits) -> tuple[RunConfig, list[str]]:
    """Raise record_every (and shrink the probe batch if need be) so a run's records fit the caps."""
    notices: list[str] = []
    max_bytes = limits.max_record_mb * 2**20
    probe = cfg.probe_size
    while probe > 1 and 3 * record_bytes(cfg.replace(probe_size=probe)) > max_bytes:  # step 0, one, the last
        probe = max(1, probe // 2)
    per_record = record_bytes(cfg.replace(probe_size=probe))
    fitting = max(3, min(limits.max_records, int(max_bytes // per_record)))
    every = record_every_within(cfg.replace(probe_size=probe), fitting * per_record)
    changes: dict[str, Any] = {}
    if probe != cfg.probe_size:
        changes["probe_size"] = probe
        notices.append(f"the example sequences we look inside lowered from {cfg.probe_size} to {probe}, "
                       "so each look inside the model stays small")
    if every != cfg.record_every:
        changes["record_every"] = every
        notices.append(f"we look inside the model every {every} steps instead of every "
                       f"{cfg.record_every}, so the run keeps at most {fitting} looks "
                       f"({limits.max_record_mb:g} MB)")
    return (cfg.replace(**changes) if changes else cfg), notices
