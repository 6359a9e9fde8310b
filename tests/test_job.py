"""TrainingJob: trains in the background, queues for a slot, stops, and never loses an error."""

import time

import pytest
import torch

from rnnviz import CELLS, TASKS, RunConfig
from rnnviz.app.job import Progress, TrainingJob, configure_torch, outcome, panel_line
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots

TINY = dict(hidden_size=4, seq_len=12, batch_size=4, steps=3, record_every=2, probe_size=2)


def wait(job, timeout=60):
    assert job.wait(timeout), f"job still {job.state} after {timeout} s"
    return job


@pytest.mark.parametrize("i, task", list(enumerate(TASKS)))
def test_every_task_trains_through_a_job(i, task):
    """A smoke test: each task once, the cells in turn (tests/test_train.py trains every pair)."""
    cell = list(CELLS)[i % len(CELLS)]
    job = wait(TrainingJob(RunConfig(cell=cell, task=task, **TINY), TrainerSlots(1)).start())
    assert job.state == "finished", (cell, task, job.status)
    assert job.run.steps_done == 3 and job.run.records


def test_clipping_changes_the_applied_norm():
    base = RunConfig(cell="rnn_tanh", hidden_size=16, seq_len=20, steps=20, lr=0.1, optimizer="sgd",
                     recurrent_init="scaled", spectral_radius=2.0)
    on = wait(TrainingJob(base.replace(clip_norm=0.1), TrainerSlots(1)).start()).run.history
    off = wait(TrainingJob(base.replace(clip_norm=None), TrainerSlots(1)).start()).run.history
    assert (on.grad_norm_clipped <= 0.1 + 1e-5).all() and on.clipped.any()
    assert (off.grad_norm_clipped == off.grad_norm).all() and not off.clipped.any()


def test_a_job_waits_for_a_slot_and_says_how_many_are_ahead():
    slots = TrainerSlots(1)
    with slots.hold():  # the only trainer is busy
        first = TrainingJob(RunConfig(**TINY), slots).start()
        second = TrainingJob(RunConfig(**TINY), slots).start()
        time.sleep(0.6)
        assert first.state == second.state == "queued"
        assert "next in line" in first.status and "1 ahead" in second.status
        assert first.progress() == Progress(0, 3, 0.0)
    wait(first), wait(second)
    assert first.state == second.state == "finished"


def test_stop_while_queued_and_while_training():
    slots = TrainerSlots(1)
    with slots.hold():
        queued = TrainingJob(RunConfig(**TINY), slots).start()
        queued.stop()
        wait(queued)
    assert queued.state == "stopped" and queued.run is None
    long = TrainingJob(RunConfig(**{**TINY, "steps": 100_000}), slots).start()
    for _ in range(200):
        if long.run is not None and long.run.steps_done > 2:
            break
        time.sleep(0.05)
    assert long.snapshot().steps_done > 0
    long.stop()
    wait(long)
    assert long.state == "stopped" and 0 < long.run.steps_done < 100_000 and long.run.records


def test_an_exception_becomes_the_error_message():
    def broken(cfg, **kwargs):
        raise RuntimeError("boom")

    job = wait(TrainingJob(RunConfig(**TINY), TrainerSlots(1), train_fn=broken).start())
    assert job.state == "error" and job.status == "error: RuntimeError: boom"
    bad = wait(TrainingJob(RunConfig(task="chars", seq_len=10, task_options={"text": "ab"}),
                           TrainerSlots(1)).start())
    assert bad.state == "error" and bad.error.startswith("task_options.text")


def test_a_diverged_run_is_reported():
    cfg = RunConfig(cell="rnn_tanh", task="sine", hidden_size=16, seq_len=30, steps=200, optimizer="sgd",
                    lr=10.0, clip_norm=None, recurrent_init="scaled", spectral_radius=5.0)
    job = wait(TrainingJob(cfg, TrainerSlots(1)).start())
    assert job.state == "diverged" and job.status.startswith("diverged at step")


