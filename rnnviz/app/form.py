"""The Train form as data: each config field's widget, when it is drawn, and what its values make.

ui.py draws what this describes; everything decided here is plain Python, tested without a page.
Widgets are keyed "w.<field>" and "w.opt.<task>.<option>"."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from rnnviz.app.inputs import check_config, numeric_columns
from rnnviz.app.limits import Limits, fit_limits
from rnnviz.cells import CELLS
from rnnviz.config import CLIP_NORM_ON, FIELDS, RunConfig
from rnnviz.tasks import TASKS, Option

TASKS_WITH_DATA = ("chars", "words", "csv")  # their Task settings start open: the text or CSV is there
UPLOADS = {"text": ("txt", "text"), "csv": ("csv", "CSV"),  # option -> (file type, what it is called)
           "texts": ("csv", "CSV of texts and labels")}


@dataclass(frozen=True)
class Field:
    """One widget of the form. `widget` names the streamlit function that draws it."""

    name: str
    widget: str
    label: str
    options: tuple[Any, ...] | None = None  # a choice widget's options (device: this machine's)
    when: Callable[[Mapping[str, Any]], bool] | None = None  # drawn only if true of the values so far
    otherwise: str = "none"  # value where `when` is false: None, the "widget"'s last, or the "config"'s
    hidden_by: tuple[str, ...] = ()  # `hide=` names besides its own that hide it
    kwargs: Mapping[str, Any] = field(default_factory=dict)  # more arguments of the widget


def _clipping(values: Mapping[str, Any]) -> bool:
    return values["clip_on"]


def _seq2seq(values: Mapping[str, Any]) -> bool:
    return TASKS[values["task"]].kind == "seq2seq"


FORM = {f.name: f for f in (
    Field("cell", "segmented_control", "Cell", tuple(CELLS),
          kwargs={"format_func": lambda c: CELLS[c].display_name, "required": True}),
    Field("task", "selectbox", "Task", tuple(TASKS), kwargs={"format_func": lambda t: TASKS[t].title}),
    Field("hidden_size", "slider", "Hidden size"),
    Field("seq_len", "slider", "Sequence length"),
    Field("steps", "slider", "Training steps"),
    Field("recurrent_init", "selectbox", "Recurrent init", FIELDS["recurrent_init"].choices,
          kwargs={"help": "W_hh at step 0: torch's uniform, orthogonal, identity (IRNN), or scaled to a "
                          "spectral radius"}),
    Field("optimizer", "selectbox", "Optimizer", FIELDS["optimizer"].choices),
    Field("num_layers", "slider", "Layers"),
    Field("batch_size", "slider", "Batch size"),
    Field("lr", "number_input", "Learning rate", kwargs={"format": "%g"}),
    Field("seed", "number_input", "Seed", kwargs={"step": 1}),
    Field("device", "selectbox", "Device"),
    Field("spectral_radius", "slider", "Spectral radius of W_hh",
          when=lambda v: v["recurrent_init"] == "scaled"),
    Field("momentum", "slider", "Momentum", when=lambda v: v["optimizer"] != "adam", otherwise="widget"),
    Field("forget_bias", "number_input", "LSTM forget-gate bias at init", when=lambda v: v["cell"] == "lstm",
          kwargs={"placeholder": "torch default"}),
    Field("bidirectional", "toggle", "Bidirectional"),
    Field("dropout", "slider", "Dropout", kwargs={
        "step": 0.05, "help": "While training, zero this share of units at random, between stacked "
                              "layers and before the output layer: a regulariser against memorising. "
                              "Off in the records and on validation data."}),
    Field("clip_on", "toggle", "Gradient clipping", hidden_by=("clip", "clip_norm"),
          kwargs={"help": "Rescale (norm) or clamp (value) the gradient before each step."}),
    Field("clip_norm", "number_input", "Max norm", when=_clipping, hidden_by=("clip",),
          kwargs={"format": "%g"}),
    Field("clip_mode", "segmented_control", "Clip", FIELDS["clip_mode"].choices, when=_clipping,
          otherwise="config", hidden_by=("clip", "clip_norm"), kwargs={"required": True}),
    Field("attention", "segmented_control", "Attention", FIELDS["attention"].choices, when=_seq2seq,
          otherwise="config", kwargs={"required": True, "help": "none: the decoder sees the input only "
                                      "through the encoder's final state; additive (Bahdanau) or dot "
                                      "(Luong): it also looks back at every encoder step."}),
    Field("teacher_forcing", "slider", "Teacher forcing", when=_seq2seq, otherwise="config",
          kwargs={"help": "Share of training steps at which the decoder reads the true previous "
                          "token; otherwise it reads its own guess, as it must when evaluated."}),
    Field("record_every", "number_input", "Look inside every N steps"),
    Field("probe_size", "slider", "Probe sequences"),
)}


def draws(f: Field, values: Mapping[str, Any], hide: Collection[str]) -> bool:
    """Whether the form draws `f`: it applies to the values so far and the link does not hide it."""
    return (f.when is None or f.when(values)) and not any(n in hide for n in (f.name, *f.hidden_by))


def undrawn_value(f: Field, values: Mapping[str, Any], cfg: RunConfig, state: Mapping[str, Any]) -> Any:
    """The value of a field the form does not draw: the config's if hidden, else its `otherwise`."""
    if f.when is not None and not f.when(values):  # it does not apply to these values
        if f.otherwise == "widget":
            return state[f"w.{f.name}"]
        return getattr(cfg, f.name) if f.otherwise == "config" else None
    return cfg.clip_norm is not None if f.name == "clip_on" else getattr(cfg, f.name)


