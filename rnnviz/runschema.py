"""The rules a run file's metadata must meet: types, and names and strings of bounded length.

Everything here reaches chart titles, column lookups and int(): a 5,000-digit step or a metric
named like a history column broke charts. Each check raises ValueError naming the field."""

from __future__ import annotations

import json
import re
from typing import Any

from rnnviz.history import HISTORY_COLUMNS

METRIC = re.compile(r"[a-z][a-z0-9_]{0,31}")        # accuracy, perplexity: a lower-case identifier
PARAMETER = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,79}")  # rnn.weight_hh_l0_reverse, weight_hh_l0.forget
OPTION = re.compile(r"[a-z][a-z0-9_]{0,31}")        # task_options keys
DEVICE = re.compile(r"[a-z]{1,16}(:[0-9]{1,3})?")   # cpu, cuda, cuda:1, mps
TASK_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")     # regression, classification
STEP = r"(0|[1-9][0-9]{0,8})"                       # at most 9 digits: int() is cheap, charts fit it
STATUS = re.compile(rf"running|finished|stopped|diverged at step {STEP}")
# What each pattern allows, in words for the message a student reads.
WORDS = {METRIC: "a lower-case name of letters, digits and _, such as accuracy",
         PARAMETER: "a parameter name such as rnn.weight_hh_l0", DEVICE: "a device such as cpu or cuda:0",
         STATUS: "running, finished, stopped or diverged at step N"}
MAX_METRICS = 16          # the tasks report one or two
MAX_KEYS = 1_024          # parameters or W_hh blocks per record: 8 layers x 2 directions x 4 blocks ...
MAX_NAME = 200            # a run's name, as the app and the CLI show it
MAX_TOKEN = 100           # one probe token's text (a word of the words task)
MAX_SAMPLE = 20_000       # a record's generated text (80 characters or 20 words are written)


def load_json(data: bytes, where: str) -> Any:
    """Parse JSON; bad UTF-8, bad JSON and nesting deeper than Python's stack are ValueErrors."""
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deep") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValueError(f"{where}: not JSON ({exc})") from None


def typed(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def strings(value: Any, where: str, max_len: int | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of strings")
    if max_len is not None and any(len(v) > max_len for v in value):
        raise ValueError(f"{where}: a string longer than {max_len} characters")
    return value


def names(value: Any, pattern: re.Pattern[str], where: str, max_count: int) -> list[str]:
    """Distinct strings matching `pattern`, at most `max_count` of them."""
    found = strings(value, where)
    if len(found) > max_count:
        raise ValueError(f"{where}: {len(found)} names; at most {max_count}")
    for name in found:
        if not pattern.fullmatch(name):
            expected = WORDS.get(pattern, "another form")
            raise ValueError(f"{where}: {name[:40]!r} is not a valid name (expected {expected})")
    if len(set(found)) < len(found):
        raise ValueError(f"{where}: a name is repeated")
    return found


def metric_names(value: Any, where: str = "metric_names") -> list[str]:
    found = names(value, METRIC, where, MAX_METRICS)
    clash = [n for n in found if n in HISTORY_COLUMNS]
    if clash:
        raise ValueError(f"{where}: {clash[0]!r} is already a history column")
    return found


def number(value: Any, where: str) -> float:
    """A JSON number, or "inf", "-inf", "nan" (JSON has no inf/nan; see runfile._num)."""
    if value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {str(value)[:40]!r}")
    return float(value)


def step(value: Any, where: str, max_steps: int) -> int:
    typed(value, int, where)
    if not 0 <= value <= max_steps:
        raise ValueError(f"{where}: must be a step between 0 and {max_steps}")
    return value


def status(value: Any, max_steps: int) -> str:
    typed(value, str, "status")
    if not STATUS.fullmatch(value):
        raise ValueError(f"status: {value[:40]!r} is not running, finished, stopped or "
                         "'diverged at step k'")
    if value.startswith("diverged") and int(value.rsplit(" ", 1)[1]) > max_steps:
        raise ValueError(f"status: the step is over {max_steps}")
    return value


def matching(value: Any, pattern: re.Pattern[str], where: str) -> str:
    typed(value, str, where)
    if not pattern.fullmatch(value):
        expected = WORDS.get(pattern, "another form")
        raise ValueError(f"{where}: {value[:40]!r} is not valid (expected {expected})")
    return value


def run_name(value: Any) -> str:
    typed(value, str, "name")
    if len(value) > MAX_NAME or not value.isprintable():
        raise ValueError(f"name: must be printable text of at most {MAX_NAME} characters")
    return value


def task_options(value: Any) -> dict[str, Any]:
    """Task knobs are flat: a string, a number or true/false each (the tasks check the rest)."""
    typed(value, dict, "config.task_options")
    for key, option in value.items():
        if not OPTION.fullmatch(key):
            raise ValueError(f"config.task_options: {key[:40]!r} is not a valid option name")
        if option is not None and not isinstance(option, str | int | float | bool):
            raise ValueError(f"config.task_options.{key}: must be a string, a number or true/false")
    return value


def sample(value: Any, where: str) -> str | None:
    """A record's generated text: None (other tasks, older files) or a string of bounded length."""
    if value is None:
        return None
    typed(value, str, where)
    if len(value) > MAX_SAMPLE:
        raise ValueError(f"{where}: {len(value)} characters; at most {MAX_SAMPLE}")
    return value
