"""The Decisions page in a real browser: a sentiment run file opened from the sidebar, its views at
1440x900 and in presenter mode at 1024x768, every chart inside the screen, no error shown. Saves
screenshots in test-output/screenshots/."""

import pytest

import rnnviz
from rnnviz.runfile import save_run
from scripts import harness

pytestmark = pytest.mark.browser
SHOTS = harness.ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "sentiment.npz"
    save_run(rnnviz.train(rnnviz.RunConfig(cell="lstm", task="sentiment", hidden_size=8, seq_len=20,
                                           steps=20, record_every=10, probe_size=8)), path)
    return path


@pytest.fixture(scope="module")
def server():
    with harness.Server(harness.ROOT / "test-output" / "sentiment-server.log") as running:
        yield running


@pytest.fixture(scope="module")
def chrome():
    with harness.browser() as browser:
        yield browser


def open_decisions(chrome, server, run_file, width, height, presenter):
    context = chrome.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url + ("?presenter=1" if presenter else ""))
    harness.wait_idle(page)
    if presenter:  # the sidebar starts collapsed on a projector: open it to pick the file
        page.locator("[data-testid='stExpandSidebarButton'], [data-testid='collapsedControl']").first.click()
    page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(run_file))
    harness.wait_idle(page)
    page.wait_for_selector("text=sentiment.npz")
    harness.open_page(page, "Decisions")
    page.wait_for_selector(harness.CHART)
    if presenter:  # and closed again: the projector shows the page alone
        page.locator("[data-testid='stSidebarCollapseButton'] button").first.click()
        page.wait_for_timeout(500)
    return context, page


def charts_fit(page, width: int) -> int:
    boxes = [c.bounding_box() for c in page.locator(harness.CHART).all()]
    assert boxes and all(b["x"] >= 0 and b["x"] + b["width"] <= width + 1 for b in boxes), boxes
    return len(boxes)


def test_decisions_at_a_desk_and_on_a_projector(chrome, server, run_file):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = open_decisions(chrome, server, run_file, 1440, 900, presenter=False)
    try:
        assert charts_fit(page, 1440) == 4 and not harness.problems(page)
        assert page.locator("text=says ").count() >= 8  # each probe sentence, coloured by word
        page.screenshot(path=SHOTS / "decisions-1440x900.png")
    finally:
        context.close()
    context, page = open_decisions(chrome, server, run_file, 1024, 768, presenter=True)
    try:
        for view in ("Final states", "Words", "Accuracy", "Loss"):
            page.get_by_role("radio", name=view, exact=True).first.click()
            harness.wait_idle(page)
            page.locator(harness.CHART).first.scroll_into_view_if_needed()
            assert charts_fit(page, 1024) == 1 and not harness.problems(page), view
            page.screenshot(path=SHOTS / f"presenter-1024x768-decisions-{view.split()[0].lower()}.png")
    finally:
        context.close()
