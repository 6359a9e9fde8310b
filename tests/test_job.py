"""TrainingJob: trains in the background, queues for a slot, stops, and never loses an error."""

import time

import pytest
import torch

from rnnviz import CELLS, TASKS, RunConfig
from rnnviz.app import job as jobmod
from rnnviz.app.job import Progress, TrainingJob
from rnnviz.app.slots import TrainerSlots

TINY = dict(hidden_size=4, seq_len=12, batch_size=4, steps=3, record_every=2, probe_size=2)


def wait(job, timeout=60):
    assert job.wait(timeout), f"job still {job.state} after {timeout} s"
    return job


@pytest.mark.parametrize("task", list(TASKS))
def test_every_cell_and_task_trains_a_few_steps(task):
    for cell in CELLS:
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


def test_an_abandoned_job_stops_itself():
    job = TrainingJob(RunConfig(**{**TINY, "steps": 100_000}), TrainerSlots(1), abandon_after_s=0.3).start()
    wait(job, 30)
    assert job.state == "stopped"


def test_torch_threads_are_set_once(monkeypatch):
    monkeypatch.setattr(jobmod, "_torch_threads", None)
    monkeypatch.setenv("RNNVIZ_TORCH_THREADS", "1")
    before = torch.get_num_threads()
    try:
        assert jobmod.configure_torch() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("RNNVIZ_TORCH_THREADS", "3")
        assert jobmod.configure_torch() == 1  # once per process
    finally:
        torch.set_num_threads(before)


def test_an_abandoned_job_waits_rnnviz_abandon_s(monkeypatch):
    monkeypatch.setenv("RNNVIZ_ABANDON_S", "7")
    assert TrainingJob(RunConfig(**TINY))._abandon_after_s == 7.0
    monkeypatch.setenv("RNNVIZ_ABANDON_S", "soon")
    assert TrainingJob(RunConfig(**TINY))._abandon_after_s == 300.0


def test_one_process_wide_slots(monkeypatch):
    monkeypatch.setattr(jobmod, "_slots", None)
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "3")
    assert jobmod.trainer_slots() is jobmod.trainer_slots() and jobmod.trainer_slots().capacity == 3
    monkeypatch.setattr(jobmod, "_slots", None)
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "many")
    assert jobmod.trainer_slots().capacity == 2


def test_outcome_says_what_happened():
    done = wait(TrainingJob(RunConfig(**TINY), TrainerSlots(1)).start())
    assert jobmod.outcome(done, "run #1") == [("success", f"run #1: finished after 3 steps in "
                                                          f"{done.run.elapsed_s:.1f} s.")]
    slots = TrainerSlots(1)
    with slots.hold():
        empty = TrainingJob(RunConfig(**TINY), slots).start()
        empty.stop()
        wait(empty)
    assert jobmod.outcome(empty) == [("info", "The run stopped before its first step: nothing to keep.")]
    failed = wait(TrainingJob(RunConfig(task="chars", seq_len=10, task_options={"text": "ab"}),
                              TrainerSlots(1)).start())
    assert [kind for kind, _ in jobmod.outcome(failed)] == ["error"]
