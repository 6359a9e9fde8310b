"""Sequence tasks: a registry of seeded, synthetic or user-supplied datasets and their losses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnviz.tasks.base import IGNORE, Option, Task
from rnnviz.tasks.csv_task import CsvForecast
from rnnviz.tasks.memory import Adding, Copy, TemporalOrder
from rnnviz.tasks.reber import Reber
from rnnviz.tasks.sentiment import Sentiment
from rnnviz.tasks.seq2seq import Add, Reverse, Seq2SeqTask, Sort
from rnnviz.tasks.text import Chars, Words
from rnnviz.tasks.waves import Ramp, Sine

if TYPE_CHECKING:
    from rnnviz.config import RunConfig

# In teaching order: the first lesson, easy forecasting, memory, grammar, text, your own data.
TASKS: dict[str, type[Task]] = {task.name: task for task in (
    Ramp, Sine, Adding, Copy, TemporalOrder, Reber, Chars, Words, CsvForecast, Sentiment, Reverse, Sort,
    Add)}


def make_task(cfg: RunConfig) -> Task:
    """Build cfg.task with cfg.seq_len and cfg.task_options (ValueError on bad options)."""
    return TASKS[cfg.task](cfg.seq_len, **cfg.task_options)


__all__ = ["IGNORE", "TASKS", "Option", "Seq2SeqTask", "Task", "make_task"]
