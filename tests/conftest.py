"""Shared test set-up: browser tests need Debian's Chromium (`make test` installs it); fixtures
used by several test files (the plot tests' real runs, the page tests' debug mode)."""

import os
import threading

import pytest

import rnnviz
from scripts import harness
from tests.plot_helpers import tiny

# The page helpers assert (ok, finish_job): let pytest explain their failures as in a test module.
pytest.register_assert_rewrite("tests.apptest_helpers")


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` have deselected what will not run
def pytest_collection_modifyitems(config, items):
    browser_tests = [item for item in items if "browser" in item.keywords]
    if not browser_tests or harness.chromium_available():
        return
    reason = (f"no Chromium at {harness.CHROMIUM}: run scripts/ensure_chromium.sh "
              "(apt-get install chromium) or set RNNVIZ_CHROMIUM")
    if os.environ.get("CI") == "true":  # in CI a skipped browser test would hide a broken app
        raise pytest.UsageError(reason)
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def runs() -> dict[str, rnnviz.Run]:
    """Real runs of every kind the plots draw (test_plots*.py); one set per test module."""
    stop, never = threading.Event(), threading.Event()
    never.set()
    out = {
        "lstm": rnnviz.train(tiny(cell="lstm")),
        "diverged": rnnviz.train(rnnviz.RunConfig(
            cell="rnn_tanh", task="adding", recurrent_init="scaled", spectral_radius=5.0, clip_norm=None,
            lr=0.5, optimizer="sgd", steps=200, device="cpu")),
        "gru2bi": rnnviz.train(tiny(cell="gru", num_layers=2, bidirectional=True)),
        "stopped": rnnviz.train(tiny(cell="lstm", steps=100), on_record=lambda run: stop.set(), stop=stop),
        "single": rnnviz.train(tiny(cell="gru"), stop=never),  # stopped before step 0: one record
        "seq2": rnnviz.train(tiny(cell="rnn_relu", seq_len=2, steps=3)),
        "text": rnnviz.train(tiny(cell="gru", task="chars", seq_len=12, steps=10)),
        "sine_lstm": rnnviz.train(tiny(cell="lstm", task="sine")),
        "value_clip": rnnviz.train(tiny(cell="rnn_tanh", clip_mode="value", clip_norm=0.01)),
        "words": rnnviz.train(tiny(cell="gru", task="words", seq_len=12, steps=10)),
    }
    assert out["diverged"].diverged and out["stopped"].records[-1].param_grad_norm == {}
    assert len(out["single"].records) == 1 and out["single"].history.empty and out["text"].probe_tokens
    return out


@pytest.fixture
def page_debug(monkeypatch):
    """For the page tests (test_pages*.py, by `pytestmark`): page errors raise, so at.exception
    sees them."""
    monkeypatch.setenv("RNNVIZ_DEBUG", "1")
