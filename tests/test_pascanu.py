"""Pascanu et al. (2013) drawn exactly: σ_max from the records' weights, the 1/γ lines, and the
product of step Jacobians under its bound (γ σ_max)^k for vanilla RNNs."""

import dataclasses

import numpy as np
import pytest

from rnnviz import RunConfig, plots, train
from rnnviz.pascanu import bound_applies, gamma, gamma_name, jacobian_chain, sigma_max, singular_values


@pytest.fixture(scope="module")
def runs():
    cfg = dict(task="adding", hidden_size=8, seq_len=15, steps=20, batch_size=8, record_every=10, lr=1e-2)
    return {cell: train(RunConfig(cell=cell, **cfg)) for cell in ("rnn_tanh", "lstm", "gru")}


def test_gammas():
    assert gamma("weight_hh_l0") == 1.0 and gamma("weight_hh_l0.forget") == 0.25
    assert gamma("weight_hh_l1_reverse.cell") == 1.0 and gamma("weight_hh_l0.update") == 0.25
    assert gamma_name("weight_hh_l0", "rnn_relu") == "ReLU"
    assert gamma_name("weight_hh_l0.new", "gru") == "tanh"
    assert bound_applies("rnn_tanh") and not bound_applies("lstm")


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_sigma_max_is_the_spectral_norm_of_each_block_and_never_below_rho(runs, cell):
    run = runs[cell]
    sigmas = singular_values(run)
    assert list(sigmas) == list(run.records[0].spectral_radius)
    for i, record in enumerate(run.records):
        w = record.weights["rnn.weight_hh_l0"].astype(np.float64)
        blocks = np.split(w, len(sigmas))
        for (key, values), block in zip(sigmas.items(), blocks, strict=True):
            assert values[i] == pytest.approx(np.linalg.svd(block, compute_uv=False)[0], rel=1e-9)
            assert values[i] >= record.spectral_radius[key] * (1 - 1e-5)
    assert np.isnan(sigma_max(np.array([[np.inf]])))


@pytest.mark.parametrize("cell", ["rnn_tanh", "gru"])
def test_an_encoder_decoders_sigma_max_is_its_encoders(cell):
    """The records' spectra are the encoder's: σ_max reads the encoder's W_hh (it was nan before)."""
    run = train(RunConfig(cell=cell, task="reverse", hidden_size=6, seq_len=5, steps=4, record_every=2,
                          batch_size=8))
    sigmas = singular_values(run)
    assert list(sigmas) == list(run.records[0].spectral_radius)
    for i, record in enumerate(run.records):
        blocks = np.split(record.weights["encoder.weight_hh_l0"].astype(np.float64), len(sigmas))
        for values, block in zip(sigmas.values(), blocks, strict=True):
            assert values[i] == pytest.approx(np.linalg.svd(block, compute_uv=False)[0], rel=1e-9)


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_the_product_of_jacobians_stays_under_the_bound_where_it_applies(runs, cell):
    run = runs[cell]
    for record in range(len(run.records)):
        for sequence in (0, 1):
            ch = jacobian_chain(run, record, sequence)
            assert ch.product[0] == 1.0 and len(ch.product) == 15 and np.isfinite(ch.product).all()
            if bound_applies(cell):
                sigma = singular_values(run)["weight_hh_l0"][record]
                k = np.arange(15)
                assert (ch.product <= sigma ** k * (1 + 1e-6)).all()
                assert (ch.local <= sigma * (1 + 1e-6)).all()


def test_the_spectral_chart_draws_sigma_and_the_inverse_gamma_lines(runs):
    fig = plots.spectral_radius_figure(runs["lstm"])
    metas = [t.meta for t in fig.data]
    assert {f"sigma:weight_hh_l0.{g}" for g in ("input", "forget", "cell", "output")} <= set(metas)
    four = next(t for t in fig.data if t.meta == "inverse_gamma:4")
    assert list(four.y) == [4.0, 4.0] and "sigmoid" in four.name
    assert "tanh" in next(t for t in fig.data if t.meta == "unit").name
    tanh = plots.spectral_radius_figure(runs["rnn_tanh"])
    assert not [t for t in tanh.data if str(t.meta).startswith("inverse_gamma")]
    sigma = next(t for t in tanh.data if t.meta == "sigma:weight_hh_l0")
    np.testing.assert_allclose(sigma.y, singular_values(runs["rnn_tanh"])["weight_hh_l0"])


def test_without_weights_the_chart_says_so(runs):
    run = runs["gru"]
    bare = dataclasses.replace(run, records=[dataclasses.replace(r, weights=None) for r in run.records])
    fig = plots.spectral_radius_figure(bare)
    assert not [t for t in fig.data if str(t.meta).startswith("sigma:")]
    assert any(a.name == "no_weights" for a in fig.layout.annotations)
    with pytest.raises(ValueError, match="^weights:"):
        jacobian_chain(bare, 0)
