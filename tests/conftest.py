"""Shared test set-up: browser tests need Debian's Chromium (`make test` installs it)."""

import os

import pytest

from scripts import harness


def pytest_collection_modifyitems(config, items):
    if harness.chromium_available():
        return
    reason = (f"no Chromium at {harness.CHROMIUM}: run scripts/ensure_chromium.sh "
              "(apt-get install chromium) or set RNNVIZ_CHROMIUM")
    if os.environ.get("CI") == "true":  # in CI a skipped browser test would hide a broken app
        raise pytest.UsageError(reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
