"""The Train page's text samples: what the network wrote at each record, and Write with this model."""

import pytest

from tests.apptest_helpers import current, ok, open_app, plain, train_here

pytestmark = pytest.mark.usefixtures("page_debug")  # page errors raise, so at.exception sees them


def samples_block(at):
    return [c.value for c in at.code if "step      0 │" in c.value]


def test_a_text_run_shows_its_samples_and_writes_on_request():
    at = train_here(open_app("pages/train.py"), {"w.task": "chars", "w.cell": "gru"})
    run = current(at)
    block = samples_block(at)
    assert len(block) == 1
    lines = block[0].splitlines()
    assert len(lines) == len(run.records) <= 5
    for line, record in zip(lines, run.records, strict=True):
        assert line == f"step {record.step:>6} │ {' '.join(record.sample.split())}"
    assert any("Write with this model" in m.value for m in at.markdown)
    at.text_input(key="write.prompt").set_value("The ")
    ok(at.button(key="write.go").click().run())
    written = [c.value for c in at.code if c.value.startswith("The ")]
    assert len(written) == 1 and len(written[0]) == len("The ") + 200
    at.text_input(key="write.prompt").set_value("Zebra€")
    ok(at.button(key="write.go").click().run())
    assert any("prompt: characters this model never saw" in plain(e.value) and "'€'" in plain(e.value)
               for e in at.error)


def test_other_tasks_show_no_samples():
    at = train_here(open_app("pages/train.py"))
    assert current(at).config.task == "adding"
    assert not samples_block(at) and not any("Write with this model" in m.value for m in at.markdown)
    assert not [t for t in at.text_input if t.key == "write.prompt"]
