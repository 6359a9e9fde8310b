"""What the command line shows and hears on a terminal: a training progress bar, and Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from rnnviz.run import Run


class Progress:
    """A progress bar on a terminal (redrawn with \\r), else a line every 10%."""

    def __init__(self, total: int, stream: IO[str], quiet: bool = False):
        self.total, self.stream, self.quiet, self.tty = total, stream, quiet, stream.isatty()
        self.every_s = 0.1 if self.tty else 0.0  # off a terminal, look at every step, print every 10%
        self.shown, self.width, self.started = -1, 0, time.perf_counter()

    def __call__(self, run: Run) -> None:
        steps = run.steps_done
        if self.quiet or not run.rows or (not self.tty and steps * 10 // self.total <= self.shown):
            return
        self.shown = steps * 10 // self.total
        row, rate = run.rows[-1], steps / max(time.perf_counter() - self.started, 1e-9)
        text = (f"{100 * steps // self.total:3d}% {steps}/{self.total} steps, loss {row['loss']:.4g}, "
                f"grad norm {row['grad_norm']:.3g}, {rate:.1f} steps/s")
        if self.tty:
            filled = 20 * steps // self.total
            text = f"\r[{'#' * filled}{'.' * (20 - filled)}] {text}"
            self.width = max(self.width, len(text))
            self.stream.write(text.ljust(self.width))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self, run: Run) -> None:
        self(run)
        if self.tty and self.width:
            self.stream.write("\n")


@contextmanager
def stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C sets `stop` (the run ends after this step and is saved); a second aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after this step (Ctrl-C again to abort)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