def long_job(slots=None, alive=None, **settings):
    """A job that would train for minutes unless something stops it."""
    return TrainingJob(RunConfig(**{**TINY, "steps": 100_000}), slots or TrainerSlots(1),
                       settings=Settings(**settings), alive=alive).start()


def test_an_abandoned_job_stops_itself():
    job = long_job(abandon_s=1)
    started = time.monotonic()
    wait(job, 30)
    assert job.state == "stopped" and not job.timed_out and 0.9 < time.monotonic() - started < 10


def test_a_connected_tab_keeps_its_job_and_a_closed_one_stops_it_soon():
    connected = [True]  # no heartbeat at all: the tab is hidden, its timers throttled
    job = long_job(alive=lambda: connected[0], abandon_s=1)
    time.sleep(2.5)
    assert job.state == "training" and not job.stop_event.is_set()
    connected[0] = False  # the tab is closed
    closed = time.monotonic()
    wait(job, 30)
    assert job.state == "stopped" and time.monotonic() - closed < 5


def test_a_run_stops_at_the_wall_time_cap_and_says_so():
    job = long_job(max_run_s=1)
    wait(job, 30)
    assert job.state == "stopped" and job.timed_out and 0 < job.run.steps_done < 100_000
    assert job.run.elapsed_s < 5
    [(kind, text)] = outcome(job, "run #1")
    assert kind == "info" and "limit of 1 s" in text


def test_the_queue_notice_says_the_expected_wait_from_the_running_jobs_progress():
    slots = TrainerSlots(1)
    running = TrainingJob(RunConfig(**{**TINY, "steps": 400}), slots).start()
    queued = TrainingJob(RunConfig(**TINY), slots).start()
    while running.progress().steps_done < 20 and not running.done:
        time.sleep(0.02)
    p = running.progress()
    expected = (p.steps - p.steps_done) / p.steps_per_s  # what it still needs at its own speed
    fraction, text = panel_line(queued)
    assert fraction is None and "expected wait about" in text and "next in line" in text
    assert queued.expected_wait_s() == pytest.approx(expected, rel=0.5, abs=1.0)
    assert queued.expected_wait_s() <= running.max_run_s
    running.stop(), wait(running), wait(queued)


def test_the_settings_reach_the_job(monkeypatch):
    monkeypatch.setenv("RNNVIZ_ABANDON_S", "7")
    monkeypatch.setenv("RNNVIZ_MAX_RUN_S", "60")
    job = TrainingJob(RunConfig(**TINY), TrainerSlots(1))
    assert job.abandon_after_s == 7.0 and job.max_run_s == 60.0
    monkeypatch.setenv("RNNVIZ_ABANDON_S", "soon")
    assert TrainingJob(RunConfig(**TINY), TrainerSlots(1)).abandon_after_s == Settings().abandon_s


def test_torch_threads_are_set_once(monkeypatch):
    configure_torch.cache_clear()
    monkeypatch.setenv("RNNVIZ_TORCH_THREADS", "1")
    before = torch.get_num_threads()
    try:
        assert configure_torch() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("RNNVIZ_TORCH_THREADS", "3")
        assert configure_torch() == 1  # once per process
    finally:
        torch.set_num_threads(before)


def test_slots_from_the_settings(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "3")
    assert TrainerSlots.from_settings(Settings.from_env()).capacity == 3
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "many")
    assert TrainerSlots.from_settings(Settings.from_env()).capacity == 2


def test_outcome_says_what_happened():
    done = wait(TrainingJob(RunConfig(**TINY), TrainerSlots(1)).start())
    assert outcome(done, "run #1") == [("success", f"run #1: finished after 3 steps in "
                                                          f"{done.run.elapsed_s:.1f} s.")]
    slots = TrainerSlots(1)
    with slots.hold():
        empty = TrainingJob(RunConfig(**TINY), slots).start()
        empty.stop()
        wait(empty)
    assert outcome(empty) == [("info", "The run stopped before its first step: nothing to keep.")]
    failed = wait(TrainingJob(RunConfig(task="chars", seq_len=10, task_options={"text": "ab"}),
                              TrainerSlots(1)).start())
    assert [kind for kind, _ in outcome(failed)] == ["error"]
