"""Presenter mode on a projector, in a real browser: at 1024x768 and 1280x720 every cell option is
on screen, no control label is cut, no page title hides under Streamlit's header, the live chart
starts above the fold while a run trains, and on every page each chart is at least half the
screen wide, its plot area at least half the chart, its title inside it, and its character ticks
apart. Saves screenshots in test-output/screenshots/."""

from urllib.parse import urljoin, urlparse

import pytest

from scripts import harness

pytestmark = pytest.mark.browser
SHOTS = harness.ROOT / "test-output" / "screenshots"
CELL_LABELS = ("RNN (tanh)", "RNN (ReLU)", "LSTM", "GRU")
SCREENS = [(1024, 768), (1280, 720)]
# A gated cell on text: gate heatmaps with a character on each time tick. Many steps, so the run
# is still training when the live chart is measured; Stop then ends it.
START = "train?preset=gru_text&steps=5000&presenter=1"
VIEW_PAGES = ("Hidden states", "Gates", "Gradients", "Compare", "Home")
LIVE_CHART = f".st-key-train-charts {harness.CHART}"

# The label element of a widget and everything inside it that could clip its text.
CUT_LABELS = """labels => labels.flatMap(label => [label, ...label.querySelectorAll('*')])
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.innerText.trim()} (${el.scrollWidth} > ${el.clientWidth} px)`)"""
# Each chart's box, its plot area's box (the main drag rectangle covers exactly the axes), its
# title's and subtitle's boxes, and the boxes of its unrotated x tick labels, left to right.
PLOT_AREAS = """charts => charts.map(chart => {
    const rect = el => { const r = el.getBoundingClientRect();
                         return {x: r.left, r: r.right, w: r.width, h: r.height}; };
    const box = chart.getBoundingClientRect();
    const area = chart.querySelector('.nsewdrag') || chart.querySelector('g.cartesianlayer .bg');
    const inner = area ? area.getBoundingClientRect() : {width: 0, height: 0};
    const titles = [...chart.querySelectorAll('.gtitle, .gtitle-subtitle')]
        .filter(el => el.textContent.trim()).map(el => ({text: el.textContent, ...rect(el)}));
    const ticks = [...chart.querySelectorAll('.xaxislayer-above .xtick text')]
        .filter(el => !(el.getAttribute('transform') || '').includes('rotate') && el.textContent.trim())
        .map(el => ({text: el.textContent, ...rect(el)})).sort((a, b) => a.x - b.x);
    return {x: box.left, r: box.right, w: box.width, h: box.height, aw: inner.width, ah: inner.height,
            titles, ticks};
})"""
TITLE_AND_HEADER = """() => {
    const title = document.querySelector('[data-testid="stMain"] h1');
    const header = document.querySelector('[data-testid="stHeader"]');
    return {title: title.getBoundingClientRect().top, header: header.getBoundingClientRect().bottom};
}"""
CLICK_LINK = """title => {
    for (const a of document.querySelectorAll("[data-testid='stSidebarUserContent'] a"))
        if (a.innerText.trim().split('\\n').pop().trim() === title) { a.click(); return a.href; }
    return null;
}"""


@pytest.fixture(scope="module")
def server():
    with harness.Server(harness.ROOT / "test-output" / "presenter-server.log") as running:
        yield running


@pytest.fixture(scope="module")
def chrome():
    with harness.browser() as browser:
        yield browser


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png")  # the viewport: what the back row sees


def cell_boxes(page) -> dict[str, dict]:
    """Bounding box of each cell option (the segmented control's buttons, by their text)."""
    boxes = {}
    for label in CELL_LABELS:
        button = page.get_by_role("radio", name=label, exact=True).first
        boxes[label] = button.bounding_box() if button.count() else None
    return boxes


def check_form(page, width: int, height: int) -> None:
    """Every cell option inside the screen's width; no widget label cut."""
    for label, box in cell_boxes(page).items():
        assert box is not None, f"no cell option {label!r}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{label} cut at {width}px: {box}"
        assert box["width"] > 20 and box["height"] > 10, f"{label} squashed: {box}"
    labels = page.locator("[data-testid='stMain'] [data-testid='stWidgetLabel']")
    assert labels.filter(has_text="Gradient clipping").count() >= 1
    cut = labels.evaluate_all(CUT_LABELS)
    assert not cut, f"labels cut at {width}x{height}: {cut}"


