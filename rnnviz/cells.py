"""Instrumented recurrent layers: torch.nn.RNN/LSTM/GRU maths, written out step by step so every
hidden state and gate can be seen, with the same parameter names and layouts as torch.nn."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnviz.dropout import SeededDropout

StepOut = tuple[Tensor, Tensor | None, dict[str, Tensor]]  # (h_t, c_t or None, {gate: (B, H)})
Step = Callable[[Tensor, Tensor, Tensor | None, Tensor, Tensor], StepOut]


# --- one time step of each cell, as in the equations (torch's gate order) ---------------------
# Every step has the same signature: (x_proj, h, c, w_hh, b_hh) -> (h, c, gates), where
# x_proj = W_ih x_t + b_ih was computed for the whole sequence at once, and c is None but for LSTMs.

def rnn_tanh_step(x_proj: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor) -> StepOut:
    return torch.tanh(x_proj + F.linear(h, w_hh, b_hh)), c, {}  # (B, H)


def rnn_relu_step(x_proj: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor) -> StepOut:
    return torch.relu(x_proj + F.linear(h, w_hh, b_hh)), c, {}  # (B, H)


def lstm_step(x_proj: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor) -> StepOut:
    gates = x_proj + F.linear(h, w_hh, b_hh)  # (B, 4H), torch orders i, f, g, o
    ingate, forgetgate, cellgate, outgate = gates.chunk(4, 1)
    ingate, forgetgate = torch.sigmoid(ingate), torch.sigmoid(forgetgate)
    cellgate, outgate = torch.tanh(cellgate), torch.sigmoid(outgate)
    cy = (forgetgate * c) + (ingate * cellgate)
    hy = outgate * torch.tanh(cy)
    return hy, cy, {"input": ingate, "forget": forgetgate, "cell": cellgate, "output": outgate}


def gru_step(x_proj: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor) -> StepOut:
    x_r, x_z, x_n = x_proj.chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)  # (B, H) each
    resetgate = torch.sigmoid(x_r + h_r)
    updategate = torch.sigmoid(x_z + h_z)
    newgate = torch.tanh(x_n + resetgate * h_n)  # reset multiplies (W_hn h + b_hn), as torch does
    hy = (1 - updategate) * newgate + updategate * h
    return hy, c, {"reset": resetgate, "update": updategate, "new": newgate}


@dataclass(frozen=True)
class Cell:
    """Everything about one kind of cell: its step, its gates, torch's module, its equations."""

    name: str                        # the key in CELLS and RunConfig.cell
    display_name: str                # what the pages call it
    step: Step                       # one time step, the signature above
    gates: tuple[str, ...]           # recorded gate names, in torch's block order; () for RNNs
    gate_rows: int                   # H x H blocks stacked in W_ih / W_hh
    torch_module: Callable[..., nn.RNNBase]  # torch.nn's fused equivalent (same parameter layout)
    equations: tuple[str, ...]       # LaTeX, one line each, as torch computes the step


