"""How fast a page switch feels: with finished runs in the session, the time from clicking a
sidebar page link to the last Plotly chart drawn in Chromium (target <= 0.5 s), split into the
script run (click -> the app's script state is notRunning again) and the drawing after it.

    python -m bench.bench_browser [--preset gru_text] [--steps 200] [--repeats 5] [--presenter]

Trains the preset twice in the browser (Compare then has two runs of one task), then switches
to each page `--repeats` times from a page without charts (Home; Home itself from Train)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rnnviz  # noqa: E402
from scripts import harness  # noqa: E402

TARGET_S = 0.5
QUIET_MS = 800  # no new chart for this long after the script run ended: the page has drawn
# In the page: click the link, then watch the script state and the number of drawn Plotly
# charts (a chart has its .main-svg layer once drawn); resolve once the run has ended and the count
# has been still for QUIET_MS. Times in ms from the click.
SWITCH = """async ([title, quiet]) => {
  const link = [...document.querySelectorAll("[data-testid='stSidebarUserContent'] a")]
      .find(a => a.innerText.trim().split('\\n').pop().trim() === title);
  if (!link) return null;
  const app = document.querySelector("[data-testid='stApp']");
  const from = location.pathname;
  const drawn = () => [...document.querySelectorAll('.js-plotly-plot')]
      .filter(chart => chart.querySelector('.main-svg')).length;
  const t0 = performance.now();
  link.click();
  let count = drawn(), changed = t0, ended = null;
  return await new Promise(resolve => {
    const tick = () => {
      const now = performance.now();
      const n = drawn();
      if (n !== count) { count = n; changed = now; }
      const idle = app.dataset.testScriptState === 'notRunning';
      if (location.pathname !== from && idle && ended === null) ended = now;
      if (!idle) ended = null;
      if (ended !== null && now - Math.max(ended, changed) > quiet) {
        resolve({script: ended - t0, drawn: Math.max(ended, changed) - t0, charts: count});
      } else if (now - t0 > 60000) resolve({timeout: true, path: location.pathname, charts: count});
      else setTimeout(tick, 5);
    };
    tick();
  });
}"""


def switch(page, title: str) -> dict:
    """Click the link to `title` and wait until it has drawn; ms from the click (see SWITCH)."""
    result = page.evaluate(SWITCH, [title, QUIET_MS])
    if result is None:
        raise SystemExit(f"no sidebar link to {title!r}")
    if result.get("timeout"):
        raise SystemExit(f"{title}: not drawn after 60 s ({result})")
    harness.wait_idle(page)
    return result


def measure(server_url: str, preset: str, steps: int | None, repeats: int, presenter: bool,
            viewport: tuple[int, int]) -> list[tuple[str, float, float, float, int]]:
    """(page, median script s, median drawn s, max drawn s, charts) for every sidebar page."""
    query = f"train?preset={preset}" + (f"&steps={steps}" if steps else "") + ("&presenter=1" * presenter)
    with harness.browser() as chrome:
        page = chrome.new_page(viewport=dict(zip(("width", "height"), viewport, strict=True)))
        page.set_default_timeout(300_000)
        page.goto(server_url + query)
        harness.wait_idle(page)
        for _ in range(2):
            started = time.monotonic()
            harness.train_and_wait(page, 600_000)
            print(f"trained {preset} in {time.monotonic() - started:.1f} s (browser)", flush=True)
        titles = ["Home", "Train", "Hidden states", "Gates", "Gradients", "Compare"]
        rows, here = [], "Train"  # training left the browser on Train
        for title in titles:
            origin = "Train" if title == "Home" else "Home"
            results = []
            for _ in range(repeats):
                if here != origin:
                    switch(page, origin)
                results.append(switch(page, title))
                here = title

            problems = harness.problems(page)
            if problems:
                raise SystemExit(f"{title}: {problems}")
            drawn = [r["drawn"] / 1000 for r in results]
            print(f"{title}: " + " ".join(f"{d:.2f}" for d in drawn), flush=True)
            rows.append((title, statistics.median(r["script"] / 1000 for r in results),
                         statistics.median(drawn), max(drawn), results[-1]["charts"]))
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gru_text", choices=sorted(rnnviz.PRESETS))
    parser.add_argument("--steps", type=int, default=200, help="train this many steps (0: the preset's)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--presenter", action="store_true", help="presenter mode (one view per page)")
    parser.add_argument("--size", default="1440x900", help="browser viewport, WIDTHxHEIGHT")
    args = parser.parse_args()
    if not harness.chromium_available():
        raise SystemExit(f"no Chromium at {harness.CHROMIUM}: run scripts/ensure_chromium.sh")
    viewport = tuple(int(v) for v in args.size.split("x"))
    with harness.Server(ROOT / "test-output" / "bench-browser-server.log") as server:
        rows = measure(server.url, args.preset, args.steps or None, args.repeats, args.presenter, viewport)
    mode = " presenter" if args.presenter else ""
    print(f"\npage switch in Chromium, {args.size}{mode}, preset {args.preset}, median of {args.repeats} "
          f"(script: click -> script run ended; drawn: -> last chart drawn); target <= {TARGET_S} s")
    print(f"{'page':<16} {'script':>8} {'drawn':>8} {'max':>8} {'charts':>7}")
    for title, script, drawn, worst, charts in rows:
        flag = "" if drawn <= TARGET_S else "  OVER"
        print(f"{title:<16} {script:>7.3f}s {drawn:>7.3f}s {worst:>7.3f}s {charts:>7}{flag}")


if __name__ == "__main__":
    main()