def widget_args(f: Field, limits: Limits, devices: Collection[str]) -> tuple[Any, ...]:
    """The widget's positional arguments: label, then its options or this server's bounds."""
    if f.name == "device":
        return f.label, ("auto", *devices)
    if f.options is not None:
        return f.label, f.options
    if f.name in limits.ranges:
        low, high = limits.ranges[f.name]
        cast = int if FIELDS[f.name].kind == "int" else float
        return f.label, cast(low), cast(high)
    return (f.label,)


def option_hidden(name: str, hide: Collection[str]) -> bool:
    """A task option is hidden by its name, its URL name (task.<name> where the name clashes; see
    urlstate.option_url_name), or "task_options" (all of them)."""
    return any(n in hide for n in (name, f"task.{name}", "task_options"))


def uploads(task: str, hide: Collection[str]) -> list[tuple[str, str, str]]:
    """(option, file type, what it is called) of each file the task's settings can take."""
    return [(name, kind, what) for name, (kind, what) in UPLOADS.items()
            if name in TASKS[task].OPTIONS and not option_hidden(name, hide)]


def csv_columns(task: str, state: Mapping[str, Any]) -> list[str]:
    """The numeric columns of the task's CSV widget ([] if none, or if it cannot be read)."""
    if "csv" not in TASKS[task].OPTIONS:
        return []
    try:
        return numeric_columns(state[f"w.opt.{task}.csv"])
    except ValueError:
        return []  # to_config reports it


def csv_caption(text: str, columns: list[str]) -> str:
    return f"CSV: {len(text.splitlines()) - 1} rows · numeric columns: {', '.join(columns) or 'none'}"


def fit_to_columns(name: str, value: Any, columns: list[str]) -> Any:
    """A target or features choice kept within the CSV's numeric columns (a new upload changes them)."""
    if name == "target" and columns:
        return value if value in columns else columns[0]
    if name == "features" and columns:
        return [c for c in value if c in columns]
    return value


