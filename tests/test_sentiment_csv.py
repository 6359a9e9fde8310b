"""A user's labelled CSV (text,label): read into the sentiment task, or refused with a message
that names task_options.texts and says what to fix; the app's upload takes the same path."""

from __future__ import annotations

import math

import pytest
import torch

from rnnviz.app.form import option_widget, uploads
from rnnviz.app.inputs import read_upload
from rnnviz.tasks import TASKS
from rnnviz.tasks.labelled import MAX_CLASSES, MAX_ROWS, MAX_TEXT_WORDS, MIN_ROWS
from tests.task_helpers import gen

REVIEWS = [("I loved this film", "pos"), ("What a waste of time", "neg"), ("Not bad at all", "pos"),
           ("The acting wasn't good", "neg"), ("Brilliant, moving and funny", "pos")]


def csv_of(rows, header: str = "text,label") -> str:
    body = "\n".join(f'"{t}",{label}' for t, label in rows)
    return f"{header}\n{body}\n" if header else body + "\n"


def task_of(text: str, seq_len: int = 12):
    return TASKS["sentiment"](seq_len, texts=text)


def test_a_good_csv_becomes_the_data():
    rows = REVIEWS * 6  # 30 rows: rows 10, 20, 30 validate
    task = task_of(csv_of(rows), seq_len=4)
    assert task.classes == ["neg", "pos"] and task.output_size == 2
    train_labels = [label for i, (_, label) in enumerate(rows) if (i + 1) % 10]
    p = train_labels.count("pos") / len(train_labels)
    assert math.isclose(task.baseline_loss, -(p * math.log(p) + (1 - p) * math.log(1 - p)))
    assert task.chance_accuracy == max(p, 1 - p)
    x, y = task.batch(64, gen(0), split="val")
    assert x.shape == (64, 4) and set(y.tolist()) <= {0, 1}
    val_texts = {" ".join(w for w in row if w != "<pad>") for row in task.tokens(x)}
    assert val_texts == {", moving and funny"}  # rows 10, 20 and 30 validate: their last 4 words
    assert "texts are longer than seq_len=4" in task.vocab_note
    assert task_of(csv_of(rows), seq_len=12).vocab_note is None
    x, y = task.batch(64, gen(1))
    out = torch.nn.functional.one_hot(y, 2).float()[:, None].expand(64, 4, 2)
    negated = task.negated(x)
    assert 0 < int(negated.sum()) < 64  # "not bad at all", "the acting wasn't good"
    assert task.input_metrics(x, out, y) == {"negated_accuracy": 1.0}


def test_labels_may_be_numbers_and_columns_any_case_and_order():
    text = "Label,Text,source\n" + "\n".join(f"{i % 3},text number {i},web" for i in range(12))
    task = task_of(text)
    assert task.classes == ["0", "1", "2"] and task.output_size == 3
    assert task.input_metrics.__self__ is task and not len(task.negations)  # no negation word: no metric


@pytest.mark.parametrize("text, message", [
    ("text,label\n", "a header but no rows"),
    (csv_of(REVIEWS * 2, header=""), "no header line .* the first line must be the header text,label"),
    ("text\n" + "\n".join(f"t{i}" for i in range(12)), "no label column: every text needs a label"),
    ("review,label\n" + "\n".join(f"t{i},a" for i in range(12)), "no text column"),
    (csv_of([(f"t{i}", "pos") for i in range(12)]), "every row has the label 'pos'; a classifier needs"),
    (csv_of(REVIEWS * 2 + [("fine", "")]), r"1 row\(s\) have no label \(CSV lines 12\)"),
    (csv_of(REVIEWS * 2 + [("", "pos"), ("", "neg")]), r"2 row\(s\) have no words .*CSV lines 12, 13"),
    (csv_of(REVIEWS[:3]), f"the CSV has 3 rows; at least {MIN_ROWS}"),
    (csv_of(REVIEWS * 2 + [("word " * (MAX_TEXT_WORDS + 1), "pos")]),
     f"1 text\\(s\\) are over {MAX_TEXT_WORDS} words \\(CSV lines 12: {MAX_TEXT_WORDS + 1} words\\)"),
    (csv_of([(f"t{i}", f"c{i}") for i in range(MAX_CLASSES + 1)]),
     f"{MAX_CLASSES + 1} different values; at most {MAX_CLASSES} classes"),
    ('text,label\n"unclosed,pos\n', "could not parse|no label|rows"),
])
def test_bad_csvs_say_what_to_fix(text, message):
    with pytest.raises(ValueError, match=f"^task_options.texts: .*({message})"):
        task_of(text)


def test_too_many_rows():
    text = "text,label\n" + "a,x\nb,y\n" * (MAX_ROWS // 2 + 1)
    with pytest.raises(ValueError, match=f"^task_options.texts: the CSV has {MAX_ROWS + 2:,} rows; at most"):
        task_of(text)


def test_the_app_upload_takes_the_same_path():
    assert ("texts", "csv", "CSV of texts and labels") in uploads("sentiment", set())
    assert option_widget("texts", TASKS["sentiment"].OPTIONS["texts"], [])[0] == "text_area"
    good = csv_of(REVIEWS * 3).encode()
    assert read_upload("sentiment", "texts", good, "mine.csv") == good.decode()  # at seq_len 2 too
    with pytest.raises(ValueError, match="^mine.csv: the file is empty"):
        read_upload("sentiment", "texts", b" \n", "mine.csv")
    one_class = csv_of([(f"t{i}", "pos") for i in range(12)]).encode()
    with pytest.raises(ValueError, match="^mine.csv: every row has the label 'pos'"):
        read_upload("sentiment", "texts", one_class, "mine.csv")
