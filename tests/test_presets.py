"""Presets: valid configs, each with claims about the runs it makes (checked in test_lessons.py)."""

import dataclasses

import rnnviz
from rnnviz.claims import Claim
from rnnviz.presets import PRESETS


def test_every_preset_is_a_config_with_a_lesson_and_claims():
    assert len(PRESETS) >= 5
    for name, preset in PRESETS.items():
        assert preset.name == name and preset.title and preset.lesson
        assert isinstance(preset.config, rnnviz.RunConfig)
        assert preset.claims and all(isinstance(c, Claim) for c in preset.claims)
        for claim in preset.claims:
            assert claim.text.endswith(".")
            assert isinstance(claim.config(preset.config), rnnviz.RunConfig)  # changes are valid


def test_the_adding_lessons_run_the_same_task():
    """The vanishing, LSTM and IRNN lessons are compared on one chart: the same task, length, options."""
    adding = [p.config for p in PRESETS.values() if p.config.task == "adding"]
    assert len(adding) >= 3
    assert {(c.seq_len, tuple(sorted(c.task_options.items()))) for c in adding} == {
        (adding[0].seq_len, tuple(sorted(adding[0].task_options.items())))}


def test_exploding_claims_cover_both_sides_of_the_clipping_toggle():
    preset = PRESETS["exploding"]
    assert preset.config.clip_norm is None
    clips = {claim.config(preset.config).clip_norm for claim in preset.claims}
    assert clips == {None, 1.0}


def test_a_claim_applies_to_its_own_config_whatever_the_seed():
    preset = PRESETS["exploding"]
    clipped = preset.config.replace(clip_norm=1.0, seed=7)
    about = [c.applies_to(clipped, preset.config) for c in preset.claims]
    assert any(about) and not all(about)
    assert not any(c.applies_to(clipped.replace(lr=0.5), preset.config) for c in preset.claims)


def test_presets_are_frozen_data():
    preset = PRESETS["vanishing"]
    try:
        preset.title = "x"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("a preset must be frozen")
