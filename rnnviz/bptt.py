"""Gradients through time for records, without autograd's step-by-step tape: hidden states from
torch's fused kernels, every gate recomputed from them in one batched matmul per layer, and
d loss / d h_t for every t by the cheapest exact route each cell has on CPU (measured: see
bench/bench_train.py):

- LSTM: torch's fused kernel backwards. Each layer reads an extra input e = 0 through W_hh (its
  input weights become [W_ih | W_hh]), which changes nothing forwards, and d loss / d e_t is then
  exactly the gradient the recurrence carries into h_{t-1}. Only c_t and d loss / d c_t, one
  multiply-add per step each, are walked in Python.
- GRU and tanh/ReLU RNN: torch's fused backward is slower than a hand-written one on CPU (GRU by
  4x), so the backward through time is written out: 2-3 tensor ops per step under no_grad.

tests/test_bptt.py holds all of it to the instrumented path (RecurrentLayer.forward, then
autograd), which tests/test_probe.py holds to torch.nn's own cells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnviz.cells import CELLS, RecurrentLayer

GradOf = Callable[[Tensor], Tensor]  # stack output (B, T, H*D) -> (K, B, T, H*D): K losses' gradients


@dataclass
class Forward:
    """A forward pass on the stack, per layer (B, T, H*D), as Trace holds it; `walks` keeps per
    layer and direction what the hand-written backward multiplies by."""

    output: Tensor
    hidden: list[Tensor] = field(default_factory=list)
    gates: list[dict[str, Tensor]] = field(default_factory=list)
    cell_state: list[Tensor] = field(default_factory=list)
    walks: list[list[tuple[Tensor, ...]]] = field(default_factory=list)


@dataclass
class Gradients:
    """K losses' gradients: squared norms summed over batch, units and directions, in float64."""

    hidden_sq: Tensor       # (K, L, T) of d loss / d h_t
    cell_sq: Tensor | None  # (K, L, T) of d loss / d c_t, LSTM only
    inputs: Tensor          # (K, B, T, I): d loss / d x, the stack's input


def through_time(layer: RecurrentLayer, x: Tensor, grad_of: GradOf) -> tuple[Forward, Gradients]:
    """The stack on x (B, T, I) in eval mode (no dropout, zero initial states), and the gradients
    through time of the K losses whose gradients with respect to its output `grad_of` gives."""
    if layer.cell == "lstm":
        return _lstm(layer, x, grad_of)
    with torch.no_grad():
        found = Forward(x)
        for index in range(layer.num_layers):
            out = layer.layer_module(index)(x)[0]  # (B, T, H*D): the fused kernel
            _record_layer(layer, index, x, out, found)
            x = out
        found.output = x
    grad_output = grad_of(found.output)
    with torch.no_grad():
        return found, _hand_backward(layer, found, grad_output)


def _record_layer(layer: RecurrentLayer, index: int, x: Tensor, out: Tensor, found: Forward) -> None:
    """Recompute one layer's gates (and cell states) from its hidden states; append to `found`."""
    H = layer.hidden_size
    walks = [_gates(layer, index, d, x, out[..., d * H:(d + 1) * H]) for d in range(layer.directions)]
    found.hidden.append(out)
    found.gates.append({g: torch.cat([w[0][g] for w in walks], -1) for g in CELLS[layer.cell].gates})
    if layer.cell == "lstm":
        found.cell_state.append(torch.cat([w[1] for w in walks], -1))
    found.walks.append([w[2] for w in walks])


def _shifted(h: Tensor, direction: int) -> Tensor:
    """The walking order's previous step, for every t (time on axis -2), zero before the first:
    h_{t-1} forwards, h_{t+1} for the reverse direction."""
    zero = torch.zeros_like(h.narrow(-2, 0, 1))
    T = h.shape[-2]
    if direction == 0:
        return torch.cat((zero, h.narrow(-2, 0, T - 1)), -2)
    return torch.cat((h.narrow(-2, 1, T - 1), zero), -2)


def _scan(a: Tensor, m: Tensor, direction: int) -> Tensor:
    """s_t = a_t + m_t * s_prev along time (axis -2) in walking order, s = 0 before the first step."""
    T = a.shape[-2]
    found = torch.empty_like(a.movedim(-2, 0))  # (T, ...): each step's slot is contiguous
    steps, factors, slots = a.unbind(-2), m.unbind(-2), found.unbind(0)
    order = range(T) if direction == 0 else range(T - 1, -1, -1)
    slots[order[0]].copy_(steps[order[0]])
    for before, t in zip(order[:-1], order[1:], strict=True):
        torch.addcmul(steps[t], factors[t], slots[before], out=slots[t])
    return found.movedim(0, -2)


