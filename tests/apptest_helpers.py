"""Helpers shared by the page tests (test_pages*.py): open a page under AppTest, set its widgets,
train and poll the background job to the end, upload a run file."""

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from rnnviz.runfile import run_to_bytes

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TINY = {"w.hidden_size": 6, "w.seq_len": 12, "w.steps": 6, "w.batch_size": 4}


def plain(markdown: str) -> str:
    """What a Markdown text reads as once its backslash escapes are rendered."""
    return re.sub(r"\\(.)", r"\1", markdown)


def session(at: AppTest):
    return at.session_state["session"]


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if "Something went wrong" in e.value]
    return at


def open_app(page: str = "app.py", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query or {})
    ok(at.run())
    return ok(at.switch_page(page).run()) if page != "app.py" else at


def widget(at: AppTest, key: str):
    for kind in ("slider", "number_input", "selectbox", "toggle", "segmented_control", "text_area",
                 "multiselect", "select_slider"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def setup(at: AppTest, values: dict) -> AppTest:
    for key, value in values.items():
        widget(at, key).set_value(value)
        ok(at.run())  # one at a time: a task change redraws its option widgets
    return at


def finish_job(at: AppTest, timeout: float = 60) -> AppTest:
    """Poll like the page does until the background job has been collected."""
    deadline = time.monotonic() + timeout
    while session(at).job is not None:
        assert time.monotonic() < deadline, "training did not finish in time"
        session(at).job.wait(0.2)
        ok(at.run())
    return at


def train_here(at: AppTest, values: dict | None = None) -> AppTest:
    setup(at, {**TINY, **(values or {})})
    assert not at.button(key="train").disabled
    ok(at.button(key="train").click().run())
    return finish_job(at)


def current(at: AppTest):
    return session(at).store.current_run()



def uploaded(at: AppTest, name: str, run) -> AppTest:
    upload = [u for u in at.file_uploader if u.key == "w.runfile"][0]
    return ok(upload.set_value((name, run_to_bytes(run), "application/octet-stream")).run())


def markdown_text(at: AppTest) -> str:
    return "\n".join(plain(m.value) for m in at.markdown)