def check_title(page, where: str) -> None:
    """The page's title starts below Streamlit's fixed header (which would cover it)."""
    boxes = page.evaluate(TITLE_AND_HEADER)
    assert boxes["title"] >= boxes["header"] - 1, f"{where}: title under the header: {boxes}"


def check_charts(page, width: int, height: int, where: str) -> int:
    """Every chart at least half the screen wide and within it, its plot area at least half its
    width and height, its title and subtitle inside it, its character ticks apart; the count."""
    areas = page.locator(harness.CHART).evaluate_all(PLOT_AREAS)
    print(f"{where}: charts (w, h, plot w, plot h): "
          + "; ".join(f"{a['w']:.0f} {a['h']:.0f} {a['aw']:.0f} {a['ah']:.0f}" for a in areas))
    for a in areas:
        assert a["x"] >= -1 and a["r"] <= width + 1, f"{where}: chart out of the screen: {a}"
        assert a["w"] >= width / 2, f"{where}: chart under half the screen's width: {a['w']:.0f} px"
        assert a["aw"] >= a["w"] / 2, f"{where}: plot area under half the chart's width: {a}"
        assert a["ah"] >= a["h"] / 2, f"{where}: plot area under half the chart's height: {a}"
        for t in a["titles"]:
            assert a["x"] - 1 <= t["x"] and t["r"] <= a["r"] + 1, f"{where}: title cut: {t} in {a}"
        for left, right in zip(a["ticks"], a["ticks"][1:], strict=False):
            assert right["x"] >= left["r"], f"{where}: tick labels overlap: {left} {right}"
    return len(areas)


def open_page(page, title: str) -> None:
    """Click a sidebar page link (the sidebar is collapsed in presenter mode: the link is clicked
    where it is) and wait for the page's run to finish: the session and its runs are kept."""
    href = page.evaluate(CLICK_LINK, title)
    assert href, f"no sidebar link to {title!r}"
    harness.wait_for_path(page, urlparse(urljoin(page.url, href)).path)
    page.wait_for_timeout(800)  # plotly draws after the script run ends


def test_presenter_layout_fits_a_projector(server, chrome):
    """One session: the form at each projector size, the live chart while training, then every
    page's charts at each size."""
    context = chrome.new_context(viewport=dict(zip(("width", "height"), SCREENS[0], strict=True)))
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server.url + START)
        harness.wait_idle(page)
        page.wait_for_selector(harness.TRAIN)
        assert not harness.problems(page)
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)
            shoot(page, f"presenter-{width}x{height}-train-form")
            check_form(page, width, height)
            check_title(page, f"Train at {width}x{height}")

        page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
        page.locator(harness.TRAIN).click()
        page.wait_for_selector(LIVE_CHART, timeout=120_000)
        assert page.locator(harness.STOP).count(), "the run ended before its live chart was measured"
        page.wait_for_timeout(1500)  # a few records in the chart
        shoot(page, "presenter-1024x768-train-live")
        tops = page.locator(LIVE_CHART).evaluate_all(
            "charts => charts.map(c => c.getBoundingClientRect()).filter(r => r.height > 0).map(r => r.top)")
        assert tops, "no live chart drawn"
        assert 0 <= min(tops) < SCREENS[0][1] - 200, f"live chart at {min(tops):.0f} px: below the fold"
        page.locator(harness.STOP).click()
        page.wait_for_selector(harness.STOP, state="detached", timeout=60_000)
        harness.wait_idle(page)
        page.wait_for_selector(harness.CHART)
        assert not harness.problems(page)

        for title in ("Train", *VIEW_PAGES):
            if title != "Train":
                open_page(page, title)
            assert not harness.problems(page), title
            name = title.lower().replace(" ", "-")
            for width, height in SCREENS:
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(700)  # plotly redraws to the new width
                shoot(page, f"presenter-{width}x{height}-{name}")
                check_title(page, f"{title} at {width}x{height}")
                count = check_charts(page, width, height, f"{title} at {width}x{height}")
                assert count or title in ("Home", "Compare"), f"no chart on {title}"  # Compare: 1 run
    finally:
        context.close()