def option_widget(name: str, opt: Option, columns: list[str]) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The streamlit function, positional and keyword arguments that draw task option `name`."""
    label = name.replace("_", " ").capitalize()
    if name == "text":
        return "text_area", ("Text to learn",), {"height": 140}
    if name == "texts":
        return "text_area", ("Your texts and labels (CSV: text,label; empty: the built-in sentences)",), {
            "height": 140, "placeholder": "text,label\nthe plot was not good at all,negative"}
    if name == "target" and columns:
        return "selectbox", ("Column to forecast", columns), {}
    if name == "features" and columns:
        return "multiselect", ("Other columns as inputs", columns), {}
    if opt.choices is not None:
        return "segmented_control", (label, opt.choices), {"required": True}
    if isinstance(opt.default, bool):
        return "toggle", (label,), {}
    if isinstance(opt.default, int | float):
        integer = isinstance(opt.default, int)
        cast = int if integer else float
        return "number_input", (label,), {
            "min_value": None if opt.low is None else cast(opt.low),
            "max_value": None if opt.high is None else cast(opt.high),
            "step": 1 if integer else None, "format": None if integer else "%g"}
    return "text_input", (label,), {}


def option_value(cfg: RunConfig, task: str, name: str) -> Any:
    """A hidden task option's value: the config's where it is for this task, else the default."""
    default = TASKS[task].OPTIONS[name].default
    return cfg.task_options.get(name, default) if cfg.task == task else default


def changed_options(task: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Task options as RunConfig keeps them: only those that differ from the defaults."""
    return {k: v for k, v in values.items() if v != TASKS[task].OPTIONS[k].default}


def widget_values(cfg: RunConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Train widgets' state for `cfg`, keyed "w.<field>" and "w.opt.<task>.<option>":
    (cfg's own values, every other task's option defaults)."""
    own = {f"w.{n}": getattr(cfg, n) for n in FIELDS}
    own.update({"w.clip_on": cfg.clip_norm is not None, "w.clip_norm": cfg.clip_norm or CLIP_NORM_ON,
                "w.spectral_radius": cfg.spectral_radius or 1.0})
    others: dict[str, Any] = {}
    for task in TASKS.values():
        for k, opt in task.OPTIONS.items():
            value = cfg.task_options.get(k, opt.default) if task.name == cfg.task else opt.default
            if k == "features":  # a multiselect holds a list
                value = [f.strip() for f in value.split(",") if f.strip()]
            (own if task.name == cfg.task else others)[f"w.opt.{task.name}.{k}"] = value
    return own, others


def widget_state(cfg: RunConfig, state: Mapping[str, Any], pending: bool) -> dict[str, Any]:
    """What to put in the widgets' state before they are drawn: cfg's values for all of its
    widgets when `pending` (a new config), else only for widgets that have no state yet."""
    own, others = widget_values(cfg)
    return {**{k: v for k, v in others.items() if k not in state},
            **{k: v for k, v in own.items() if pending or k not in state}}


SHORT_TEXT = re.compile(r"task_options\.text: the text has (\d+) (\w+); "
                        r"it needs at least (\d+) for seq_len=(\d+)")  # tasks/text.py's message


def text_words(error: str) -> str:
    """A too-short text's error in words: how long the text is and must be for this sequence length."""
    match = SHORT_TEXT.match(error)
    if match is None:
        return error
    n, unit, need, T = match.groups()
    return (f"Text to learn: the text is {n} {unit} long; with sequence length {T} it must be at least "
            f"{need} {unit} ({T} + 2 to train on and {T} + 1 held out to validate). Paste or upload a "
            "longer text, lower the sequence length, or restore the default text")


def default_text(task: str) -> str:
    return TASKS[task].OPTIONS["text"].default


def short_text(state: Mapping[str, Any]) -> tuple[str, str] | None:
    """(task, what to do) when the form's text is too short for its sequence length, else None."""
    task = state.get("w.task")
    key = f"w.opt.{task}.text"
    if task not in TASKS or "text" not in TASKS[task].OPTIONS or key not in state:
        return None
    _, error = check_config({"task": task, "seq_len": state.get("w.seq_len", 2),
                             "task_options": {"text": state[key]}})
    return (task, text_words(error)) if error and SHORT_TEXT.match(error) else None


def to_config(values: Mapping[str, Any], limits: Limits) -> tuple[RunConfig | None, str | None, list[str]]:
    """The form's values -> (config fitted to the limits, None, notes), or (None, error, [])."""
    cfg, error = check_config({k: v for k, v in values.items() if k != "clip_on"})
    if cfg is None:
        return None, (f"{text_words(error)}. Fix this setting to train; your runs and other settings "
                      "are kept."), []
    fitted, notes = fit_limits(cfg, limits)
    # Only a change goes back to the widgets; a note that changes nothing (a capped vocabulary)
    # would make the form redraw on every other run and lose a click on Train.
    return fitted, None, (notes if fitted != cfg else [])
