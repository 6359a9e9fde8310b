"""Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks".

For h_t = φ(W_hh h_{t-1} + W_ih x_t + b) with |φ'| <= γ, each step's Jacobian is diag(φ'(a_t)) W_hh,
so ‖∂h_t/∂h_{t-1}‖ <= γ σ_max(W_hh) and ‖∂h_t/∂h_{t-k}‖ <= (γ σ_max)^k. Hence σ_max < 1/γ is
*sufficient* for vanishing gradients, and σ_max > 1/γ is *necessary* (not sufficient) for exploding.
γ = 1 for tanh (and ReLU), 1/4 for the sigmoid. The theorem is about vanilla RNNs; for a gated cell
the per-block σ_max against 1/γ of its nonlinearity is a guide, not a bound (gates multiply)."""

from __future__ import annotations

import numpy as np
import torch

from rnnviz.cells import CELLS
from rnnviz.inspector import Chain, chain_of
from rnnviz.run import Run

SIGMOID_GAMMA = 0.25  # max of σ'(x) = σ(1-σ), at x = 0
TANH_GAMMA = 1.0      # max of tanh'(x) = 1 - tanh², at x = 0; ReLU's derivative is at most 1 too
TANH_BLOCKS = ("cell", "new")  # gate blocks whose nonlinearity is tanh; other gates are sigmoids

__all__ = ["SIGMOID_GAMMA", "TANH_GAMMA", "bound_applies", "gamma", "gamma_name", "jacobian_chain",
           "sigma_max", "singular_values"]


def gamma(key: str) -> float:
    """γ, the largest slope of the nonlinearity after a W_hh block ("weight_hh_l0", "...forget")."""
    gate = key.partition(".")[2]
    return TANH_GAMMA if not gate or gate in TANH_BLOCKS else SIGMOID_GAMMA


def gamma_name(key: str, cell: str) -> str:
    """Which nonlinearity gives γ for this block, in words."""
    if not key.partition(".")[2]:
        return "ReLU" if cell == "rnn_relu" else "tanh"
    return "tanh" if gamma(key) == TANH_GAMMA else "sigmoid"


def bound_applies(cell: str) -> bool:
    """Whether ‖∂h_t/∂h_{t-k}‖ <= (γ σ_max)^k holds as a theorem: vanilla RNNs only."""
    return not CELLS[cell].gates


def sigma_max(block: np.ndarray) -> float:
    """Largest singular value (the spectral norm) of a matrix; nan when it is not finite."""
    block = np.asarray(block, dtype=np.float64)
    if not np.isfinite(block).all():
        return float("nan")
    return float(np.linalg.norm(block, 2))


def _blocks(weights: dict[str, np.ndarray], cell: str) -> dict[str, np.ndarray]:
    """Square W_hh blocks keyed as the records' spectral radii are ("weight_hh_l0.forget")."""
    gates = CELLS[cell].gates
    out = {}
    for name, array in weights.items():
        short = name.removeprefix("rnn.").removeprefix("encoder.")  # the stack records look at
        if not short.startswith("weight_hh"):
            continue
        for gate, block in zip(gates or ("",), np.split(np.asarray(array), len(gates or "x")), strict=True):
            out[f"{short}.{gate}" if gate else short] = block
    return out


def singular_values(run: Run) -> dict[str, np.ndarray]:
    """σ_max of every W_hh block at each record, from the weights the record kept (nan where it
    kept none, as in older run files); keys as in Record.spectral_radius."""
    keys = list(run.records[0].spectral_radius) if run.records else []
    out = {key: np.full(len(run.records), np.nan) for key in keys}
    for i, record in enumerate(run.records):
        if record.weights is None:
            continue
        for key, block in _blocks(record.weights, run.config.cell).items():
            if key in out:
                out[key][i] = sigma_max(block)
    return out


def jacobian_chain(run: Run, record: int = -1, sequence: int = 0, layer: int = -1) -> Chain:
    """‖∂s_T/∂s_{T-k}‖ on a probe sequence with the weights of `record`: the product of the step
    Jacobians from the last step back to the first (rnnviz.inspector). ValueError without weights."""
    from rnnviz.weights import model_at  # weights imports model, which imports the cells

    if run.probe_inputs is None:
        raise ValueError("probe_inputs: this run kept no probe inputs (an older run file)")
    index = record % len(run.records)
    model = model_at(run, index)
    x = torch.as_tensor(np.asarray(run.probe_inputs[sequence]))
    return chain_of(model, x, layer)
