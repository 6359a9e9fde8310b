"""Soak test (not in CI): random actions across the pages for a while, against `streamlit run`.

Browser sessions (Chromium under Playwright) open pages, open presets, press Train and Stop,
move sliders, flip toggles, pick options, switch runs; now and then a session leaves and a new
one arrives. Passes when no exception or error element ever shows and the server's RSS grows
less than 10% from the end of the warm-up to the end.

    python scripts/soak.py [--minutes 20] [--warmup 3] [--sessions 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts import harness  # noqa: E402

OUT = ROOT / "test-output" / "soak"
SKIP_BUTTONS = ("Deploy", "Download", "Upload", "Browse")  # no file dialogs, nothing leaves the page


class Walker:
    """One student: a browser context on the app, doing one random thing at a time."""

    def __init__(self, chrome, url: str, rng: random.Random, name: str):
        self.chrome, self.url, self.rng, self.name = chrome, url, rng, name
        self.context = self.page = None
        self.arrive()

    def arrive(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.chrome.new_context(viewport={"width": 1300, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.goto(self.url)
        harness.wait_idle(self.page)

    def act(self) -> str:
        actions = [(self.goto, 5), (self.preset, 2), (self.train, 3), (self.stop, 1), (self.slider, 3),
                   (self.toggle, 2), (self.segmented, 3), (self.select, 3), (self.button, 2),
                   (self.arrive_again, 0.3)]
        action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        what = action()
        settle(self.page)
        return what

    # The actions; each returns what it did, for the log.
    def goto(self) -> str:
        titles = list(harness.nav_links(self.page))
        title = self.rng.choice(titles)
        harness.open_page(self.page, title)
        return f"open {title}"

    def preset(self) -> str:
        harness.open_page(self.page, "Home")
        buttons = self.page.locator("[class*='st-key-preset-'] button:not([disabled])")
        if not buttons.count():
            return "preset: none enabled (a run is training)"
        k = self.rng.randrange(buttons.count())
        buttons.nth(k).click()
        return f"preset #{k}"

    def train(self) -> str:
        if "train" not in self.page.url:
            harness.open_page(self.page, "Train")
        button = self.page.locator(f"{harness.TRAIN}:not([disabled])")
        if not button.count():
            return "train: busy"
        button.click()
        return "train"

    def stop(self) -> str:
        button = self.page.locator(f"{harness.STOP}:not([disabled])")
        if not button.count():
            return "stop: nothing training"
        self.page.wait_for_timeout(self.rng.uniform(0, 3000))
        if button.count():
            button.first.click()
        return "stop"

    def slider(self) -> str:
        # Streamlit 1.67 sliders are react-aria: a visually hidden range input inside the widget.
        picked = self.pick("[data-testid='stSlider']:has(input[type='range']:not([disabled]))")
        if picked is None:
            return "slider: none"
        k, slider = picked
        key = self.rng.choice(["ArrowLeft", "ArrowRight"])
        slider.locator("input[type='range']").first.focus()
        for _ in range(self.rng.randint(1, 4)):
            self.page.keyboard.press(key)
        return f"slider #{k} {key}"

    def pick(self, selector: str):
        """(index, element) of one visible element `selector` finds, at random; None if none."""
        found = visible(self.page.locator(selector))
        if not found:
            return None
        k = self.rng.randrange(len(found))
        return k, found[k]

    def click_one(self, what: str, selector: str) -> str:
        """Click one of the visible elements `selector` finds, at random."""
        picked = self.pick(selector)
        if picked is None:
            return f"{what}: none"
        picked[1].click()
        return f"{what} #{picked[0]}"

    def toggle(self) -> str:
        return self.click_one("toggle", "[data-testid='stCheckbox']:has(input:not([disabled])) label")

    def segmented(self) -> str:
        return self.click_one("segmented", "[data-testid='stButtonGroup'] button:not([disabled])")

    def select(self) -> str:
        picked = self.pick("[data-testid='stSelectbox'] input[role='combobox']:not([disabled])")
        if picked is None:
            return "select: none"
        k, box = picked
        box.click()
        options = self.page.locator("[role='option']")
        try:
            options.first.wait_for(timeout=3000)
        except Exception:
            self.page.keyboard.press("Escape")
            return f"select #{k}: no options"
        j = self.rng.randrange(options.count())
        options.nth(j).click()
        return f"select #{k} option {j}"

    def button(self) -> str:
        buttons = [b for b in visible(self.page.locator("[data-testid='stMain'] button:not([disabled])"))
                   if not any(s in (b.inner_text() or "") for s in SKIP_BUTTONS)]
        if not buttons:
            return "button: none"
        choice = self.rng.choice(buttons)
        label = (choice.inner_text() or "").strip().splitlines()[-1:] or [""]
        choice.click()
        return f"button {label[0][:40]!r}"

    def arrive_again(self) -> str:
        self.arrive()
        return "left; a new session arrived"


def visible(locator) -> list:
    """The elements of `locator` a person could click now (not hidden in a closed expander)."""
    return [element for element in locator.all() if element.is_visible()]


def settle(page) -> None:
    try:
        harness.wait_idle(page, timeout_ms=20_000)
    except Exception:  # a live panel reruns twice a second while training: idle may not come
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="minutes before the first RSS reading")
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not harness.chromium_available():
        print(f"no Chromium at {harness.CHROMIUM}: run scripts/ensure_chromium.sh", file=sys.stderr)
        return 2

    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    log = (OUT / "actions.log").open("w", buffering=1)  # line by line: readable while it runs
    problems: list[str] = []
    failures = 0
    with harness.Server(OUT / "server.log") as server, harness.browser() as chrome:
        walkers = [Walker(chrome, server.url, rng, f"s{k}") for k in range(args.sessions)]
        started = time.monotonic()
        end = started + args.minutes * 60
        warm_mb = None
        timeline = []
        n = 0
        while time.monotonic() < end:
            elapsed = time.monotonic() - started
            if warm_mb is None and elapsed >= args.warmup * 60:
                warm_mb = server.rss_mb()
                print(f"warm-up done after {elapsed / 60:.1f} min: server RSS {warm_mb:.0f} MB", flush=True)
            if not timeline or elapsed - timeline[-1][0] >= 60:
                timeline.append((elapsed, server.rss_mb()))
                print(f"{elapsed / 60:5.1f} min  {n:5d} actions  RSS {timeline[-1][1]:.0f} MB", flush=True)
            walker = rng.choice(walkers)
            try:
                what = walker.act()
            except Exception as err:  # a flaky locator is the script's problem, not the app's
                failures += 1
                lines = [line.strip() for line in str(err).splitlines() if line.strip()]
                what = f"(action failed: {type(err).__name__}: {' / '.join(lines[:3])[:300]})"
                walker.page.keyboard.press("Escape")
            n += 1
            log.write(f"{elapsed:8.1f} {walker.name} {what}\n")
            found = harness.problems(walker.page)
            if found:
                shot = OUT / f"problem-{len(problems):03d}.png"
                walker.page.screenshot(path=shot)
                problems.append(f"{elapsed:.0f}s {walker.name} after {what}: {found} ({shot.name})")
                print("PROBLEM", problems[-1], flush=True)
        for walker in walkers:  # leave the pages quiet, let the server settle, then read memory
            walker.context.close()
        time.sleep(5)
        end_mb = server.rss_mb()
        peak_mb = server.peak_rss_mb()
        server_log = server.log_tail(100_000)

    warm_mb = warm_mb or timeline[0][1]
    growth = (end_mb - warm_mb) / warm_mb
    tracebacks = server_log.count("Traceback")
    print(f"\n{n} actions in {args.minutes:g} min by {args.sessions} sessions (seed {args.seed}); "
          f"{failures} actions could not be carried out (script side)")
    print(f"exception/error elements seen: {len(problems)}; tracebacks in the server log: {tracebacks}")
    print(f"server RSS: {warm_mb:.0f} MB after warm-up, {end_mb:.0f} MB at the end "
          f"({growth:+.1%}; limit +10%), peak {peak_mb:.0f} MB")
    print("timeline (min, MB): " + ", ".join(f"{t / 60:.0f}:{mb:.0f}" for t, mb in timeline))
    return 0 if not problems and growth < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
