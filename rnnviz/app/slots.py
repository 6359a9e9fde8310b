"""TrainerSlots: at most N trainings at once on a shared server, the rest wait in a fair queue."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class TrainerSlots:
    """A first-come, first-served semaphore that can tell each waiter how many are ahead of it."""

    def __init__(self, capacity: int = 2):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity: must be a positive integer, got {capacity!r}")
        self.capacity = capacity
        self._running = 0
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @contextmanager
    def hold(self, on_wait: Callable[[int], None] | None = None,
             stop: threading.Event | None = None, poll_s: float = 0.25) -> Iterator[bool]:
        """Wait for a slot, calling on_wait(waiters ahead) while queued; yield True once held, or
        False if `stop` was set while waiting. The slot is given back on exit, whatever happens."""
        ticket, acquired = object(), False
        with self._changed:
            self._queue.append(ticket)
            try:
                while True:
                    if self._queue[0] is ticket and self._running < self.capacity:
                        self._queue.popleft()
                        self._running += 1
                        acquired = True
                        break
                    if stop is not None and stop.is_set():
                        break
                    if on_wait is not None:  # called under the lock: keep it quick
                        on_wait(self._queue.index(ticket))
                    self._changed.wait(poll_s)
            finally:
                if not acquired:
                    self._queue.remove(ticket)
                self._changed.notify_all()
        try:
            yield acquired
        finally:
            if acquired:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()
