"""SequenceModel: (embedding) -> RecurrentLayer -> (dropout) -> linear head, initialised from a
seeded generator."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from rnnviz.cells import CELLS, RecurrentLayer, Trace
from rnnviz.config import RunConfig
from rnnviz.dropout import SeededDropout
from rnnviz.tasks import Task, make_task

EMBED_SIZE = 32


class SequenceModel(nn.Module):
    """Maps (B, T, input) or (B, T) token ids to (B, T, output_size) through one recurrent stack."""

    def __init__(self, cfg: RunConfig, task: Task, generator: torch.Generator):
        super().__init__()
        self.embed = None
        rnn_input = task.input_size
        if task.input_tokens:
            self.embed = nn.utils.skip_init(nn.Embedding, task.input_size, EMBED_SIZE)
            with torch.no_grad():
                self.embed.weight.normal_(0.0, 1.0, generator=generator)
            rnn_input = EMBED_SIZE
        self.rnn = RecurrentLayer(cfg.cell, rnn_input, cfg.hidden_size, cfg.num_layers,
                                  cfg.bidirectional, generator=generator, dropout=cfg.dropout)
        self.drop = SeededDropout(cfg.dropout)  # on the last layer's output, before the head
        width = cfg.hidden_size * self.rnn.directions
        self.head = nn.utils.skip_init(nn.Linear, width, task.output_size)
        with torch.no_grad():  # torch.nn.Linear's default bounds, drawn from our generator
            bound = 1.0 / math.sqrt(width)
            self.head.weight.uniform_(-bound, bound, generator=generator)
            self.head.bias.uniform_(-bound, bound, generator=generator)
        init_recurrent(self.rnn, cfg, generator)

    def forward(self, x: Tensor) -> Tensor:
        """Fast path for training steps: torch.nn kernels, nothing recorded."""
        return self.head(self.drop(self.rnn.fast(self._inputs(x))))  # (B, T, O)

    def traced(self, x: Tensor) -> tuple[Tensor, Trace]:
        """Instrumented path for records: the same function, every step visible."""
        hidden, trace = self.rnn(self._inputs(x))
        return self.head(self.drop(hidden)), trace

    def continue_from(self, x: Tensor, state=None) -> tuple[Tensor, object]:
        """(output (B, T, O), recurrent state) with `state` carried over from the previous call:
        the fast path, a few tokens at a time, for generating text (eval mode)."""
        hidden, state = self.rnn.fast_with_state(self._inputs(x), state)
        return self.head(self.drop(hidden)), state

    def _inputs(self, x: Tensor) -> Tensor:
        return self.embed(x) if self.embed is not None else x


def build_model(cfg: RunConfig, task: Task | None, generator: torch.Generator) -> nn.Module:
    """The model `cfg` trains (`task` built from cfg when None), initialised from `generator`."""
    task = task if task is not None else make_task(cfg)
    if task.kind == "seq2seq":  # an encoder and a decoder (rnnviz.seq2seq imports this module)
        from rnnviz.seq2seq import Seq2Seq
        return Seq2Seq(cfg, task, generator)
    return SequenceModel(cfg, task, generator)


def recurrent_blocks(layer: RecurrentLayer) -> dict[str, Tensor]:
    """Each square H x H block of every W_hh, keyed "weight_hh_l0" or "weight_hh_l0.forget"."""
    blocks = {}
    for name, param in layer.named_parameters():
        if not name.startswith("weight_hh"):
            continue
        cell = CELLS[layer.cell]
        for gate, block in zip(cell.gates or ("",), param.chunk(cell.gate_rows, 0), strict=True):
            blocks[f"{name}.{gate}" if gate else name] = block
    return blocks


def init_recurrent(layer: RecurrentLayer, cfg: RunConfig, generator: torch.Generator) -> None:
    """Apply cfg.recurrent_init to every W_hh block, and cfg.forget_bias to LSTM forget gates."""
    with torch.no_grad():
        for block in recurrent_blocks(layer).values():
            if cfg.recurrent_init == "orthogonal":
                block.copy_(nn.init.orthogonal_(torch.empty_like(block), generator=generator))
            elif cfg.recurrent_init == "identity":
                block.copy_(torch.eye(block.shape[0]))
            elif cfg.recurrent_init == "scaled":
                radius = torch.linalg.eigvals(block.double()).abs().max().item()
                block.mul_((cfg.spectral_radius or 1.0) / max(radius, 1e-12))
        if cfg.recurrent_init == "identity":  # IRNN (Le et al. 2015): zero biases
            for name, param in layer.named_parameters():
                if name.startswith("bias"):
                    param.zero_()
        if cfg.forget_bias is not None and layer.cell == "lstm":
            H = layer.hidden_size
            for name, param in layer.named_parameters():
                if name.startswith("bias_ih"):
                    param[H:2 * H] = cfg.forget_bias
                elif name.startswith("bias_hh"):
                    param[H:2 * H] = 0.0
