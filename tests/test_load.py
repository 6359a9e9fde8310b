"""A small load test: concurrent trainings through shared TrainerSlots give the solo results.

scripts/load_test.py is the full version (10 browser sessions against a real server)."""

import threading

import numpy as np
import pandas as pd

import rnnviz
from rnnviz.app.job import TrainingJob
from rnnviz.app.slots import TrainerSlots

CONFIGS = [rnnviz.RunConfig(cell=cell, task="adding", hidden_size=16, seq_len=20, batch_size=16,
                            steps=60, record_every=20, probe_size=4, seed=seed)
           for cell, seed in (("lstm", 0), ("gru", 1), ("lstm", 0), ("rnn_tanh", 2))]


def test_concurrent_trainings_match_solo_runs_and_respect_capacity():
    solo = [rnnviz.train(cfg) for cfg in CONFIGS]
    lock, inside, peak = threading.Lock(), 0, 0

    def counted_train(cfg, **kwargs):
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        try:
            return rnnviz.train(cfg, **kwargs)
        finally:
            with lock:
                inside -= 1

    slots = TrainerSlots(2)
    jobs = [TrainingJob(cfg, slots=slots, train_fn=counted_train).start() for cfg in CONFIGS]
    assert all(job.wait(timeout=120) for job in jobs)
    assert [job.state for job in jobs] == ["finished"] * len(jobs)
    assert peak == 2  # the queue was used, and never more than two trained at once
    for job, alone in zip(jobs, solo, strict=True):
        pd.testing.assert_frame_equal(job.run.history, alone.history, check_exact=True)
        np.testing.assert_array_equal(job.run.grad_by_time, alone.grad_by_time)
        for got, want in zip(job.run.records, alone.records, strict=True):
            np.testing.assert_array_equal(got.hidden[-1], want.hidden[-1])
