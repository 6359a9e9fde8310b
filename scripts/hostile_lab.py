"""The bench for hostile inputs: a real server under a memory watchdog, Chromium, a loopback sink
that records every request (a request means an injection worked), and one trial per input."""

from __future__ import annotations

import re
import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from scripts import harness
from scripts.sink import Sink

UPLOADER = ".st-key-w-compare_files input[type='file']"  # Compare's "Add run files"
H1 = "[data-testid='stHeading'], h1"  # a page has drawn its title
# The store's answer to an upload ("Opened …" or "… is not a run file"), or the page's catch-all.
OPENED = "[data-testid='stAlertContentSuccess'], [data-testid='stAlertContentError']"
ALERTS = {kind: f"[data-testid='stAlertContent{kind.capitalize()}']"
          for kind in ("error", "warning", "info", "success")}
TRAINED = re.compile(r"(finished|stopped) after \d+ steps|diverged at step")  # a job's closing message
GENERIC = re.compile(r"^(Something went wrong|Could not draw)")  # the app's catch-all: a page crashed
# A notice that a config was refused, shrunk or capped (the wording is the fixers' to choose).
NOTICE = re.compile(r"limit|lower|raised|reduc|shrunk|smaller|too (large|big|long|many|slow|costly|much)|"
                    r"refus|exceed|at most|memory|estimat|instead|capped|cap of|fit", re.I)
NOT_A_NOTICE = re.compile(r"This session keeps at most")  # the store dropping old runs
LINKS_JS = """port => [...document.querySelectorAll('a, img, image, iframe, source')]
  .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || '')
  .filter(u => u.includes(':' + port))"""


@dataclass
class Result:
    """What one hostile input did."""

    key: str
    what: str
    outcome: str = ""
    peak_mb: float = float("nan")   # VmHWM during the input (reset before it), or the watchdog's max
    base_mb: float = float("nan")   # RSS before it
    wall_s: float = 0.0
    student: str = ""               # "ok", or what a second student's tab saw
    died: str = ""                  # how the server ended, if it did
    exceeded: bool = False          # killed by the watchdog
    injected: list[str] = field(default_factory=list)   # requests the sink saw, links/images in the DOM
    traceback: list[str] = field(default_factory=list)  # stException texts
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (kind, text), in order seen
    job: str = ""                   # "", "no job", "done", "stopped", "stop failed", "timeout"
    stop_s: float | None = None     # seconds from pressing Stop to the job ending
    notes: list[str] = field(default_factory=list)
    timed_out: bool = False         # the page never settled within the input's time

    def texts(self, *kinds: str) -> list[str]:
        return [t for k, t in self.alerts if k in kinds]

    @property
    def notices(self) -> list[str]:
        """Errors, warnings and infos that say something was refused, shrunk or capped."""
        said = self.texts("error", "warning", "info")
        return [t for t in said if NOTICE.search(t) and not TRAINED.search(t) and not NOT_A_NOTICE.search(t)]


