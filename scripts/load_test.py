"""Load test (not in CI): N browser sessions press Train at once on one `streamlit run` server.

Each session trains the Train page's default configuration. All must finish; each session's run,
downloaded from its sidebar as a run file, must equal a solo `rnnviz.train` of the same config
(same seed); reports the server's peak RSS (target <= 1.5 GB) and p50/p95 time to finish.

    python scripts/load_test.py [--sessions 10] [--timeout 600]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import rnnviz  # noqa: E402
from rnnviz.app.job import configure_torch  # noqa: E402
from scripts import harness  # noqa: E402

FINISHED = re.compile(r"finished after \d+ steps")
QUEUED = "waiting for a free trainer"


class RssSampler(threading.Thread):
    """Samples a process's resident memory every `every_s` seconds."""

    def __init__(self, pid: int, every_s: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every_s, self.samples = pid, every_s, []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self.samples.append(harness.rss_mb(self.pid))
            except OSError:
                return
            self.halt.wait(self.every_s)


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (from /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def browser_pids() -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() in ("chromium", "chrome", "headless_shell"):
                    pids.append(int(proc.name))
            except OSError:
                pass
    return pids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600, help="seconds for all to finish")
    args = parser.parse_args()
    if not harness.chromium_available():
        print(f"no Chromium at {harness.CHROMIUM}: run scripts/ensure_chromium.sh", file=sys.stderr)
        return 2

    out = ROOT / "test-output" / "load"
    out.mkdir(parents=True, exist_ok=True)
    with harness.Server(out / "server.log") as server, harness.browser() as chrome:
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        idle_mb = server.rss_mb()
        pages = []
        for _ in range(args.sessions):  # a context per student: its own cookies, its own session
            page = chrome.new_context(viewport={"width": 1200, "height": 900}).new_page()
            page.set_default_timeout(120_000)
            page.goto(server.url)
            harness.wait_idle(page)
            harness.open_page(page, "Train")
            page.wait_for_selector(f"{harness.TRAIN}:not([disabled])")
            pages.append(page)
        ready_mb = server.rss_mb()
        print(f"{args.sessions} sessions open on the Train page; server RSS {idle_mb:.0f} MB at start, "
              f"{ready_mb:.0f} MB now")

        cpu_before = cpu_s([server.proc.pid]), cpu_s(browser_pids())
        started = time.monotonic()
        for page in pages:  # as fast as one client can: within a fraction of a second
            page.locator(harness.TRAIN).click()
        clicked_s = time.monotonic() - started
        finished: dict[int, float] = {}
        queued: set[int] = set()
        said: dict[int, str] = {}
        last_report = started
        while len(finished) < len(pages):
            now = time.monotonic()
            if now - started > args.timeout:
                print(f"TIMEOUT: {len(finished)}/{len(pages)} finished after {args.timeout:.0f} s; "
                      f"screenshots in {out}")
                for k, page in enumerate(pages):
                    page.screenshot(path=out / f"timeout-session-{k}.png")
                return 1
            if now - last_report >= 30:
                last_report = now
                print(f"  {now - started:4.0f} s: {len(finished)} finished, "
                      f"server RSS {server.rss_mb():.0f} MB", flush=True)
            for k, page in enumerate(pages):
                if k in finished:
                    continue
                if page.get_by_text(QUEUED).count():
                    queued.add(k)
                if page.get_by_text(FINISHED).count():
                    finished[k] = time.monotonic() - started
                    said[k] = page.get_by_text(FINISHED).first.inner_text()
                problems = harness.problems(page)
                if problems:
                    print(f"session {k}: {problems}\n{server.log_tail()}")
                    return 1
            time.sleep(0.1)
        sampler.halt.set()
        wall = time.monotonic() - started
        cpu_server = cpu_s([server.proc.pid]) - cpu_before[0]
        cpu_browser = cpu_s(browser_pids()) - cpu_before[1]
        peak_mb = max(max(sampler.samples), server.peak_rss_mb())
        end_mb = server.rss_mb()

        # Each session's run, as its student would download it, against a solo run of its config.
        configure_torch()  # the server's torch threads (RNNVIZ_TORCH_THREADS), for the same arithmetic
        mismatches, configs, solo_cache = [], set(), {}
        with tempfile.TemporaryDirectory() as tmp:
            for k, page in enumerate(pages):
                with page.expect_download() as download:
                    page.get_by_role("button", name=re.compile("Download run file")).click()
                path = Path(tmp) / f"session-{k}.npz"
                download.value.save_as(path)
                run = rnnviz.load_run(path)
                key = repr(run.config.to_dict())
                configs.add(key)
                if key not in solo_cache:
                    solo_cache[key] = rnnviz.train(run.config)
                solo = solo_cache[key]
                try:
                    pd.testing.assert_frame_equal(run.history, solo.history, check_exact=True)
                    assert (run.grad_by_time == solo.grad_by_time).all()
                except AssertionError as err:
                    mismatches.append((k, str(err)[:300]))

    times = sorted(finished.values())
    print("the app said: " + " | ".join(said[k] for k in sorted(said)[:3]))
    cfg = next(iter(solo_cache.values())).config
    print(f"trained: {cfg.cell} on {cfg.task}, hidden {cfg.hidden_size}, {cfg.steps} steps, seed {cfg.seed}"
          f" ({len(configs)} distinct config(s) across sessions)")
    print(f"all {len(times)} sessions finished; {len(queued)} saw the queue notice; "
          f"clicks spread over {clicked_s:.2f} s")
    print(f"time to finish: p50 {percentile(times, 50):.1f} s, p95 {percentile(times, 95):.1f} s, "
          f"max {times[-1]:.1f} s")
    print(f"server RSS: {idle_mb:.0f} MB at start, peak {peak_mb:.0f} MB (target <= 1536), "
          f"{end_mb:.0f} MB at the end")
    print(f"CPU while training: server {cpu_server:.0f} s, browsers {cpu_browser:.0f} s, over {wall:.0f} s "
          f"of wall time on {os.cpu_count()} cores (the browsers share this machine)")
    print("results identical to solo runs: " + ("yes, all sessions" if not mismatches else
                                                f"NO: {mismatches}"))
    return 0 if not mismatches and peak_mb <= 1536 else 1


if __name__ == "__main__":
    sys.exit(main())
