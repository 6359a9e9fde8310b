"""A real `streamlit run app.py` on a free loopback port and Debian's Chromium driven by Playwright.

Shared by the browser test, the load test and the soak script. Playwright never downloads a
browser here: it launches the system Chromium (scripts/ensure_chromium.sh installs it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("RNNVIZ_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium keeps dialling out (updates, sync), which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--disable-default-apps", "--metrics-recording-only"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
CHART = "[data-testid='stPlotlyChart'] .js-plotly-plot"
TRAIN = ".st-key-train button"  # the app's buttons by their widget keys (Streamlit's st-key-* classes)
STOP = ".st-key-stop button"
# Page links in the sidebar: st.navigation's own menu, or st.page_link entries drawn by the app.
NAV_LINK = ("[data-testid='stSidebarNav'] a, "
            "[data-testid='stSidebarUserContent'] [data-testid='stPageLink-NavLink']")
# A traceback on the page, or the app's own "something went wrong" / "could not draw" messages.
PROBLEM = "[data-testid='stException'], [data-testid='stAlertContentError']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    return _status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM) in MB."""
    return _status_mb(pid, "VmHWM")


class Server:
    """`streamlit run app.py` as a subprocess; its output goes to `log_path`."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout_s: float = 90) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log = self.log_path.open("w")
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--client.showErrorDetails", "full"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer on {self.url} in {timeout_s:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.proc.pid)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


@contextmanager
def browser():
    """A headless system Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chrome
        finally:
            chrome.close()


def wait_idle(page, timeout_ms: float = 60_000, settle_ms: float = 300) -> None:
    """Wait until the script run that an action started has finished.

    An action may start a rerun a moment later, so first give it `settle_ms` to start running."""
    try:
        page.wait_for_selector(RUNNING, timeout=settle_ms)
    except Exception:  # it finished already, or nothing reran
        pass
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def problems(page) -> list[str]:
    """Texts of exception and error elements on the page."""
    return [el.inner_text()[:500] for el in page.query_selector_all(PROBLEM)]


def _label(link) -> str:
    return link.inner_text().strip().splitlines()[-1].strip()  # drop a material icon's name


def nav_links(page) -> dict[str, str]:
    """Sidebar navigation: page title -> href, in the order drawn."""
    page.wait_for_selector(NAV_LINK, timeout=30_000)
    return {_label(a): a.get_attribute("href") for a in page.query_selector_all(NAV_LINK)}


def open_page(page, title: str, timeout_ms: float = 60_000) -> None:
    """Go to a page by clicking its sidebar link: the session (and its runs) is kept."""
    page.wait_for_selector(NAV_LINK, timeout=timeout_ms)
    for link in page.query_selector_all(NAV_LINK):
        if _label(link) == title:
            path = urlparse(urljoin(page.url, link.get_attribute("href") or "")).path
            break
    else:
        raise AssertionError(f"no sidebar link to {title!r} in {list(nav_links(page))}")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A click that lands while the current page is still redrawing can be lost (seen once in CI
    # as a 60 s time-out): click again, a few times, until the URL moves.
    for _ in range(3):
        next(link for link in page.query_selector_all(NAV_LINK) if _label(link) == title).click()
        try:
            wait_for_path(page, path, timeout_ms / 4)
            return
        except PlaywrightTimeout:
            continue
    wait_for_path(page, path, timeout_ms / 4)


def wait_for_path(page, path: str, timeout_ms: float = 60_000) -> None:
    """Wait until the browser shows the page at `path` and its script run has finished.

    A loaded machine may start the rerun later than `wait_idle` allows for; the URL changes
    only once the new page's run is under way."""
    page.wait_for_url(lambda url: urlparse(url).path.rstrip("/") == path.rstrip("/"), wait_until="commit",
                      timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def train_and_wait(page, timeout_ms: float = 120_000) -> float:
    """Press Train on the Train page and wait until the run is finished and its charts drawn.

    Returns the seconds from the click to the first live chart."""
    page.wait_for_selector(f"{TRAIN}:not([disabled])", timeout=timeout_ms)
    clicked = time.monotonic()
    page.locator(TRAIN).click()
    page.wait_for_selector(CHART, timeout=timeout_ms)
    first_chart_s = time.monotonic() - clicked
    page.wait_for_selector(STOP, state="detached", timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    page.wait_for_selector(CHART, timeout=timeout_ms)
    return first_chart_s
