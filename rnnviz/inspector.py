"""The cell inspector: one unit at one step with the numbers the cell's equations use, and the
Jacobian of each step, ∂s_t/∂s_{t-1}, multiplied back through time (where the gradient shrinks).

The state s_t is h_t, or (h_t, c_t) for an LSTM: its gradient flows back through both. Shown for
the forward direction of the chosen layer; numbers come from the cell's own step function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.cells import CELLS
from rnnviz.model import SequenceModel

__all__ = ["JACOBIAN_BYTES", "Chain", "GateNumbers", "Inspection", "chain", "chain_of", "inspect_step",
           "layer_inputs", "local_jacobians"]


@dataclass(frozen=True)
class GateNumbers:
    """One gate (or a vanilla RNN's h) for one unit: the two sums it adds, and what comes out."""

    name: str
    from_input: float    # (W_i· x_t + b_i·)_j
    from_hidden: float   # (W_h· h_{t-1} + b_h·)_j
    pre_activation: float  # what the nonlinearity gets (a GRU's new gate: x part + r_j * h part)
    value: float         # the gate's value from the cell's step


@dataclass(frozen=True)
class Inspection:
    cell: str
    layer: int
    t: int
    unit: int
    x_t: np.ndarray          # (I,) the layer's input at t
    h_prev: np.ndarray       # (H,) h_{t-1} (zeros before the first step)
    h_t: np.ndarray          # (H,)
    c_prev: np.ndarray | None  # (H,) LSTM only
    c_t: np.ndarray | None
    gates: tuple[GateNumbers, ...]
    jacobian: np.ndarray     # (S, S) ∂s_t/∂s_{t-1}; S = H, or 2H for an LSTM (h first, then c)
    sigma: float             # its largest singular value


@dataclass(frozen=True)
class Chain:
    """‖∂s_end/∂s_{end-k}‖ for k = 0..end: the product of step Jacobians back to the first step."""

    end: int
    local: np.ndarray     # (T,) largest singular value of each step's Jacobian
    product: np.ndarray   # (end+1,) float64, index k: ‖J_end ... J_{end-k+1}‖_2 (k = 0: 1)


def _check(model: SequenceModel, x: Tensor, layer: int) -> tuple[Tensor, int]:
    layers = model.rnn.num_layers
    if not -layers <= layer < layers:
        raise ValueError(f"layer: {layer} is out of range for {layers} layer(s)")
    if x.dim() == (1 if model.embed is not None else 2):
        x = x[None]
    if len(x) != 1:
        raise ValueError(f"x: one sequence at a time, got a batch of {len(x)}")
    return x, layer % layers


def layer_inputs(model: SequenceModel, x: Tensor, layer: int = -1) -> tuple[Tensor, Tensor, Tensor | None]:
    """(inputs (T, I), h (T, H), c (T, H) or None) of the layer's forward direction, from a trace."""
    x, layer = _check(model, x, layer)
    H = model.rnn.hidden_size
    with torch.no_grad():
        u = model._inputs(x)
        _, trace = model.rnn(u)
        inputs = u[0] if layer == 0 else trace.hidden[layer - 1][0]
        cells = trace.cell_state[layer][0, :, :H] if model.rnn.cell == "lstm" else None
        return inputs, trace.hidden[layer][0, :, :H], cells


def _weights(model: SequenceModel, layer: int) -> tuple[Tensor, ...]:
    rnn = model.rnn
    kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return tuple(getattr(rnn, f"{kind}_l{layer}") for kind in kinds)


def _state_step(cell: str, w_hh: Tensor, b_hh: Tensor):
    """s_{t-1}, x_proj_t -> s_t for a batch of steps (s = h, or h and c side by side for an LSTM)."""
    step, H = CELLS[cell].step, w_hh.shape[1]

    def fn(state: Tensor, x_proj: Tensor) -> Tensor:
        h, c = (state[:, :H], state[:, H:]) if cell == "lstm" else (state, None)
        h, c, _ = step(x_proj, h, c, w_hh, b_hh)
        return h if c is None else torch.cat([h, c], -1)
    return fn


JACOBIAN_BYTES = 32 * 2**20  # float64 step Jacobians held at once: an H=256 LSTM's are 2 MiB each


def _jacobians(model: SequenceModel, layer: int, inputs: Tensor, hs: Tensor, cs: Tensor | None,
               steps: list[int]) -> Tensor:
    """(len(steps), S, S) float64 ∂s_t/∂s_{t-1} for the given steps, exact: the cell's step run on
    those steps as one batch (each row depends on its own previous state only), its vjp vmapped
    over the S basis vectors (torch.func)."""
    w_ih, w_hh, b_ih, b_hh = (w.detach().double() for w in _weights(model, layer))
    index = torch.tensor(steps)
    x_proj = F.linear(inputs[index].double(), w_ih, b_ih)  # (N, G*H)
    states = hs.double() if cs is None else torch.cat([hs, cs], -1).double()  # (T, S)
    before = torch.cat([torch.zeros_like(states[:1]), states[:-1]])[index]  # s_{t-1}, zeros before t=0
    fn = _state_step(model.rnn.cell, w_hh, b_hh)
    _, pullback = torch.func.vjp(lambda s: fn(s, x_proj), before)
    N, S = before.shape
    basis = torch.eye(S, dtype=torch.float64)[:, None, :].expand(S, N, S)  # row i of every J_t
    (rows,) = torch.func.vmap(pullback)(basis)  # (S_out, N, S_in)
    return rows.permute(1, 0, 2).contiguous()


def local_jacobians(model: SequenceModel, x: Tensor, layer: int = -1,
                    steps: list[int] | None = None) -> Tensor:
    """(T, S, S) float64 ∂s_t/∂s_{t-1} at every step (or at `steps`), exact."""
    x, layer = _check(model, x, layer)
    inputs, hs, cs = layer_inputs(model, x, layer)
    return _jacobians(model, layer, inputs, hs, cs, list(range(len(hs))) if steps is None else steps)


def chain(jacobians: Tensor, end: int | None = None) -> Chain:
    """The running product of step Jacobians from `end` (default: the last step) back to step 0."""
    T = len(jacobians)
    end = T - 1 if end is None else end
    if not 0 <= end < T:
        raise ValueError(f"end: must be a step between 0 and {T - 1}, got {end}")
    product = torch.eye(jacobians.shape[-1], dtype=torch.float64)
    norms = [1.0]
    for s in range(end, 0, -1):  # ∂s_end/∂s_{s-1} = (∂s_end/∂s_s) J_s
        product = product @ jacobians[s]
        norms.append(float(torch.linalg.matrix_norm(product, ord=2)))
    local = torch.linalg.matrix_norm(jacobians[:end + 1], ord=2).numpy()
    return Chain(end, local, np.array(norms))


def chain_of(model: SequenceModel, x: Tensor, layer: int = -1, end: int | None = None) -> Chain:
    """chain(local_jacobians(...), end), holding at most JACOBIAN_BYTES of Jacobians at a time."""
    x, layer = _check(model, x, layer)
    inputs, hs, cs = layer_inputs(model, x, layer)
    T = len(hs)
    end = T - 1 if end is None else end
    if not 0 <= end < T:
        raise ValueError(f"end: must be a step between 0 and {T - 1}, got {end}")
    S = hs.shape[1] * (2 if cs is not None else 1)
    size = max(1, JACOBIAN_BYTES // (8 * S * S))
    product, norms, local = torch.eye(S, dtype=torch.float64), [1.0], np.zeros(end + 1)
    for top in range(end, -1, -size):  # steps top, top-1, ... in chunks, walking back in time
        steps = list(range(top, max(top - size, -1), -1))
        jac = _jacobians(model, layer, inputs, hs, cs, steps)
        local[steps] = torch.linalg.matrix_norm(jac, ord=2).numpy()
        for s, J in zip(steps, jac, strict=True):
            if s > 0:
                product = product @ J
                norms.append(float(torch.linalg.matrix_norm(product, ord=2)))
    return Chain(end, local, np.array(norms))


def inspect_step(model: SequenceModel, x: Tensor, t: int, unit: int, layer: int = -1,
                 jacobians: Tensor | None = None) -> Inspection:
    """The numbers of step t for one unit of `layer` (forward direction), from the cell's step.
    `jacobians`: local_jacobians(model, x, layer) when already computed (else only J_t is)."""
    x, layer = _check(model, x, layer)
    inputs, hs, cs = layer_inputs(model, x, layer)
    T, H = hs.shape
    if not 0 <= t < T:
        raise ValueError(f"t: must be a step between 0 and {T - 1}, got {t}")
    if not 0 <= unit < H:
        raise ValueError(f"unit: must be between 0 and {H - 1}, got {unit}")
    cell = CELLS[model.rnn.cell]
    w_ih, w_hh, b_ih, b_hh = (w.detach() for w in _weights(model, layer))
    h_prev = hs[t - 1] if t > 0 else hs.new_zeros(H)
    c_prev = None if cs is None else (cs[t - 1] if t > 0 else cs.new_zeros(H))
    with torch.no_grad():
        from_x = F.linear(inputs[t], w_ih, b_ih)  # (G*H,)
        from_h = F.linear(h_prev, w_hh, b_hh)
        h, c, values = cell.step(from_x[None], h_prev[None], None if c_prev is None else c_prev[None],
                                 w_hh, b_hh)
    names = cell.gates or ("h",)
    gates = []
    for k, name in enumerate(names):
        a, b = float(from_x[k * H + unit]), float(from_h[k * H + unit])
        pre = a + b
        if name == "new":  # the GRU's reset gate multiplies the hidden part (as torch does)
            pre = a + float(values["reset"][0, unit]) * b
        value = float(values[name][0, unit]) if name in values else float(h[0, unit])
        gates.append(GateNumbers(name, a, b, pre, value))
    jac = (_jacobians(model, layer, inputs, hs, cs, [t])[0] if jacobians is None else jacobians[t]).numpy()
    return Inspection(model.rnn.cell, layer, t, unit, inputs[t].numpy().copy(), h_prev.numpy().copy(),
                      h[0].numpy().copy(), None if c_prev is None else c_prev.numpy().copy(),
                      None if c is None else c[0].numpy().copy(), tuple(gates), jac,
                      float(np.linalg.norm(jac, 2)))
