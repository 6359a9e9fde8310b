"""TrainerSlots: at most N trainings at once on a shared server, the rest wait in a fair queue."""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rnnviz.app.settings import Settings

Estimate = Callable[[], float]  # seconds this holder or waiter still needs, once it trains


def _unknown() -> float:
    return 0.0


class TrainerSlots:
    """A first-come, first-served semaphore that can tell each waiter how many are ahead of it
    and, from what every holder and waiter says it still needs, how long it should wait."""

    def __init__(self, capacity: int = 2):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity: must be a positive integer, got {capacity!r}")
        self.capacity = capacity
        self._holders: set[object] = set()
        self._queue: deque[object] = deque()
        self._estimates: dict[object, Estimate] = {}
        self._changed = threading.Condition()

    @classmethod
    def from_settings(cls, settings: Settings) -> TrainerSlots:
        """RNNVIZ_MAX_TRAINERS slots; the app makes one per process and passes it to every job."""
        return cls(settings.max_trainers)

    @property
    def running(self) -> int:
        return len(self._holders)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def expected_wait_s(self, ahead: int) -> float:
        """Seconds until a waiter with `ahead` waiters before it gets a slot: the holders' own
        estimates of what they still need, then each waiter ahead in turn on the first free slot."""
        with self._changed:
            free = [0.0] * (self.capacity - len(self._holders))
            ends = free + [max(0.0, self._estimates.get(h, _unknown)()) for h in self._holders]
            heapq.heapify(ends)
            for ticket in list(self._queue)[:ahead]:
                heapq.heappush(ends, heapq.heappop(ends) + max(0.0, self._estimates.get(ticket, _unknown)()))
            return ends[0]

    @contextmanager
    def hold(self, on_wait: Callable[[int], None] | None = None, stop: threading.Event | None = None,
             poll_s: float = 0.25, estimate: Estimate | None = None) -> Iterator[bool]:
        """Wait for a slot, calling on_wait(waiters ahead) while queued; yield True once held, or
        False if `stop` was set while waiting. The slot is given back on exit, whatever happens.
        `estimate()` says how many seconds this training still needs (for the others' wait)."""
        ticket, acquired = object(), False
        with self._changed:
            self._queue.append(ticket)
            if estimate is not None:
                self._estimates[ticket] = estimate
            try:
                while True:
                    if self._queue[0] is ticket and len(self._holders) < self.capacity:
                        self._queue.popleft()
                        self._holders.add(ticket)
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
                    self._estimates.pop(ticket, None)
                self._changed.notify_all()
        try:
            yield acquired
        finally:
            if acquired:
                with self._changed:
                    self._holders.discard(ticket)
                    self._estimates.pop(ticket, None)
                    self._changed.notify_all()
