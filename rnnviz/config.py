"""RunConfig: everything that defines one training run, validated on creation, as plain data.

FIELDS defines each field once (kind, choices, hard bounds, help, how text parses); RunConfig,
the command line, links and the app's form and limits all read it. Imports point one way: the
registries (cells, tasks) know nothing of the config; the config checks names against them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from rnnviz.cells import CELLS
from rnnviz.scalars import finite_number, is_none_word, parse_bool, parse_number, plain
from rnnviz.tasks import TASKS

OPTIMIZERS = ("adam", "sgd", "rmsprop")
INITS = ("default", "orthogonal", "identity", "scaled")
CLIP_MODES = ("norm", "value")
DEVICES = ("auto", "cpu", "cuda", "mps")
ATTENTIONS = ("none", "additive", "dot")  # seq2seq tasks: Bahdanau et al. 2015, Luong et al. 2015
CLIP_NORM_ON = 1.0  # the threshold clipping comes back on at (the default, and every "clipping on")
MAX_SEED = 2**63 - 1  # an int64 (numpy, a run file); train() seeds torch with seed + 0..6 < 2**64


@dataclass(frozen=True)
class FieldSpec:
    """One RunConfig field: what it holds, its hard bounds and help, and how text becomes a value."""

    name: str
    kind: str                              # "int", "float", "bool" or "choice"
    help: str
    choices: tuple[str, ...] = ()          # "choice": the valid names
    low: float | None = None               # hard bounds, checked by RunConfig itself
    high: float | None = None
    low_open: bool = False                 # low itself is not allowed (lr > 0)
    high_open: bool = False
    none_means: str | None = None          # None is allowed, and this is what it means
    usual: tuple[float, float] | None = None  # the range the app's widgets offer, within the bounds

    def describe(self) -> str:
        """What a valid value looks like, in words: "a number above 0 and at most 100"."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "int":
            text = f"an integer from {_num(self.low)} to {_num(self.high)}"
        else:
            low = f"{'above' if self.low_open else 'at least'} {_num(self.low)}"
            high = f"{'below' if self.high_open else 'at most'} {_num(self.high)}"
            text = f"a number {low} and {high}"
        return text + (f", or none ({self.none_means})" if self.none_means is not None else "")

    def parse(self, text: str) -> Any:
        """The value that `text` (from a link or the command line) means; ValueError says what is valid.

        Bounds are not checked here (RunConfig does): a link's too-large value can still be clamped."""
        if self.kind == "choice":
            if text not in self.choices:
                raise ValueError(f"must be one of {', '.join(self.choices)}")
            return text
        if self.kind == "bool":
            return parse_bool(text)
        if self.none_means is not None and is_none_word(text):
            return None
        try:
            return parse_number(text, integer=self.kind == "int")
        except ValueError as err:
            extra = " or none" if self.none_means is not None and str(err) == "must be a number" else ""
            raise ValueError(f"{err}{extra}") from None

    def check(self, value: Any) -> Any:
        """`value` as a plain Python value of this field, or a ValueError that starts with the name."""
        value = plain(value)
        if value is None and self.none_means is not None:
            return None
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{self.name}: unknown {self.name} {value!r}; valid values are "
                                 f"{', '.join(self.choices)}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{self.name}: must be true or false, got {value!r}")
            return value
        ok = finite_number(value) and (self.kind == "float" or isinstance(value, int))
        if ok and self.low is not None:
            ok = value > self.low if self.low_open else value >= self.low
        if ok and self.high is not None:
            ok = value < self.high if self.high_open else value <= self.high
        if not ok:
            raise ValueError(f"{self.name}: must be {self.describe()}, got {value!r}")
        return float(value) if self.kind == "float" else value


def _num(x: float | None) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


