"""How fast the pages answer: server-side rerun time of each page with a finished run in the
session (AppTest, target <= 0.3 s), and the time from pressing Train to the first live chart
in a real browser against `streamlit run` (needs Chromium; skipped without it).

    python -m bench.bench_pages [--repeats 5] [--preset lstm_adding] [--no-browser]   (from the repo root)
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import rnnviz  # noqa: E402
from scripts import harness  # noqa: E402

TARGET_S = 0.3


def page_reruns(runs: list[rnnviz.Run], repeats: int) -> list[tuple[str, float, float]]:
    """(page, median s, max s) of `repeats` reruns of each page; the last run is the current one."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    for k, run in enumerate(runs):
        at.session_state["store"].add(run, f"bench {k}")
    rows = []
    for page in ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]:
        at.switch_page(page).run()  # the first draw of a page is not what a rerun costs
        if at.exception:
            raise SystemExit(f"{page}: {at.exception}")
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
        rows.append((page, statistics.median(times), max(times)))
    return rows


def in_browser(preset: str, repeats: int, times: int = 2):
    """In Chromium against `streamlit run`: seconds from the Train click to the first live chart
    and to the finished run (the server's first training, cold with torch's lazy imports, then
    again); then, with those runs in the session, each page's rerun as the browser sees it."""
    with harness.Server(ROOT / "test-output" / "bench-server.log") as server, harness.browser() as chrome:
        page = chrome.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(server.url)
        harness.wait_idle(page)
        page.locator(f".st-key-preset-{preset} button").click()
        harness.wait_for_path(page, "/train")
        results = []
        for _ in range(times):
            page.wait_for_selector(f"{harness.TRAIN}:not([disabled])", timeout=120_000)
            started = time.monotonic()
            page.locator(harness.TRAIN).click()
            page.wait_for_selector(harness.STOP, timeout=120_000)  # the live panel is up
            page.wait_for_selector(harness.CHART, timeout=120_000)
            first = time.monotonic() - started
            page.wait_for_selector(harness.STOP, state="detached", timeout=300_000)
            harness.wait_idle(page)
            results.append((first, time.monotonic() - started))
        return results, browser_reruns(page, repeats)


WATCH_STATES = """() => {
  window.rnnvizStates = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.rnnvizStates.push([performance.now(), app.dataset.testScriptState]))
    .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""
# A quick run may go from rerunRequested straight to notRunning: any change, ending idle, is the rerun.
RERUN_DONE = """() => window.rnnvizStates.length > 1
  && window.rnnvizStates[window.rnnvizStates.length - 1][1] === 'notRunning'"""


def browser_reruns(page, repeats: int) -> list[tuple[str, float, float]]:
    """(page, median s, max s) from pressing R (Streamlit's rerun key) to the end of the run, as
    the page's script-state attribute tells (a MutationObserver: a short run is easily missed)."""
    page.evaluate(WATCH_STATES)
    rows = []
    for title in harness.nav_links(page):
        harness.open_page(page, title)
        times, missed = [], 0
        while len(times) < repeats:
            page.locator("h1").first.click()  # focus the page, not a widget, so R means rerun
            page.evaluate("window.rnnvizStates = []")
            pressed = page.evaluate("performance.now()")
            page.keyboard.press("r")
            try:
                page.wait_for_function(RERUN_DONE, timeout=10_000)
            except PlaywrightTimeout:  # the key went elsewhere (now and then): press again
                missed += 1
                if missed > repeats:
                    raise RuntimeError(f"{title}: no rerun seen after R; script states "
                                       f"{page.evaluate('window.rnnvizStates')}") from None
                continue
            done = page.evaluate("window.rnnvizStates[window.rnnvizStates.length - 1][0]")
            times.append((done - pressed) / 1000)
        rows.append((title, statistics.median(times), max(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--preset", default="lstm_adding", choices=sorted(rnnviz.PRESETS))
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    cfg = rnnviz.PRESETS[args.preset].config
    started = time.perf_counter()
    run = rnnviz.train(cfg)
    print(f"run: preset {args.preset}, {run.steps_done} steps, {len(run.records)} records, "
          f"trained in {time.perf_counter() - started:.1f} s; Compare also has the same run with "
          "another cell\n")
    other = rnnviz.train(cfg.replace(cell="gru" if cfg.cell != "gru" else "lstm"))
    print(f"{'page':<22} {'median rerun':>13} {'max':>8}   target <= {TARGET_S} s")
    for page, median, worst in page_reruns([other, run], args.repeats):
        flag = "" if median <= TARGET_S else "  OVER"
        print(f"{page:<22} {median:>12.3f}s {worst:>7.3f}s{flag}")

    if args.no_browser or not harness.chromium_available():
        print("\n(in the browser: skipped, no Chromium)")
        return
    live, reruns = in_browser(args.preset, args.repeats)
    print(f"\nChromium against streamlit run, preset {args.preset}:")
    for label, (first, done) in zip(("first training of the server", "again, same session"), live,
                                    strict=True):
        print(f"  {label:<30} Train -> first live chart {first:5.2f} s, -> finished {done:5.1f} s")
    print(f"\n{'page (browser, R key)':<22} {'median rerun':>13} {'max':>8}   (round trip: server run, "
          "its post-run work, websocket, drawing)")
    for title, median, worst in reruns:
        print(f"{title:<22} {median:>12.3f}s {worst:>7.3f}s")


if __name__ == "__main__":
    main()
