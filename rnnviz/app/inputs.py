"""What users type and upload, checked here so the pages only show the message."""

from __future__ import annotations

from typing import Any

from rnnviz.config import RunConfig
from rnnviz.tasks import make_task


def check_config(values: dict[str, Any]) -> tuple[RunConfig | None, str | None]:
    """Widget values -> (config, None), or (None, the first problem as "field: what to do")."""
    try:
        cfg = RunConfig(**values)
        make_task(cfg)
    except ValueError as err:
        return None, str(err)
    return cfg, None


def decode_text(data: bytes, name: str = "the file") -> str:
    """Uploaded bytes -> text; a ValueError says what to do if they are not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{name} is not UTF-8 text (byte {err.start} is not valid UTF-8): save it "
                         f"as UTF-8 (e.g. 'Save as… UTF-8' in your editor) and upload it again") from None
    if "\x00" in text:
        raise ValueError(f"{name} looks like a binary file, not text: upload a .txt or .csv file")
    return text


def numeric_columns(csv_text: str) -> list[str]:
    """The numeric columns of a CSV (ValueError naming task_options.csv if it cannot be read)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    from rnnviz.tasks.csv_task import read_csv

    frame = read_csv(csv_text)
    return [str(c) for c in frame.columns if is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c])]


def read_upload(task: str, option: str, data: bytes, file_name: str) -> str:
    """An uploaded text or CSV for `task`'s `option`, or a ValueError saying what is wrong.

    Judged at the shortest seq_len: a file too short for the current seq_len is accepted, and
    the settings' own error then says to lower seq_len."""
    text = decode_text(data, file_name)
    if not text.strip():  # an empty option can mean "the default" (sentiment: the built-in sentences)
        raise ValueError(f"{file_name}: the file is empty")
    _, error = check_config({"task": task, "seq_len": 2, "task_options": {option: text}})
    if error:
        raise ValueError(f"{file_name}: {error.split(': ', 1)[-1]}")
    return text
