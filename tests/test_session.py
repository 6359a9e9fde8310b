"""Session: one config fitted to the limits on every load and start, one job per session, and
sessions served in order of arrival."""

import time

import pytest

from rnnviz import RunConfig
from rnnviz.app.limits import Limits
from rnnviz.app.runstore import RunStore
from rnnviz.app.session import Session, fit
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots

TINY = dict(hidden_size=4, seq_len=12, batch_size=4, steps=3, record_every=2, probe_size=2)
HUGE = RunConfig(hidden_size=512, record_every=1, probe_size=64, steps=100_000, device="mps")


def new_session() -> Session:
    return Session(RunStore(), Limits.from_env(), ("cpu",), Settings())


def test_fit_brings_every_field_within_the_limits_and_says_what_changed():
    limits = Limits.from_env()
    cfg, notices = fit(HUGE, limits, ("cpu",))
    for name, (low, high) in limits.ranges.items():
        value = getattr(cfg, name)
        assert value is None or low <= value <= high, name
    assert cfg.device == "auto"
    said = {"hidden_size": "hidden units per layer", "steps": "optimizer steps", "device": "device:",
            "probe_size": "example sequences we look inside", "record_every": "look inside the model every"}
    for name, words in said.items():
        assert any(words in n for n in notices), (name, notices)
    assert fit(RunConfig(**TINY), limits, ("cpu",)) == (RunConfig(**TINY), [])


def test_every_load_and_start_is_fitted():
    session = new_session()
    session.load(HUGE)
    assert session.cfg.hidden_size == 256 and session.widgets_stale
    assert any("hidden units per layer" in text for _, text in session.take_flash())
    slots = TrainerSlots(1)
    with slots.hold():  # queued: nothing trains
        job = session.start(HUGE.replace(hidden_size=300), slots)
        assert job.config.hidden_size == 256 and job.config.steps <= 3000
        job.stop()
        job.wait(10)


def test_at_most_one_job_per_session():
    session, slots = new_session(), TrainerSlots(2)
    first = session.start(RunConfig(**{**TINY, "steps": 3000, "record_every": 100}), slots)
    assert session.start(RunConfig(**TINY), slots) is None and session.job is first
    assert [kind for kind, _ in session.take_flash()] == ["warning"]
    while first.progress().steps_done < 1:
        time.sleep(0.01)
    first.stop()
    first.wait(30)
    session.collect()
    assert session.job is None and len(session.store) == 1
    second = session.start(RunConfig(**TINY), slots)
    assert second is not None and second.wait(30)


def test_sessions_are_served_in_order_of_arrival():
    slots, order = TrainerSlots(1), []
    sessions = [new_session() for _ in range(4)]
    with slots.hold():  # the trainer is busy while every session queues
        for i, session in enumerate(sessions):
            session.start(RunConfig(**TINY, seed=i), slots)
            while session.job.ahead != i and session.job.state == "queued":
                time.sleep(0.01)
        assert [s.job.ahead for s in sessions] == [0, 1, 2, 3]
    while any(not s.job.done for s in sessions):
        for i, s in enumerate(sessions):
            if s.job.state != "queued" and i not in order:
                order.append(i)
        time.sleep(0.001)
    assert order == [0, 1, 2, 3] and all(s.job.state == "finished" for s in sessions)


@pytest.mark.parametrize("record_every", [1, 2])
def test_the_form_config_is_fitted_and_loaded_back_to_the_widgets(record_every):
    session = new_session()
    session.widget_values({})  # the first draw
    session.take_form(RunConfig(**TINY), [])
    assert session.cfg == RunConfig(**TINY) and not session.widgets_stale
    wide = RunConfig(steps=3000, record_every=record_every)
    fitted, notices = session.fit(wide)
    assert fitted.record_every > record_every and notices
    assert session.take_form(fitted, notices)  # the widgets must show it: draw them again
    values = session.widget_values({})
    assert values["w.record_every"] == fitted.record_every and not session.widgets_stale
    assert not session.take_form(fitted, [])  # drawn again: nothing to change
    assert session.take_form(fitted, notices)  # the student types the small value again
    assert not session.take_form(fitted, notices)  # refitted twice in a row: no loop
