"""URL state: a RunConfig <-> query parameters, so a lesson is a link.

Every parameter is checked against the config schema and this server's limits: a bad one falls
back to its default and adds a notice naming it; parsing never raises."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rnnviz.app.limits import Limits, fit_limits
from rnnviz.config import DEVICES, FIELDS, RunConfig
from rnnviz.presets import PRESETS
from rnnviz.scalars import parse_bool, value_text
from rnnviz.tasks import TASKS, make_task

DEFAULT = RunConfig()
RESERVED = ("preset", "hide", "presenter")
MAX_URL_TEXT = 200      # longer string options (pasted text, CSV) stay out of the link
MAX_PARAM_CHARS = 5000  # longer values are refused outright


@dataclass(frozen=True)
class UrlState:
    """What a link asks for: the config, controls to hide, presenter mode, and what was wrong."""

    config: RunConfig
    hide: frozenset[str] = frozenset()
    presenter: bool = False
    preset: str | None = None
    notices: tuple[str, ...] = ()


def option_url_name(name: str) -> str:
    """The query-parameter name of a task option (prefixed only where it would clash)."""
    return f"task.{name}" if name in FIELDS or name in RESERVED else name


def hideable() -> set[str]:
    """Names `hide=` understands: config fields, every task's options, and "clip"."""
    options = {option_url_name(k) for task in TASKS.values() for k in task.OPTIONS}
    return set(FIELDS) | options | {"clip", "task_options"}


def _first(value: str | list[str]) -> str:
    return value[-1] if isinstance(value, list) else value  # repeated: the last wins, like st.query_params


def check_range(name: str, value: Any, limits: Limits) -> Any:
    """A number within this server's range: too large is clamped (ValueError if too small)."""
    if name not in limits.ranges or value is None or isinstance(value, str | bool):
        return value
    low, high = limits.ranges[name]
    if value < low:
        raise ValueError(f"is below the smallest allowed value {low:g}")
    if value > high:
        return int(high) if FIELDS[name].kind == "int" else float(high)
    return value


def _field_of(message: str) -> str:
    return message.split(":", 1)[0].strip()


def settle(cfg_fields: dict[str, Any], options: dict[str, Any], base: RunConfig,
           notices: list[str]) -> RunConfig:
    """Build the config and its task; whatever RunConfig or the task refuses goes back to `base`."""
    for _ in range(len(FIELDS) + len(options) + 2):
        try:
            cfg = RunConfig(**cfg_fields, task_options=dict(options))
            make_task(cfg)
            return cfg
        except ValueError as err:
            where = _field_of(str(err))
            if where.startswith("task_options.") and where.split(".", 1)[1] in options:
                options.pop(where.split(".", 1)[1])
            elif where in cfg_fields and cfg_fields[where] != getattr(base, where):
                cfg_fields[where] = getattr(base, where)
            elif where == "seq_len" or options:
                options.clear()
                cfg_fields["seq_len"] = base.seq_len if base.task == cfg_fields["task"] else DEFAULT.seq_len
            else:
                break
            notices.append(f"{err} — using the default for {where}")
    notices.append("the link's settings do not fit together; using the default settings")
    return DEFAULT


