"""Shared test set-up: browser tests need Debian's Chromium (`make test` installs it)."""

import os

import pytest

from scripts import harness


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
