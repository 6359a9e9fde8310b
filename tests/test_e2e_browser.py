"""End to end in a real browser: `streamlit run app.py`, Debian's Chromium driven by Playwright.

Opens Home, trains a preset from its card, visits every page of the sidebar, trains a twin run from
Compare, waits for the charts, checks that no exception or error is on any page, and saves
screenshots in test-output/screenshots/."""

import re

import pytest

from scripts import harness

pytestmark = pytest.mark.browser
SHOTS = harness.ROOT / "test-output" / "screenshots"
PRESET = "gates_reber"  # an LSTM, so that every view has something to draw; a few seconds
OTHER_RUNS = {"Attention", "Decisions", "Sweep"}  # encoder-decoder runs, classifiers, sweeps


@pytest.fixture(scope="module")
def server():
    with harness.Server(harness.ROOT / "test-output" / "e2e-server.log") as running:
        yield running


@pytest.fixture(scope="module")
def page(server):
    with harness.browser() as chrome:
        context = chrome.new_context(viewport={"width": 1400, "height": 1800})
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        yield tab
        context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def check(page, server, where: str) -> None:
    found = harness.problems(page)
    assert not found, f"{where}: {found}\n--- server log ---\n{server.log_tail()}"


def test_every_page_after_training_a_preset(server, page):
    page.goto(server.url)
    harness.wait_idle(page)
    titles = list(harness.nav_links(page))
    assert {"Home", "Train", "Hidden states", "Gates", "Gradients", "Compare"} <= set(titles), titles
    check(page, server, "Home")
    shoot(page, "01-home")

    # Before any run: every page says what to do instead of failing.
    for title in titles[1:]:
        harness.open_page(page, title)
        check(page, server, f"{title} (no run yet)")

    harness.open_page(page, "Home")
    page.locator(f".st-key-preset-{PRESET} button").click()  # the card's "Open in Train"
    harness.wait_for_path(page, "/train")
    first_chart_s = harness.train_and_wait(page)
    print(f"first live chart {first_chart_s:.1f} s after pressing Train")
    assert page.get_by_text(re.compile(r"finished after \d+ steps")).count() >= 1
    check(page, server, "Train")
    shoot(page, "02-train")

    for n, title in enumerate(titles[2:], start=3):
        harness.open_page(page, title)
        if title in OTHER_RUNS:  # pages for other tasks, or for a sweep: a message, no chart
            check(page, server, title)
            shoot(page, f"{n:02d}-{re.sub(r'[^a-z]+', '-', title.lower())}")
            continue
        if title == "Compare":  # one click trains the same run with clipping flipped, then compares
            page.get_by_role("button", name=re.compile("Same run, clipping")).click()
            page.wait_for_selector(harness.STOP, state="attached")
            page.wait_for_selector(harness.STOP, state="detached", timeout=120_000)
            harness.wait_idle(page)
            assert page.locator(harness.CHART).count() >= 2
        page.wait_for_selector(harness.CHART)
        page.wait_for_timeout(500)  # plotly lays out after the element appears
        check(page, server, title)
        assert page.locator(harness.CHART).count() >= 1, title
        shoot(page, f"{n:02d}-{re.sub(r'[^a-z]+', '-', title.lower())}")