def parse(params: Mapping[str, str | list[str]], limits: Limits | None = None,
          devices: Iterable[str] = DEVICES) -> UrlState:
    """Query parameters -> UrlState. Never raises: each bad parameter becomes a notice."""
    limits = limits or Limits()
    notices: list[str] = []
    texts = {k: _first(v) for k, v in params.items()}
    for key, text in list(texts.items()):
        if len(text) > MAX_PARAM_CHARS:
            notices.append(f"{key}: the value is too long for a link ({len(text)} characters); ignored")
            del texts[key]
    base, preset = DEFAULT, None
    if "preset" in texts:
        if texts["preset"] in PRESETS:
            preset = texts["preset"]
            base = PRESETS[preset].config
        else:
            notices.append(f"preset: unknown preset {texts['preset']!r}; valid presets are "
                           f"{', '.join(PRESETS)}")
    presenter = False
    if "presenter" in texts:
        try:
            presenter = parse_bool(texts["presenter"])
        except ValueError as err:
            notices.append(f"presenter: {err}; presenter mode stays off")
    hide: set[str] = set()
    if "hide" in texts:
        names = [n.strip() for n in texts["hide"].split(",") if n.strip()]
        known = hideable()
        unknown = [n for n in names if n not in known]
        if unknown:
            notices.append(f"hide: unknown control(s) {', '.join(unknown)} (ignored)")
        hide = {n for n in names if n in known}

    values = {name: getattr(base, name) for name in FIELDS}
    for name in FIELDS:
        if name in texts:
            try:
                value = FIELDS[name].parse(texts[name])  # config.FIELDS says how
                values[name] = check_range(name, value, limits)
                if values[name] != value:
                    notices.append(f"{name}: {value} is above this server's limit; using {values[name]}")
            except ValueError as err:
                notices.append(f"{name}: {texts[name]!r} {err}; using {getattr(base, name)!r}")
    if values["device"] not in ("auto", *devices):
        notices.append(f"device: {values['device']!r} is not available here; using 'auto'")
        values["device"] = "auto"

    task = TASKS.get(values["task"], TASKS[DEFAULT.task])
    options = dict(base.task_options) if values["task"] == base.task else {}
    by_url = {option_url_name(k): k for k in task.OPTIONS}
    all_options = {option_url_name(k) for t in TASKS.values() for k in t.OPTIONS}
    for key, text in texts.items():
        if key in by_url:
            opt = task.OPTIONS[by_url[key]]
            try:
                options[by_url[key]] = opt.parse(text)
            except ValueError as err:
                notices.append(f"{key}: {text!r} {err}; using the default {opt.default!r}")
        elif key in all_options:
            notices.append(f"{key}: not an option of task {values['task']!r}; ignored")
        elif key not in FIELDS and key not in RESERVED:
            notices.append(f"{key}: unknown parameter; ignored")

    cfg = settle(values, options, base, notices)
    cfg, more = fit_limits(cfg, limits)
    return UrlState(cfg, frozenset(hide), presenter, preset, tuple(notices + more))


def encode(cfg: RunConfig, preset: str | None = None, hide: Iterable[str] = (),
           presenter: bool = False) -> dict[str, str]:
    """RunConfig -> query parameters: only what differs from the defaults (or from `preset`).

    String task options longer than MAX_URL_TEXT (a pasted text, a CSV) are left out."""
    base = PRESETS[preset].config if preset in PRESETS else DEFAULT
    params: dict[str, str] = {"preset": preset} if preset in PRESETS else {}
    for name in FIELDS:
        value = getattr(cfg, name)
        if value != getattr(base, name):
            params[name] = value_text(value)
    task = TASKS.get(cfg.task)
    base_options = base.task_options if base.task == cfg.task else {}
    for key, value in cfg.task_options.items():
        opt = task.OPTIONS.get(key) if task else None
        reference = base_options.get(key, opt.default if opt else None)
        if value == reference or (isinstance(value, str) and len(value) > MAX_URL_TEXT):
            continue
        params[option_url_name(key)] = value_text(value)
    if base.task == cfg.task:  # options the preset sets but this config dropped: back to defaults
        for key in set(base_options) - set(cfg.task_options):
            opt = task.OPTIONS.get(key) if task else None
            if opt is not None and (not isinstance(opt.default, str) or len(opt.default) <= MAX_URL_TEXT):
                params[option_url_name(key)] = value_text(opt.default)
    if hide:
        params["hide"] = ",".join(sorted(hide))
    if presenter:
        params["presenter"] = "1"
    return params


def link(base: str, params: Mapping[str, str]) -> str:
    """The shareable address: `base` with the query parameters, if any."""
    return base + ("?" + urlencode(params) if params else "")


def left_out(cfg: RunConfig) -> list[str]:
    """Task options that `encode` leaves out of the link (too long for a URL)."""
    return [k for k, v in cfg.task_options.items() if isinstance(v, str) and len(v) > MAX_URL_TEXT]
