"""TrainerSlots: capacity under many threads, first-come first-served, the queue notice, stop, errors."""

import threading
import time

import pytest

from rnnviz.app.slots import TrainerSlots

TIMEOUT_S = 10


def wait_until(predicate, timeout=TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.002)


def start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def join_all(threads):
    for thread in threads:
        thread.join(TIMEOUT_S)
        assert not thread.is_alive()


@pytest.mark.parametrize("capacity", [1, 2, 3])
def test_capacity_respected_under_many_threads(capacity):
    slots, lock = TrainerSlots(capacity), threading.Lock()
    inside, peak, done = 0, 0, []

    def work(k):
        nonlocal inside, peak
        with slots.hold(poll_s=0.01) as held:
            assert held
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.005)
            with lock:
                inside -= 1
            done.append(k)

    join_all([start(work, k) for k in range(24)])
    assert sorted(done) == list(range(24))
    assert peak == capacity  # reached, never passed
    assert slots.running == 0 and slots.waiting == 0


def test_first_come_first_served():
    slots, order = TrainerSlots(1), []
    release = threading.Event()

    def holder():
        with slots.hold():
            release.wait(TIMEOUT_S)

    def waiter(k):
        with slots.hold(poll_s=0.01):
            order.append(k)

    threads = [start(holder)]
    wait_until(lambda: slots.running == 1)
    for k in range(6):  # each one queues before the next arrives
        threads.append(start(waiter, k))
        wait_until(lambda k=k: slots.waiting == k + 1)
    release.set()
    join_all(threads)
    assert order == list(range(6))


def test_on_wait_reports_how_many_are_ahead():
    slots = TrainerSlots(1)
    release, stop_first = threading.Event(), threading.Event()
    seen, results = [], {}

    def holder():
        with slots.hold():
            release.wait(TIMEOUT_S)

    def first():
        with slots.hold(stop=stop_first, poll_s=0.01) as held:
            results["first"] = held

    def second():
        with slots.hold(on_wait=seen.append, poll_s=0.01) as held:
            results["second"] = held

    threads = [start(holder)]
    wait_until(lambda: slots.running == 1)
    threads.append(start(first))
    wait_until(lambda: slots.waiting == 1)
    threads.append(start(second))
    wait_until(lambda: 1 in seen)            # one waiter ahead of it
    stop_first.set()                         # the one ahead gives up ...
    wait_until(lambda: seen[-1] == 0)        # ... so none is ahead, the slot is still taken
    assert set(seen) == {1, 0} and seen.index(0) > seen.index(1)
    release.set()
    join_all(threads)
    assert results == {"first": False, "second": True}


def test_stop_while_waiting_returns_false_and_leaves_the_queue():
    slots, stop, result = TrainerSlots(1), threading.Event(), []
    release = threading.Event()

    def holder():
        with slots.hold():
            release.wait(TIMEOUT_S)

    def waiter():
        with slots.hold(stop=stop, poll_s=0.01) as held:
            result.append(held)

    threads = [start(holder)]
    wait_until(lambda: slots.running == 1)
    threads.append(start(waiter))
    wait_until(lambda: slots.waiting == 1)
    stop.set()
    threads[1].join(TIMEOUT_S)
    assert result == [False]
    assert slots.waiting == 0 and slots.running == 1  # the holder keeps its slot
    release.set()
    join_all(threads)
    assert slots.running == 0
    with slots.hold() as held:  # and the queue still works afterwards
        assert held


def test_slot_released_when_the_training_raises():
    slots = TrainerSlots(1)
    with pytest.raises(RuntimeError), slots.hold() as held:
        assert held and slots.running == 1
        raise RuntimeError("training failed")
    assert slots.running == 0 and slots.waiting == 0
    with slots.hold() as held:
        assert held


def test_waiter_leaves_the_queue_when_its_notice_raises():
    # A Streamlit rerun interrupts the script thread inside on_wait (it draws the queue notice).
    slots, release, errors = TrainerSlots(1), threading.Event(), []

    def holder():
        with slots.hold():
            release.wait(TIMEOUT_S)

    def notice(ahead):
        raise KeyboardInterrupt("rerun")

    def waiter():
        try:
            with slots.hold(on_wait=notice, poll_s=0.01):
                pass
        except KeyboardInterrupt as error:
            errors.append(error)

    threads = [start(holder)]
    wait_until(lambda: slots.running == 1)
    threads.append(start(waiter))
    threads[1].join(TIMEOUT_S)
    assert len(errors) == 1 and slots.waiting == 0
    release.set()
    join_all(threads)
    assert slots.running == 0


@pytest.mark.parametrize("capacity", [0, -1, 1.5, "2"])
def test_capacity_must_be_a_positive_integer(capacity):
    with pytest.raises(ValueError, match="capacity"):
        TrainerSlots(capacity)


def test_expected_wait_from_the_holders_and_the_waiters_ahead():
    slots, release = TrainerSlots(2), threading.Event()

    def holder(seconds):
        with slots.hold(estimate=lambda: seconds):
            release.wait(TIMEOUT_S)

    def waiter(seconds):
        with slots.hold(estimate=lambda: seconds, poll_s=0.01):
            pass

    assert slots.expected_wait_s(0) == 0.0  # a free trainer: no wait
    threads = [start(holder, 30.0)]
    wait_until(lambda: slots.running == 1)
    assert slots.expected_wait_s(0) == 0.0  # one trainer still free
    threads.append(start(holder, 10.0))
    wait_until(lambda: slots.running == 2)
    assert slots.expected_wait_s(0) == 10.0  # the first to finish
    threads.append(start(waiter, 50.0))
    wait_until(lambda: slots.waiting == 1)
    # the one ahead takes the trainer free at 10 s (until 60 s); the next free one is at 30 s
    assert slots.expected_wait_s(1) == 30.0
    threads.append(start(waiter, 5.0))
    wait_until(lambda: slots.waiting == 2)
    assert slots.expected_wait_s(2) == 35.0  # 10 -> 60 and 30 -> 35: free at 35 s
    release.set()
    join_all(threads)
