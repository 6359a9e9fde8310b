"""What users type and upload: the first problem of a config, UTF-8 text, CSV columns, uploads."""

import pytest

from rnnviz.app.inputs import check_config, decode_text, numeric_columns, read_upload


def test_check_config_reports_the_first_problem():
    cfg, error = check_config({"cell": "gru", "hidden_size": 8})
    assert cfg is not None and error is None
    cfg, error = check_config({"task": "chars", "task_options": {"text": "hi"}})
    assert cfg is None and error.startswith("task_options.text")
    _, error = check_config({"task": "csv", "task_options": {"csv": "x,y\n" + "a,b\n" * 200}})
    assert "no numeric column" in error
    _, error = check_config({"task": "csv", "seq_len": 5, "task_options": {"csv": "x\n1\n\n" + "2\n" * 30
                                                                           + "nan\n"}})
    assert "missing" in error


def test_uploads_must_be_utf8_text():
    assert decode_text("héllo".encode()) == "héllo"
    assert decode_text(b"\xef\xbb\xbfbom") == "bom"
    with pytest.raises(ValueError, match="not UTF-8"):
        decode_text("héllo".encode("latin-1"), "story.txt")
    with pytest.raises(ValueError, match="binary"):
        decode_text(b"PK\x03\x04\x00\x00")


def test_numeric_columns():
    assert numeric_columns("date,temp,wind\n2020-01-01,3.5,1\n2020-01-02,4,2\n") == ["temp", "wind"]
    assert numeric_columns("a,b\nx,y\n") == []
    with pytest.raises(ValueError, match="task_options.csv"):
        numeric_columns("")


def test_read_upload_accepts_what_the_task_accepts():
    assert read_upload("chars", "text", b"hello world", "a.txt") == "hello world"
    with pytest.raises(ValueError, match="a.txt: the text has 3 characters"):
        read_upload("chars", "text", b"abc", "a.txt")
    with pytest.raises(ValueError, match="b.csv: no numeric column"):
        read_upload("csv", "csv", b"a,b\nx,y\n", "b.csv")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_upload("words", "text", b"\xff\xfe\x00", "c.txt")