def _gates(layer: RecurrentLayer, index: int, direction: int, x: Tensor, h: Tensor):
    """(gates, cell states, backward factors) of one direction, from its hidden states h (B, T, H)."""
    w_ih, w_hh, b_ih, b_hh = layer.weights(index, direction)
    h_prev = _shifted(h, direction)
    pre = F.linear(x, w_ih, b_ih), F.linear(h_prev, w_hh, b_hh)  # (B, T, G*H) each: two matmuls
    B, T, H = h.shape
    tm = lambda t: t.transpose(0, 1)  # noqa: E731  (B, T, ...) -> (T, B, ...): steps index first
    if layer.cell == "lstm":
        i, f, g, o = (pre[0] + pre[1]).view(B, T, 4, H).unbind(2)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        return {"input": i, "forget": f, "cell": g, "output": o}, _scan(i * g, f, direction), ()
    if layer.cell == "gru":
        x_r, x_z, x_n = pre[0].view(B, T, 3, H).unbind(2)
        h_r, h_z, h_n = pre[1].view(B, T, 3, H).unbind(2)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        dn = (1 - z) * (1 - n * n)       # d n's pre-activation / d h_t
        dz = (h_prev - n) * z * (1 - z)  # d z's pre-activation / d h_t
        dr = dn * h_n * r * (1 - r)      # d r's pre-activation / d h_t
        # the recurrent side sees (W_hr h, W_hz h, W_hn h), and n reads W_hn h through r
        factors = (tm(torch.stack((dr, dz, dn * r), 2)), tm(z), tm(torch.stack((dr, dz, dn), 2)))
        return {"reset": r, "update": z, "new": n}, None, factors
    derivative = 1 - h * h if layer.cell == "rnn_tanh" else (h > 0).to(h.dtype)
    return {}, None, (tm(derivative),)


def _squares(grads: Tensor) -> Tensor:
    """(K, B, T, H) -> (K, T) float64 sums of squares over batch and units."""
    return grads.pow(2).sum((1, 3), dtype=torch.float64)


# --- LSTM: the fused kernel's own backward ---------------------------------------------------------

def _augmented(layer: RecurrentLayer, index: int, below: Tensor, e: Tensor) -> Tensor:
    """This layer as torch's fused LSTM on [below, e], e (B, T, H*D) read through W_hh: direction
    d's input weights are [W_ih | 0 .. W_hh .. 0], W_hh in e's d-th block. The functional call
    skips building an nn.LSTM per record."""
    H, D = layer.hidden_size, layer.directions
    weights = []
    for d in range(D):
        w_ih, w_hh, b_ih, b_hh = (w.detach() for w in layer.weights(index, d))
        blocks = [w_ih] + [w_hh if k == d else torch.zeros_like(w_hh) for k in range(D)]
        weights += [torch.cat(blocks, 1), w_hh, b_ih, b_hh]
    zeros = below.new_zeros(D, below.shape[0], H)
    return torch.lstm(torch.cat((below, e), -1), (zeros, zeros), weights, True, 1, 0.0, False,
                      layer.bidirectional, True)[0]


