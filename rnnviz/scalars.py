"""Scalars: finite numbers, numpy scalars as Python values, and the words for on, off and none.

A leaf module (it imports nothing from rnnviz), so the config, the tasks, the URL, the command
line and the server settings all read text and numbers the same way."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# An optional number's "not set" (clip_norm=off: clipping off). Not "0": that is a number.
NONE_WORDS = ("none", "off", "false", "no")


def plain(value: Any) -> Any:
    """A numpy scalar (np.int64, np.float64, np.bool_ from a run file) as its Python value."""
    return value.item() if isinstance(value, np.generic) else value


def finite_number(value: Any) -> bool:
    """A real int or float (numpy's too, not a bool), neither inf nor nan."""
    value = plain(value)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_bool(text: str) -> bool:
    """True for a TRUE_WORDS word, False for a FALSE_WORDS word (any case), else ValueError."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"must be true or false ({'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)})")


def is_none_word(text: str) -> bool:
    return text.strip().lower() in NONE_WORDS


def parse_number(text: str, integer: bool) -> int | float:
    """A finite number from text; a whole one when `integer` ("1e3" is 1000). ValueError says why."""
    text = text.strip()
    if integer:
        try:
            return int(text)  # exact, even beyond float precision (a 19-digit seed)
        except ValueError:
            pass
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if integer:
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


def value_text(value: Any) -> str:
    """A value as text that the parsers above read back: None is "off", a bool "1" or "0"."""
    value = plain(value)
    if value is None:
        return "off"
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)
