"""The Memory page in a real browser: after a short LSTM run on the adding problem, the memory map,
the cell inspector's equations and charts render without errors, at 1440x900 and on a 1024x768
projector (presenter mode: one view at a time). Saves screenshots in test-output/screenshots/."""

import pytest

from scripts import harness

pytestmark = pytest.mark.browser
SHOTS = harness.ROOT / "test-output" / "screenshots"
RUN = "train?cell=lstm&task=adding&hidden_size=16&seq_len=30&steps=60&record_every=20"


@pytest.fixture(scope="module")
def server():
    with harness.Server(harness.ROOT / "test-output" / "memory-server.log") as running:
        yield running


def visit(chrome, url: str, size: tuple[int, int], views: list[str], name: str) -> None:
    context = chrome.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        harness.wait_idle(page)
        harness.train_and_wait(page)
        if "presenter" in url:  # the sidebar starts collapsed on a projector
            page.locator("[data-testid='stExpandSidebarButton']").click()
        harness.open_page(page, "Memory")
        page.wait_for_selector(harness.CHART)
        if "presenter" in url:
            page.locator("[data-testid='stSidebarCollapseButton'] button").first.click(force=True)
        assert not harness.problems(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for view in views:
            if view:
                page.locator("[data-testid='stMain']").get_by_text(view, exact=True).first.click(force=True)
                harness.wait_idle(page)
                page.wait_for_selector(harness.CHART)
            page.wait_for_timeout(700)
            assert not harness.problems(page)
            slug = (view or "top").lower().replace(" ", "-")
            page.screenshot(path=SHOTS / f"{name}-{slug}.png", full_page=not view)
        assert page.locator(".katex").count() >= 1 or views
    finally:
        context.close()


def test_memory_page_on_a_laptop(server):
    with harness.browser() as chrome:
        visit(chrome, server.url + RUN, (1440, 900), [""], "memory-1440x900")


def test_memory_page_on_a_projector(server):
    with harness.browser() as chrome:
        visit(chrome, server.url + RUN + "&presenter=1", (1024, 768),
              ["Memory map", "Cell inspector", "Gates"], "presenter-1024x768-memory")


def test_memory_page_for_an_encoder_decoder(server):
    """Its memory map (decoder step x encoder step), at a desk and on a projector."""
    seq2seq = "train?cell=gru&task=reverse&hidden_size=16&seq_len=6&steps=40&record_every=20&attention=dot"
    with harness.browser() as chrome:
        visit(chrome, server.url + seq2seq, (1440, 900), [""], "memory-seq2seq-1440x900")
        visit(chrome, server.url + seq2seq + "&presenter=1", (1024, 768), [""],
              "presenter-1024x768-memory-seq2seq")