# Hard bounds: generous for a notebook or a GPU, yet each one keeps the numbers finite and the
# sizes addressable (the server's Settings cap sizes far lower; see rnnviz.app.limits).
FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    FieldSpec("cell", "choice", "recurrent cell", choices=tuple(CELLS)),
    FieldSpec("task", "choice", "sequence task (see `python -m rnnviz tasks`)", choices=tuple(TASKS)),
    FieldSpec("hidden_size", "int", "hidden units per layer and direction", low=1, high=4096),
    FieldSpec("num_layers", "int", "stacked recurrent layers", low=1, high=16),
    FieldSpec("bidirectional", "bool", "also read each sequence backwards"),
    FieldSpec("seq_len", "int", "time steps per sequence", low=2, high=10_000),
    FieldSpec("batch_size", "int", "sequences per training batch", low=1, high=4096),
    FieldSpec("steps", "int", "optimizer steps", low=1, high=1_000_000),
    FieldSpec("optimizer", "choice", "optimizer", choices=OPTIMIZERS),
    FieldSpec("lr", "float", "learning rate", low=0, high=100, low_open=True, usual=(1e-5, 10.0)),
    FieldSpec("momentum", "float", "SGD / RMSprop momentum (Adam ignores it)", low=0, high=1,
              high_open=True, usual=(0.0, 0.99)),
    FieldSpec("clip_norm", "float", "gradient clipping threshold", low=0, high=1e6, low_open=True,
              none_means="clipping off", usual=(1e-3, 1e3)),
    FieldSpec("clip_mode", "choice", "norm: rescale the total L2 norm; value: clamp each element",
              choices=CLIP_MODES),
    FieldSpec("recurrent_init", "choice", "initialisation of the recurrent weights W_hh", choices=INITS),
    # 100^T overflows float32 within ~20 steps anyway; 1e308 made W_hh itself inf (a LAPACK crash)
    FieldSpec("spectral_radius", "float", "target spectral radius of W_hh for recurrent_init scaled",
              low=0, high=100, low_open=True, none_means="radius 1.0", usual=(0.05, 10.0)),
    FieldSpec("forget_bias", "float", "LSTM forget-gate bias at init", low=-100, high=100,
              none_means="torch's default", usual=(-10.0, 10.0)),
    FieldSpec("seed", "int", "random seed: the same seed gives the same run", low=0, high=MAX_SEED,
              usual=(0, 2**31 - 1)),  # a number box: any seed a person types
    FieldSpec("device", "choice", "auto = cuda, then mps, then cpu", choices=DEVICES),
    FieldSpec("record_every", "int", "look inside the model every N steps (and at the first and last)",
              low=1, high=1_000_000, usual=(1, 10_000)),  # >= any steps the server allows
    FieldSpec("probe_size", "int", "sequences in the fixed probe batch the records look at",
              low=1, high=1024),
    FieldSpec("dropout", "float", "share of units zeroed while training, between stacked layers and "
              "before the output layer (0 = off; never in records or validation)", low=0, high=0.9),
    FieldSpec("attention", "choice", "seq2seq tasks: how the decoder looks back at the encoder "
              "(none: only through its final state)", choices=ATTENTIONS),
    FieldSpec("teacher_forcing", "float", "seq2seq tasks: share of training steps at which the decoder "
              "reads the true previous token instead of its own guess", low=0, high=1),
)}


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
    clip_norm: float | None = CLIP_NORM_ON  # None = clipping off (the toggle)
    clip_mode: str = "norm"             # "norm": rescale the total L2 norm; "value": clamp each element
    recurrent_init: str = "default"     # torch's uniform, or orthogonal, identity (IRNN), scaled
    spectral_radius: float | None = None  # target radius of W_hh for "scaled" (default 1.0 there)
    forget_bias: float | None = None    # LSTM forget-gate bias at init (1.0 helps long memory)
    seed: int = 0
    device: str = "auto"                # "auto" = cuda, then mps, then cpu
    record_every: int = 10              # record at step 0, every N steps, and the last step
    probe_size: int = 8                 # sequences in the fixed probe batch that records look at
    dropout: float = 0.0                # training only: between layers and before the head
    attention: str = "none"             # seq2seq tasks only: "none", "additive" (Bahdanau), "dot" (Luong)
    teacher_forcing: float = 1.0        # seq2seq tasks only: chance of feeding the true previous token
    task_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in FIELDS.items():  # also turns numpy scalars (from a run file) into Python's
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        if not isinstance(self.task_options, dict):
            raise ValueError("task_options: must be a dict of the task's knobs")
        object.__setattr__(self, "task_options", {k: plain(v) for k, v in self.task_options.items()})

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
