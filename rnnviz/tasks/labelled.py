"""A user's labelled texts: a two-column CSV (text,label) read, checked and split, with clear messages."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from rnnviz.tasks.text import words_of

WHERE = "task_options.texts"
MIN_ROWS = 10          # one row in ten is held out to validate: at least one
MAX_ROWS = 20_000      # rows one run reads (a 5 MB upload of short reviews is about this)
MAX_TEXT_WORDS = 400   # words in one text: a sentence or a review, not a book
MAX_CLASSES = 20       # a label column with more distinct values is probably not the labels
VAL_EVERY = 10         # rows 10, 20, 30... (1-based) are the validation split: a file sorted by
#                        label still puts every class in both splits


@dataclass(frozen=True)
class Labelled:
    """The texts as words, their labels as class ids, the class names, and the validation rows."""

    words: list[list[str]]
    labels: list[int]
    classes: list[str]
    val: list[bool]


def lines(rows: list[int]) -> str:
    """Data rows (0-based) as CSV line numbers, the header being line 1; at most five shown."""
    return ", ".join(str(r + 2) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")


def read_table(text: str) -> pd.DataFrame:
    if not text.strip():
        raise ValueError(f"{WHERE}: the CSV is empty; give a header line text,label and one row per text")
    try:  # every cell as text: labels 0/1 and "positive" alike; an empty cell stays ""
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as err:
        raise ValueError(f"{WHERE}: could not parse the CSV ({err})") from None
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [name for name in ("text", "label") if name not in columns]
    if missing:
        found = ", ".join(repr(str(c))[:40] for c in frame.columns)
        what = ("no header line" if len(missing) == 2 else
                "no label column: every text needs a label, such as positive or negative"
                if missing == ["label"] else "no text column")
        raise ValueError(f"{WHERE}: {what} (the first line reads {found}); the first line must be the "
                         "header text,label")
    if frame.empty:
        raise ValueError(f"{WHERE}: the CSV has a header but no rows")
    if len(frame) > MAX_ROWS:
        raise ValueError(f"{WHERE}: the CSV has {len(frame):,} rows; at most {MAX_ROWS:,}")
    if len(frame) < MIN_ROWS:
        rows = f"{len(frame)} row" + ("s" if len(frame) > 1 else "")
        raise ValueError(f"{WHERE}: the CSV has {rows}; at least {MIN_ROWS} (one in "
                         f"{VAL_EVERY} is held out to validate)")
    return frame[[columns["text"], columns["label"]]].set_axis(["text", "label"], axis=1)


def read_labelled(text: str) -> Labelled:
    """Parse and check a text,label CSV (ValueError naming task_options.texts)."""
    frame = read_table(text)
    words = [words_of(t) for t in frame["text"]]
    empty = [i for i, w in enumerate(words) if not w]
    if empty:
        raise ValueError(f"{WHERE}: {len(empty)} row(s) have no words in their text (CSV lines "
                         f"{lines(empty)}); fill or remove them")
    long = [i for i, w in enumerate(words) if len(w) > MAX_TEXT_WORDS]
    if long:
        raise ValueError(f"{WHERE}: {len(long)} text(s) are over {MAX_TEXT_WORDS} words (CSV lines "
                         f"{lines(long)}: {len(words[long[0]])} words); shorten or split them")
    names = [str(v).strip() for v in frame["label"]]
    unlabelled = [i for i, n in enumerate(names) if not n]
    if unlabelled:
        raise ValueError(f"{WHERE}: {len(unlabelled)} row(s) have no label (CSV lines "
                         f"{lines(unlabelled)}); every text needs one")
    classes = sorted(set(names))
    if len(classes) < 2:
        raise ValueError(f"{WHERE}: every row has the label {classes[0]!r}; a classifier needs at "
                         "least two different labels")
    if len(classes) > MAX_CLASSES:
        raise ValueError(f"{WHERE}: the label column has {len(classes)} different values; at most "
                         f"{MAX_CLASSES} classes (is it the label column?)")
    index = {c: k for k, c in enumerate(classes)}
    val = [(i + 1) % VAL_EVERY == 0 for i in range(len(words))]
    return Labelled(words, [index[n] for n in names], classes, val)
