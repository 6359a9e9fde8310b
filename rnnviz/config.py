"""RunConfig: everything that defines one training run, validated on creation, as plain data."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from rnnviz.cells import CELLS

OPTIMIZERS = ("adam", "sgd", "rmsprop")
INITS = ("default", "orthogonal", "identity", "scaled")
CLIP_MODES = ("norm", "value")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class RunConfig:
    """One run. Task knobs (text, noise, delay, CSV...) live in `task_options`; the task checks them."""

    cell: str = "lstm"
    task: str = "adding"
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = False
    seq_len: int = 50
    batch_size: int = 32
    steps: int = 300
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9               # sgd only; adam and rmsprop use torch's defaults
    clip_norm: float | None = 1.0       # None = clipping off (the toggle)
    clip_mode: str = "norm"             # "norm": rescale the total L2 norm; "value": clamp each element
    recurrent_init: str = "default"     # torch's uniform, or orthogonal, identity (IRNN), scaled
    spectral_radius: float | None = None  # target radius of W_hh for "scaled" (default 1.0 there)
    forget_bias: float | None = None    # LSTM forget-gate bias at init (1.0 helps long memory)
    seed: int = 0
    device: str = "auto"                # "auto" = cuda, then mps, then cpu
    record_every: int = 10              # record at step 0, every N steps, and the last step
    probe_size: int = 8                 # sequences in the fixed probe batch that records look at
    task_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _choice("cell", self.cell, CELLS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("recurrent_init", self.recurrent_init, INITS)
        _choice("clip_mode", self.clip_mode, CLIP_MODES)
        _choice("device", self.device, DEVICES)
        from rnnviz.tasks import TASKS  # tasks import this module's names; import late

        _choice("task", self.task, tuple(TASKS))
        for name, low in (("hidden_size", 1), ("num_layers", 1), ("seq_len", 2), ("batch_size", 1),
                          ("steps", 1), ("record_every", 1), ("probe_size", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name}: must be an integer >= {low}, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ValueError(f"seed: must be an integer, got {self.seed!r}")
        _positive("lr", self.lr)
        if not finite_number(self.momentum) or not 0 <= self.momentum < 1:
            raise ValueError(f"momentum: must be in [0, 1), got {self.momentum!r}")
        for name in ("clip_norm", "spectral_radius"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name))
        if self.forget_bias is not None and not finite_number(self.forget_bias):
            raise ValueError(f"forget_bias: must be a finite number or None, got {self.forget_bias!r}")
        if not isinstance(self.task_options, dict):
            raise ValueError("task_options: must be a dict of the task's knobs")

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["task_options"] = dict(self.task_options)  # a copy: the config stays frozen
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Inverse of to_dict; unknown keys raise a ValueError naming them."""
        if not isinstance(data, dict):
            raise ValueError(f"RunConfig.from_dict: expected a dict, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown RunConfig field(s): {', '.join(unknown)}")
        return cls(**data)


def finite_number(value: Any) -> bool:
    """A real int or float (not a bool), neither inf nor nan."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(name: str, value: Any) -> None:
    if not finite_number(value) or value <= 0:
        raise ValueError(f"{name}: must be a positive number, got {value!r}")


def _choice(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name}: unknown {name} {value!r}; valid values are {', '.join(valid)}")


def record_bytes(cfg: RunConfig, gates: int) -> int:
    """Approximate bytes one Record holds (float32 hidden, gates and cell state on the probe batch)."""
    per_layer = cfg.probe_size * cfg.seq_len * cfg.hidden_size * (2 if cfg.bidirectional else 1)
    arrays = 1 + gates + (1 if cfg.cell == "lstm" else 0)
    return 4 * per_layer * arrays * cfg.num_layers


def record_every_within(cfg: RunConfig, max_bytes: int) -> int:
    """The smallest record_every >= cfg.record_every whose records fit in `max_bytes` in all."""
    per_record = record_bytes(cfg, len(CELLS[cfg.cell].gates))
    max_records = max(int(max_bytes // max(per_record, 1)) - 2, 1)  # step 0 and the last step
    return max(cfg.record_every, math.ceil(cfg.steps / max_records))
