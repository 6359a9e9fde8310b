"""Presenter mode on a projector, in a real browser: at 1024x768 and 1280x720 every cell option is
on screen, no control label is cut, and every chart's plot area keeps at least half of the chart
(legends sit outside it). Saves screenshots in test-output/screenshots/."""

import pytest

from scripts import harness

pytestmark = pytest.mark.browser
SHOTS = harness.ROOT / "test-output" / "screenshots"
CELL_LABELS = ("RNN (tanh)", "RNN (ReLU)", "LSTM", "GRU")
SCREENS = [(1024, 768), (1280, 720)]

# The label element of a widget and everything inside it that could clip its text.
CUT_LABELS = """labels => labels.flatMap(label => [label, ...label.querySelectorAll('*')])
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.innerText.trim()} (${el.scrollWidth} > ${el.clientWidth} px)`)"""
# Each chart's box and its plot area's box (the main drag rectangle covers exactly the axes).
PLOT_AREAS = """charts => charts.map(chart => {
    const box = chart.getBoundingClientRect();
    const area = chart.querySelector('.nsewdrag') || chart.querySelector('g.cartesianlayer .bg');
    const inner = area ? area.getBoundingClientRect() : {width: 0, height: 0};
    return {w: box.width, h: box.height, aw: inner.width, ah: inner.height};
})"""


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


def check_charts(page, width: int, height: int) -> None:
    """Every chart within the screen's width, its plot area at least half its width and height."""
    areas = page.locator(harness.CHART).evaluate_all(PLOT_AREAS)
    print(f"{width}x{height}: charts (w, h, plot w, plot h): "
          + "; ".join(f"{a['w']:.0f} {a['h']:.0f} {a['aw']:.0f} {a['ah']:.0f}" for a in areas))
    assert areas, "no chart after training"
    for a in areas:
        assert a["w"] <= width, f"chart wider than the screen: {a}"
        assert a["aw"] >= a["w"] / 2, f"plot area under half the chart's width at {width}x{height}: {a}"
        assert a["ah"] >= a["h"] / 2, f"plot area under half the chart's height at {width}x{height}: {a}"


def test_presenter_layout_fits_a_projector(server, chrome):
    """One session, trained once: the form and the charts checked at each projector size."""
    context = chrome.new_context(viewport=dict(zip(("width", "height"), SCREENS[0], strict=True)))
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server.url + "train?preset=first_lesson&presenter=1")
        harness.wait_idle(page)
        page.wait_for_selector(harness.TRAIN)
        assert not harness.problems(page)
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)
            shoot(page, f"presenter-{width}x{height}-train-form")
            check_form(page, width, height)

        harness.train_and_wait(page)
        assert not harness.problems(page)
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(700)  # plotly redraws to the new width
            page.locator(harness.CHART).first.scroll_into_view_if_needed()
            shoot(page, f"presenter-{width}x{height}-train-charts")
            check_charts(page, width, height)
    finally:
        context.close()
