"""Presets: valid configs whose lessons hold when they actually train."""

import numpy as np
import pytest

import rnnviz
from rnnviz.presets import PRESETS


def test_at_least_five_presets_with_lessons():
    assert len(PRESETS) >= 5
    for name, preset in PRESETS.items():
        assert preset.name == name and len(preset.lesson) > 80 and preset.title
        assert isinstance(preset.config, rnnviz.RunConfig)


def test_exploding_preset_diverges_and_clipping_rescues_it():
    cfg = PRESETS["exploding"].config
    assert cfg.clip_norm is None
    unclipped = rnnviz.train(cfg)
    assert unclipped.diverged
    clipped = rnnviz.train(cfg.replace(clip_norm=1.0))
    assert clipped.status == "finished"
    assert clipped.history.loss.iloc[-20:].mean() < clipped.baseline_loss


def test_vanishing_preset_shows_vanishing_gradients():
    run = rnnviz.train(PRESETS["vanishing"].config.replace(steps=20))
    g = run.grad_by_time[-1]
    assert g[0] < 1e-6 * g[-1]


@pytest.mark.parametrize("name", ["lstm_adding", "irnn"])
def test_long_memory_presets_beat_the_baseline(name):
    run = rnnviz.train(PRESETS[name].config)
    assert run.history.loss.iloc[-50:].mean() < 0.8 * run.baseline_loss
    g = run.grad_by_time[-1]
    assert np.all(g > 0) and g[0] > 1e-3 * g[-1]  # the gradient reaches the first marker
