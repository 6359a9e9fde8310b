"""RunStore: named runs, a current one, and caps that drop the oldest (never the newest)."""

import numpy as np

from rnnviz import RunConfig
from rnnviz.app.runstore import RunStore, describe, file_name, run_bytes
from rnnviz.app.settings import Settings
from rnnviz.run import Record, Run


def fake_run(cell="lstm", clip=1.0, floats=0):
    hidden = [np.zeros(floats, dtype=np.float32)]
    record = Record(step=0, hidden=hidden, gates=[{}], cell_state=[], grad_by_time=np.zeros((1, 4)),
                    grad_by_time_total=None, param_grad_norm={}, param_grad_norm_clipped={},
                    spectral_radius={}, eigenvalues={}, probe_loss=0.0, val_loss=0.0)
    return Run(config=RunConfig(cell=cell, clip_norm=clip), records=[record])


def test_names_describe_the_run_and_count():
    store = RunStore()
    store.add(fake_run())
    store.add(fake_run("gru", None))
    assert store.names() == ["gru · adding · clip off · #2", "lstm · adding · clip 1 · #1"]
    assert store.current == "gru · adding · clip off · #2"
    assert describe(fake_run(clip=0.5)) == "lstm · adding · clip 0.5"


def test_the_oldest_runs_are_dropped_beyond_the_cap():
    store = RunStore(max_runs=3)
    dropped = [store.add(fake_run()) for _ in range(5)]
    assert dropped[:3] == [[], [], []]
    assert dropped[3] == ["lstm · adding · clip 1 · #1"] and dropped[4] == ["lstm · adding · clip 1 · #2"]
    assert len(store) == 3 and store.current.endswith("#5")


def test_memory_cap_keeps_at_least_the_newest():
    store = RunStore(max_runs=10, max_mb=1.0)
    store.add(fake_run(floats=200_000))  # 0.8 MB
    dropped = store.add(fake_run(floats=200_000))
    assert len(dropped) == 1 and len(store) == 1
    assert store.add(fake_run(floats=1_000_000)) and len(store) == 1  # too big alone: kept anyway
    assert run_bytes(store.current_run()) >= 4_000_000


def test_select_remove_and_current():
    store = RunStore()
    assert store.current_run() is None
    for _ in range(3):
        store.add(fake_run())
    first = store.names()[-1]
    store.select(first)
    assert store.current_run().name == first
    store.select("no such run")
    assert store.current == first
    store.remove(first)
    assert store.current_run().name == store.names()[0] and store.get(first) is None


def test_caps_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNNVIZ_MAX_RUNS", "3")
    monkeypatch.setenv("RNNVIZ_MAX_SESSION_MB", "oops")
    settings = Settings.from_env()
    assert settings.max_runs == 3 and settings.max_session_mb == 200.0
    assert RunStore.from_env().max_runs == 3 and RunStore.from_env().max_mb == 200.0
    monkeypatch.setenv("RNNVIZ_MAX_RUNS", "0")
    assert Settings.from_env().max_runs == 6 and RunStore.from_env().max_runs == 6


def test_open_file_and_file_name():
    store = RunStore()
    kind, text = store.open_file("broken.npz", b"not a zip file")
    assert kind == "error" and "broken.npz" in text and len(store) == 0
    run = fake_run()
    store.add(run)
    assert file_name(run) == "lstm-adding-1.npz"


def test_collect_keeps_a_finished_run_and_picks_the_pair_to_compare():
    store = RunStore()
    store.add(fake_run())
    base = store.current

    class Done:  # what collect reads of a finished TrainingJob
        state, label, error, timed_out = "finished", "", None, False
        run = fake_run()

    Done.run.rows = [object()]
    notes, pick = store.collect(Done(), compare_with=base)
    assert [kind for kind, _ in notes] == ["success"] and pick == [base, store.current]
    assert store.collect(Done(), compare_with="gone")[1] == []


def test_a_pinned_run_survives_the_caps_and_pins_leave_room_for_a_new_run():
    store = RunStore(max_runs=3)
    store.add(fake_run())
    first = store.current
    assert store.pin(first)
    for _ in range(5):
        store.add(fake_run())
    assert first in store.runs and len(store) == 3 and store.current.endswith("#6")
    assert store.names()[1] == "lstm · adding · clip 1 · #5"  # the unpinned oldest went
    assert store.pin(store.names()[1]) and not store.pin(store.current)  # 2 of 3: no more
    dropped = store.add(fake_run())
    assert dropped and first in store.runs and len(store) == 3
    assert store.pin(first, False) and first not in store.pinned
    store.add(fake_run())
    assert first not in store.runs


def test_memory_cap_spares_pinned_runs():
    store = RunStore(max_runs=10, max_mb=1.0)
    store.add(fake_run(floats=200_000))
    pinned = store.current
    store.pin(pinned)
    assert store.add(fake_run(floats=200_000)) == [] and pinned in store.runs  # over the cap, kept
    store.remove(pinned)
    assert pinned not in store.pinned


def test_comparable_runs_share_the_current_runs_task_and_length():
    store = RunStore()
    assert store.comparable() == []
    for cell, task in (("lstm", "adding"), ("gru", "sine"), ("gru", "adding"), ("lstm", "adding")):
        run = fake_run(cell)
        run.config = run.config.replace(task=task)
        store.add(run)
    assert store.comparable() == [store.names()[0], store.names()[1], store.names()[3]]
    assert store.comparable(limit=2) == store.names()[:2]
    store.select(store.names()[2])  # the sine run has no match
    assert store.comparable() == [store.names()[2]]