class Lab:
    """Server (restarted when it dies), watchdog, Chromium, a student tab, the sink."""

    def __init__(self, out_dir: Path, ceiling_mb: float = 4000, env: dict[str, str] | None = None):
        self.out_dir, self.ceiling_mb, self.env = out_dir, ceiling_mb, env
        self.server: harness.Server | None = None
        self.starts, self.max_rss, self.exceeded = 0, 0.0, False
        self._stack = ExitStack()
        self._watching = threading.Event()

    def __enter__(self) -> Lab:
        self.sink = Sink()
        self._stack.callback(self.sink.close)
        self.chrome = self._stack.enter_context(harness.browser())
        self.student = self.chrome.new_context(viewport={"width": 1300, "height": 1000}).new_page()
        self.student.set_default_timeout(20_000)
        self._stack.callback(lambda: self.server and self.server.stop())
        self._watching.set()
        threading.Thread(target=self._watch, daemon=True).start()
        self._stack.callback(self._watching.clear)
        self.restart()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    # --- the server -------------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.server is not None and self.server.proc.poll() is None

    def restart(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.starts += 1
        self.server = harness.Server(self.out_dir / f"server-{self.starts}.log", env=self.env).start()
        self.student_check()  # the first page load imports torch and the pages
        self.fresh_mb = self.server.rss_mb()

    def _watch(self) -> None:
        """Every 0.1 s: the server's RSS; above the ceiling it is killed."""
        while self._watching.is_set():
            server = self.server
            if server is not None and server.proc.poll() is None:
                try:
                    rss = harness.rss_mb(server.proc.pid)
                except OSError:
                    rss = 0.0
                self.max_rss = max(self.max_rss, rss)
                if rss > self.ceiling_mb:
                    self.exceeded = True
                    server.proc.kill()
            time.sleep(0.1)

    def _reset_peak(self) -> None:
        self.max_rss, self.exceeded = 0.0, False
        try:  # "5" resets the process's VmHWM to its current RSS (Linux >= 4.0)
            Path(f"/proc/{self.server.proc.pid}/clear_refs").write_text("5")
        except OSError:
            pass

    def _hwm(self) -> float:
        """The server's VmHWM since the reset; 0 once it is gone (a zombie has none)."""
        try:
            hwm = self.server.peak_rss_mb()
        except OSError:
            return 0.0
        return hwm if hwm == hwm else 0.0

    # --- pages --------------------------------------------------------------------------------------
    def settle(self, page, deadline: float, first_ms: float = 400, need: str | None = None) -> str:
        """Wait for the page's script run to finish (and `need` to be drawn, after a page load):
        'idle', 'died', 'exceeded' or 'timeout'."""
        page.wait_for_timeout(first_ms)  # an action starts its rerun a moment later
        while time.monotonic() < deadline:
            if self.exceeded:
                return "exceeded"
            if not self.alive():
                return "died"
            if page.query_selector(harness.IDLE) and (need is None or page.query_selector(need)):
                return "idle"
            page.wait_for_timeout(250)
        return "timeout"

    def student_check(self) -> str:
        """A second student: load Home, then open Compare; 'ok' or what went wrong."""
        page = self.student
        try:
            page.goto(self.server.url)
            page.wait_for_selector(harness.IDLE, timeout=30_000)
            harness.open_page(page, "Compare", timeout_ms=40_000)
        except Exception as err:  # Playwright errors: a refused connection, a page that never loads
            return f"connection error ({str(err).splitlines()[0][:60]})"
        if page.get_by_text("Connection error").count():
            return "connection error"
        found = harness.problems(page)
        return f"problem: {found[0][:60]}" if found else "ok"

    def gather(self, page, result: Result) -> None:
        for kind, selector in ALERTS.items():
            for el in page.query_selector_all(selector):
                text = el.inner_text().strip()
                if (kind, text) not in result.alerts:
                    result.alerts.append((kind, text))
        for el in page.query_selector_all("[data-testid='stException']"):
            text = el.inner_text().strip()[:300]
            if text not in result.traceback:
                result.traceback.append(text)
        for url in page.evaluate(LINKS_JS, self.sink.port):
            item = f"rendered {url.split(str(self.sink.port), 1)[-1]}"  # the path: which vector
            if item not in result.injected:
                result.injected.append(item)

    def open_title(self, page, title: str, deadline: float) -> str:
        for _ in range(2):  # a click that lands during a redraw can be lost: once more
            before = page.url
            page.locator(harness.NAV_LINK).filter(has_text=title).first.click()
            state = self.settle(page, deadline, first_ms=1200)
            if state != "idle" or page.url != before:
                return state
        return state

    def watch_job(self, page, clicked: float, deadline: float, result: Result) -> str:
        """After Train: until the job ends, the page settles without one, or `deadline` (then Stop)."""
        started, last_gather = False, 0.0
        while time.monotonic() < deadline:
            if self.exceeded or not self.alive():
                return "exceeded" if self.exceeded else "died"
            if page.query_selector(harness.STOP):
                started = True
            elif page.query_selector(harness.IDLE) and (started or time.monotonic() - clicked > 8):
                result.job = "done" if started else "no job"
                return "idle"
            if time.monotonic() - last_gather > 2:
                self.gather(page, result)
                last_gather = time.monotonic()
            page.wait_for_timeout(250)
        self.gather(page, result)
        if not page.query_selector(f"{harness.STOP}:not([disabled])"):
            result.job = "timeout"
            return "timeout"
        pressed = time.monotonic()
        page.locator(harness.STOP).click(timeout=5_000)
        while time.monotonic() - pressed < 15 and self.alive() and not self.exceeded:
            if not page.query_selector(harness.STOP):
                result.job, result.stop_s = "stopped", time.monotonic() - pressed
                return self.settle(page, time.monotonic() + 15)
            page.wait_for_timeout(200)
        result.job = "stop failed"
        return "exceeded" if self.exceeded else "died" if not self.alive() else "idle"

    def act(self, page, then: str, deadline: float, train_s: float, result: Result) -> str:
        if then in ("twin", "train"):
            button = (page.get_by_role("button", name=re.compile("Same run, clipping")) if then == "twin"
                      else page.locator(harness.TRAIN))
            if not button.count() or button.first.is_disabled():
                result.job = "no job"
                result.notes.append(f"no enabled {'twin' if then == 'twin' else 'Train'} button")
                return "idle"
            clicked = time.monotonic()
            button.first.click()
            return self.watch_job(page, clicked, min(deadline, clicked + train_s), result)
        return self.open_title(page, then, deadline)

    # --- one input ------------------------------------------------------------------------------------
    def trial(self, key: str, what: str, upload: Path | None, query: str | None, page_path: str = "",
              then: str = "", upload_name: str | None = None, limit_s: float = 60,
              train_s: float = 60) -> Result:
        """Deliver one input in a fresh browser session, then ask a student tab whether the class
        still works; restart the server if it died, was killed, or kept a job it could not stop."""
        result = Result(key, what)
        if not self.alive():
            self.restart()
        self.sink.hits.clear()
        result.base_mb = self.server.rss_mb()
        self._reset_peak()
        start = time.monotonic()
        deadline = start + limit_s
        context = self.chrome.new_context(viewport={"width": 1400, "height": 1400})
        page = context.new_page()
        page.set_default_timeout(15_000)
        state = "idle"
        try:
            if upload is not None:
                page.goto(self.server.url + "compare")
                state = self.settle(page, deadline, need=UPLOADER)
                if state == "idle":
                    files = ({"name": upload_name, "mimeType": "application/octet-stream",
                              "buffer": upload.read_bytes()} if upload_name else upload)
                    page.locator(UPLOADER).set_input_files(files)
                    state = self.settle(page, deadline, first_ms=1000, need=OPENED)
            else:
                page.goto(f"{self.server.url}{page_path}?{query}")
                state = self.settle(page, deadline, need=harness.TRAIN if page_path == "train" else H1)
            self.gather(page, result)
            if state == "idle" and then:
                state = self.act(page, then, deadline, train_s, result)
            page.wait_for_timeout(500)  # images load, plotly lays out
            self.gather(page, result)
        except Exception as err:  # a Playwright time-out or a page gone: note it, judge what was seen
            result.notes.append(f"browser: {str(err).splitlines()[0][:100]}")
        finally:
            context.close()
        result.wall_s = time.monotonic() - start
        result.injected[:0] = [f"fetched {path}" for path in dict.fromkeys(self.sink.hits)]
        if result.injected:
            result.notes.append("injection: " + ", ".join(result.injected))
        result.exceeded = self.exceeded
        if not self.alive() and not self.exceeded:
            code = self.server.proc.returncode
            result.died = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        result.peak_mb = max(self._hwm(), self.max_rss)
        if state == "timeout" and result.job not in ("stopped", "stop failed", "timeout"):
            result.timed_out = True
            result.notes.append(f"the page had not answered after {limit_s:g} s")
        result.student = self.student_check()[:40]
        if result.died or result.exceeded:
            result.notes.append(f"server log: {self.server.log_path}")
        busy = result.job == "stop failed" or result.timed_out  # still at work on this input
        if self.alive() and (busy or self.server.rss_mb() > self.fresh_mb + 800):
            result.notes.append("server restarted: still busy with this input, or holding its memory")
            self.restart()
        return result