def _lstm(layer: RecurrentLayer, x: Tensor, grad_of: GradOf) -> tuple[Forward, Gradients]:
    L, D, H = layer.num_layers, layer.directions, layer.hidden_size
    with torch.enable_grad():
        inputs = x.detach().requires_grad_(True)
        below, carried_in, outs = inputs, [], []
        for index in range(L):
            e = x.new_zeros(*x.shape[:2], H * D, requires_grad=True)
            out = _augmented(layer, index, below, e)
            carried_in.append(e)
            outs.append(out)
            below = out
        found = Forward(out.detach())
        grad_output = grad_of(found.output)
        K = grad_output.shape[0]
        per_loss = [torch.autograd.grad(out, [inputs, *carried_in, *outs[:-1]], g, retain_graph=k + 1 < K)
                    for k, g in enumerate(grad_output)]
    with torch.no_grad():
        grads = [torch.stack(column) for column in zip(*per_loss, strict=True)]  # each (K, B, T, ...)
        carried, from_above = grads[1:L + 1], grads[L + 1:] + [grad_output]
        hidden_sq = grad_output.new_zeros(K, L, x.shape[1], dtype=torch.float64)
        cell_sq = hidden_sq.clone()
        layer_input = x
        for index in range(L):
            _record_layer(layer, index, layer_input, outs[index].detach(), found)
            layer_input = found.hidden[index]
            for d in range(D):
                part = slice(d * H, (d + 1) * H)
                # the recurrence carries into h_t what e read at the walking order's next step
                dh = from_above[index][..., part] + _shifted(carried[index][..., part], 1 - d)
                c, o, f = (t[..., part] for t in (found.cell_state[index], found.gates[index]["output"],
                                                   found.gates[index]["forget"]))
                # d loss / d c_t = d loss / d h_t o_t (1 - tanh^2 c_t) + f_next d loss / d c_next
                dc = _scan(dh * (o * (1 - c.tanh().pow(2))), _shifted(f, 1 - d), 1 - d)
                hidden_sq[:, index] += _squares(dh)
                cell_sq[:, index] += _squares(dc)
        return found, Gradients(hidden_sq, cell_sq, grads[0])


# --- GRU and RNN: the backward through time written out ------------------------------------------

def _hand_backward(layer: RecurrentLayer, found: Forward, grad_output: Tensor) -> Gradients:
    """grad_output (K, B, T, H*D): each loss's gradient with respect to the stack's output."""
    L, T, H = layer.num_layers, grad_output.shape[2], layer.hidden_size
    hidden_sq = grad_output.new_zeros(grad_output.shape[0], L, T, dtype=torch.float64)
    above = grad_output
    for index in reversed(range(L)):
        below = None
        for d, factors in enumerate(found.walks[index]):
            w_ih, w_hh = layer.weights(index, d)[:2]
            dh, dpre = _walk_back(layer, d, factors, w_hh, above[..., d * H:(d + 1) * H])
            hidden_sq[:, index] += dh.pow(2).sum((2, 3), dtype=torch.float64).T
            into = dpre.flatten(-2) @ w_ih  # (T, K, B, I): this direction's share
            below = into if below is None else below + into
        above = below.permute(1, 2, 0, 3)  # (K, B, T, I): d loss / d the layer's input
    return Gradients(hidden_sq, None, above)


def _walk_back(layer: RecurrentLayer, direction: int, factors: tuple[Tensor, ...], w_hh: Tensor,
               grad_out: Tensor) -> tuple[Tensor, Tensor]:
    """One direction: (d loss / d h_t, d loss / d the input projection's pre-activations), each
    (T, K, B, ...) in time order, from grad_out (K, B, T, H), what reaches h_t from above.

    The loop runs ~1e3 tiny ops, so it is written for their count: the K losses ride along the
    batch axis, results land in preallocated buffers (out=), and steps are unbound views."""
    K, B, T, H = grad_out.shape
    ext = grad_out.permute(2, 0, 1, 3).reshape(T, K * B, H).unbind(0)
    order = range(T - 1, -1, -1) if direction == 0 else range(T)  # walking order, reversed
    per_batch = lambda t: (t.repeat(1, K, *[1] * (t.dim() - 2)) if K > 1 else t).unbind(0)  # noqa: E731
    dh_all = grad_out.new_empty(T, K * B, H)
    dh = dh_all.unbind(0)
    dh[order[0]].copy_(ext[order[0]])
    pairs = list(zip(order[:-1], order[1:], strict=True))  # (t, the step walked before it)
    if layer.cell == "gru":
        recurrent, z = per_batch(factors[0]), per_batch(factors[1])
        for t, before in pairs:
            carried = torch.addmm(ext[before], (dh[t].unsqueeze(1) * recurrent[t]).view(K * B, 3 * H), w_hh)
            torch.addcmul(carried, dh[t], z[t], out=dh[before])
        found = dh_all.view(T, K, B, H)
        return found, found.unsqueeze(-2) * factors[2].unsqueeze(1)
    derivative = per_batch(factors[0])
    dpre_all = grad_out.new_empty(T, K * B, H)
    dpre = dpre_all.unbind(0)
    for t, before in pairs:
        torch.mul(dh[t], derivative[t], out=dpre[t])
        torch.addmm(ext[before], dpre[t], w_hh, out=dh[before])
    torch.mul(dh[order[-1]], derivative[order[-1]], out=dpre[order[-1]])
    return dh_all.view(T, K, B, H), dpre_all.view(T, K, B, 1, H)