CELLS: dict[str, Cell] = {c.name: c for c in (
    Cell("rnn_tanh", "RNN (tanh)", rnn_tanh_step, (), 1, partial(nn.RNN, nonlinearity="tanh"),
         (r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})",)),
    Cell("rnn_relu", "RNN (ReLU)", rnn_relu_step, (), 1, partial(nn.RNN, nonlinearity="relu"),
         (r"h_t = \max(0,\; W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})",)),
    Cell("lstm", "LSTM", lstm_step, ("input", "forget", "cell", "output"), 4, nn.LSTM, (
        r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \quad "
        r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
        r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \quad "
        r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
        r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \qquad h_t = o_t \odot \tanh(c_t)")),
    Cell("gru", "GRU", gru_step, ("reset", "update", "new"), 3, nn.GRU, (
        r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \quad "
        r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
        r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
        r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}")),
)}


def check_cell(cell: str) -> str:
    """Return `cell` or raise a ValueError listing the valid names."""
    if cell not in CELLS:
        raise ValueError(f"cell: unknown cell {cell!r}; valid cells are {', '.join(CELLS)}")
    return cell


@dataclass
class Trace:
    """What a forward pass saw, per layer. Bidirectional layers concatenate directions on the
    last axis, as torch.nn does for its output."""

    hidden: list[Tensor] = field(default_factory=list)            # per layer (B, T, H*D)
    gates: list[dict[str, Tensor]] = field(default_factory=list)  # per layer {gate: (B, T, H*D)}
    cell_state: list[Tensor] = field(default_factory=list)        # per layer (B, T, H*D), LSTM only
    steps: list[list[Tensor]] = field(default_factory=list)       # per layer and direction: h_t tensors
    cell_steps: list[list[Tensor]] = field(default_factory=list)  # ... and c_t tensors, LSTM only
    h_n: Tensor | None = None                                      # (L*D, B, H) as torch.nn returns
    c_n: Tensor | None = None                                      # (L*D, B, H), LSTM only


class RecurrentLayer(nn.Module):
    """A stack of recurrent layers (batch-first) whose forward returns (output, Trace).

    As in pytorch's benchmarks/fastrnns/custom_lstms.py: the cell does one step (`Cell.step`),
    a direction loops over time, a layer runs its directions, the stack runs its layers.
    `fast(x)` runs the same parameters through torch's own module (fused kernels where torch has
    them) for training steps where nothing needs to be seen. `dropout` acts between stacked
    layers while training, as torch.nn's `dropout` argument does (never after the last layer)."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, generator: torch.Generator | None = None,
                 dropout: float = 0.0):
        super().__init__()
        self.cell = check_cell(cell)
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: must be a positive integer, got {value!r}")
        if not isinstance(bidirectional, bool):
            raise ValueError(f"bidirectional: must be True or False, got {bidirectional!r}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bidirectional = num_layers, bidirectional
        self.directions = 2 if bidirectional else 1
        self.between = SeededDropout(dropout)  # no parameters: state_dict keeps torch.nn's names
        rows = CELLS[cell].gate_rows * hidden_size
        self._flat_names: list[str] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.directions
            for direction in range(self.directions):
                suffix = _suffix(layer, direction)
                shapes = {f"weight_ih_{suffix}": (rows, layer_input),
                          f"weight_hh_{suffix}": (rows, hidden_size),
                          f"bias_ih_{suffix}": (rows,), f"bias_hh_{suffix}": (rows,)}
                for name, shape in shapes.items():
                    self.register_parameter(name, nn.Parameter(torch.empty(shape)))
                    self._flat_names.append(name)
        self.reset_parameters(generator)
        self._share_with_torch_module()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """torch.nn's default init, U(-1/sqrt(H), 1/sqrt(H)), drawn from `generator`."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound, generator=generator)

    def _share_with_torch_module(self) -> None:
        # The shared-parameter trick: `fast` runs torch's fused nn.RNN/LSTM/GRU, built here to hold
        # the very Parameter objects this layer registered (setattr swaps them in, and RNNBase
        # refreshes its _flat_weights), so an optimizer step, load_state_dict or a no_grad edit acts
        # on both paths at once. It is stored in __dict__, out of _modules, so parameters() and
        # state_dict() list each weight once under torch's own names. Built on the meta device: no
        # allocation and no draw from the global RNG. `_apply` calls this again because .to() and
        # .double() may replace the Parameter objects.
        with torch.device("meta"):
            module = CELLS[self.cell].torch_module(self.input_size, self.hidden_size, self.num_layers,
                                                   batch_first=True, bidirectional=self.bidirectional)
        for name in self._flat_names:
            setattr(module, name, getattr(self, name))
        self.__dict__["_torch_module"] = module
        # One fused module per layer too (sharing the same Parameters): with dropout between layers
        # the masks come from this layer's generator, not torch's global RNG, and records read
        # every layer's hidden states.
        self.__dict__["_layer_modules"] = [self._one_layer_module(k) for k in range(self.num_layers)
                                           ] if self.num_layers > 1 else [module]

    def _one_layer_module(self, layer: int) -> nn.RNNBase:
        width = self.input_size if layer == 0 else self.hidden_size * self.directions
        with torch.device("meta"):
            module = CELLS[self.cell].torch_module(width, self.hidden_size, 1, batch_first=True,
                                                   bidirectional=self.bidirectional)
        for direction in range(self.directions):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                setattr(module, f"{kind}_{_suffix(0, direction)}",
                        getattr(self, f"{kind}_{_suffix(layer, direction)}"))
        return module

    def _apply(self, fn, recurse=True):
        result = super()._apply(fn, recurse)
        self._share_with_torch_module()
        return result

    def fast(self, x: Tensor) -> Tensor:
        """Output (B, T, H*D) through torch.nn's kernels; no trace."""
        if not (self.training and self.between.p > 0 and self.num_layers > 1):
            return self._torch_module(x)[0]  # one fused call for the whole stack
        for layer, module in enumerate(self._layer_modules):
            x = module(self.between(x) if layer else x)[0]
        return x

    def layer_module(self, layer: int) -> nn.RNNBase:
        """torch.nn's fused module for one layer of the stack (both directions), on the same
        Parameters; no dropout."""
        return self._layer_modules[layer]

    def weights(self, layer: int, direction: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(W_ih, W_hh, b_ih, b_hh) of one layer and direction."""
        suffix = _suffix(layer, direction)
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, f"{kind}_{suffix}") for kind in kinds)

    def fast_with_state(self, x: Tensor, state: Tensor | tuple[Tensor, Tensor] | None = None):
        """(output (B, T, H*D), final state as torch.nn returns it), carrying `state` over: text is
        generated a token at a time. No dropout: call it in eval mode."""
        if self.training and self.between.p > 0:
            raise RuntimeError("fast_with_state: dropout is on; put the model in eval mode")
        return self._torch_module(x, state)

    def forward(self, x: Tensor, h0: Tensor | None = None, c0: Tensor | None = None):
        """The stack. x: (B, T, input_size) -> (output (B, T, H*D), Trace); h0, c0: (L*D, B, H)."""
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"x: expected (batch, time, {self.input_size}), got {tuple(x.shape)}")
        zeros = x.new_zeros(self.num_layers * self.directions, x.shape[0], self.hidden_size)
        h0 = zeros if h0 is None else h0
        c0 = zeros if c0 is None else c0
        trace, finals = Trace(), []
        for layer in range(self.num_layers):
            x = self._layer(self.between(x) if layer else x, layer, h0, c0, trace, finals)
        trace.h_n = torch.stack([h for h, _ in finals])  # (L*D, B, H), torch's order
        trace.c_n = torch.stack([c for _, c in finals]) if self.cell == "lstm" else None
        return x, trace

    def _layer(self, x: Tensor, layer: int, h0: Tensor, c0: Tensor, trace: Trace,
               finals: list[tuple[Tensor, Tensor | None]]) -> Tensor:
        """One layer: each direction reads the same input; outputs are concatenated (B, T, H*D)."""
        hidden, cells, gates = [], [], []
        for direction in range(self.directions):
            index = layer * self.directions + direction
            hs, cs, gs = self._direction(x, layer, direction, h0[index], c0[index])
            trace.steps.append(hs)  # in walking order: the reverse direction's h_T comes first
            if self.cell == "lstm":
                trace.cell_steps.append(cs)
            finals.append((hs[-1], cs[-1]))  # the last state walked is torch's h_n / c_n
            if direction == 1:  # the reverse direction walked time backwards
                hs, cs, gs = hs[::-1], cs[::-1], gs[::-1]
            hidden.append(torch.stack(hs, 1))  # (B, T, H)
            if self.cell == "lstm":
                cells.append(torch.stack(cs, 1))
            gates.append({g: torch.stack([step[g] for step in gs], 1) for g in CELLS[self.cell].gates})
        out = torch.cat(hidden, -1)  # (B, T, H*D)
        trace.hidden.append(out)
        trace.gates.append({g: torch.cat([d[g] for d in gates], -1) for g in CELLS[self.cell].gates})
        if cells:
            trace.cell_state.append(torch.cat(cells, -1))
        return out

    def _direction(self, x: Tensor, layer: int, direction: int, h: Tensor, c: Tensor | None):
        """One direction: the cell's step over time, forwards or backwards; lists in walking order."""
        w_ih, w_hh, b_ih, b_hh = self.weights(layer, direction)
        x_proj = F.linear(x, w_ih, b_ih)  # (B, T, G*H): one matmul for the whole sequence
        steps = x_proj.unbind(1)  # unbind, never x[:, t]: slicing makes backward O(T^2)
        if direction:
            steps = steps[::-1]
        step = CELLS[self.cell].step
        c = c if self.cell == "lstm" else None
        hs, cs, gs = [], [], []
        for x_t in steps:
            h, c, gates = step(x_t, h, c, w_hh, b_hh)
            hs.append(h)
            cs.append(c)
            gs.append(gates)
        return hs, cs, gs


def _suffix(layer: int, direction: int) -> str:
    """torch.nn's parameter-name suffix: "l0", "l0_reverse"."""
    return f"l{layer}" + ("_reverse" if direction else "")
