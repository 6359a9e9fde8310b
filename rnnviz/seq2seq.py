"""Seq2Seq: an encoder and a decoder built from RecurrentLayer, with optional attention.

The decoder starts from the encoder's final state (the fixed-length bottleneck). With attention
it also reads, at every step, a weighted average of all encoder outputs: additive (Bahdanau et al.
2015, score v . tanh(W s + U h_j)) or dot (Luong et al. 2015, score s . h_j), where s is the
decoder's previous top-layer state. Training feeds the true previous token with probability
cfg.teacher_forcing; evaluation decodes greedily (each step reads the model's own last guess)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from rnnviz.cells import RecurrentLayer, Trace
from rnnviz.config import RunConfig
from rnnviz.model import EMBED_SIZE, init_recurrent
from rnnviz.tasks import Seq2SeqTask


def _embedding(rows: int, generator: torch.Generator) -> nn.Embedding:
    embed = nn.utils.skip_init(nn.Embedding, rows, EMBED_SIZE)
    with torch.no_grad():
        embed.weight.normal_(0.0, 1.0, generator=generator)
    return embed


def _linear(inputs: int, outputs: int, generator: torch.Generator, bias: bool = True) -> nn.Linear:
    layer = nn.utils.skip_init(nn.Linear, inputs, outputs, bias=bias)
    with torch.no_grad():  # torch.nn.Linear's default bounds, drawn from our generator
        bound = 1.0 / math.sqrt(inputs)
        layer.weight.uniform_(-bound, bound, generator=generator)
        if bias:
            layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


class Attention(nn.Module):
    """Weights over encoder steps for one decoder state: additive or dot scores, then softmax."""

    def __init__(self, kind: str, size: int, generator: torch.Generator):
        super().__init__()
        self.kind = kind
        if kind == "additive":
            self.query = _linear(size, size, generator, bias=False)  # W
            self.keys = _linear(size, size, generator)               # U (and the bias)
            self.score = _linear(size, 1, generator, bias=False)     # v

    def forward(self, state: Tensor, memory: Tensor, keys: Tensor | None) -> Tensor:
        """state (B, S), memory (B, T, S), keys = self.project(memory) -> weights (B, T), rows sum to 1."""
        if self.kind == "additive":
            scores = self.score(torch.tanh(self.query(state).unsqueeze(1) + keys)).squeeze(-1)
        else:
            scores = (memory @ state.unsqueeze(-1)).squeeze(-1)  # (B, T)
        return torch.softmax(scores, -1)

    def project(self, memory: Tensor) -> Tensor | None:
        """U h_j for every encoder step, computed once per sequence (additive only)."""
        return self.keys(memory) if self.kind == "additive" else None


@dataclass
class Decoded:
    """What one decoding pass produced; traces only when asked for (records)."""

    logits: Tensor                                   # (B, T_out, V)
    attention: Tensor | None = None                  # (B, T_out, T_in)
    encoder: Trace | None = None
    decoder: Trace = field(default_factory=Trace)    # hidden/gates/cell_state per layer (B, T_out, S)


class Seq2Seq(nn.Module):
    """Token ids (B, T_in) -> logits (B, T_out, V). The decoder's state size is the encoder's
    hidden_size x directions, so a bidirectional encoder's two final states start it together."""

    def __init__(self, cfg: RunConfig, task: Seq2SeqTask, generator: torch.Generator):
        super().__init__()
        self.task, self.cell, self.attention_kind = task, cfg.cell, cfg.attention
        self.teacher_forcing = cfg.teacher_forcing
        self.forcing = torch.Generator().manual_seed(cfg.seed + 4)  # coin flips of teacher forcing
        self.bos = task.output_size  # the decoder's first input: a start token after the outputs
        self.embed = _embedding(task.input_size, generator)
        self.encoder = RecurrentLayer(cfg.cell, EMBED_SIZE, cfg.hidden_size, cfg.num_layers,
                                      cfg.bidirectional, generator=generator)
        size = cfg.hidden_size * self.encoder.directions
        self.attend = Attention(cfg.attention, size, generator) if cfg.attention != "none" else None
        context = size if self.attend is not None else 0
        self.embed_out = _embedding(task.output_size + 1, generator)
        self.decoder = RecurrentLayer(cfg.cell, EMBED_SIZE + context, size, cfg.num_layers,
                                      generator=generator)
        self.head = _linear(size + context, task.output_size, generator)
        init_recurrent(self.encoder, cfg, generator)
        init_recurrent(self.decoder, cfg, generator)

    @property
    def rnn(self) -> RecurrentLayer:
        """The encoder: what the single-stack views (spectra, hidden states) look at."""
        return self.encoder

    def _inputs(self, x: Tensor) -> Tensor:
        """What enters the encoder (B, T, E), as SequenceModel._inputs: the cell inspector reads it."""
        return self.embed(x)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Training: logits (B, T_out, V), reading y's tokens as cfg.teacher_forcing says.
        Without y: greedy decoding (the evaluation)."""
        ratio = self.teacher_forcing if y is not None else 0.0
        steps = y.shape[1] if y is not None else self.task.out_len(x.shape[1])
        return self.decode(x, steps, y, ratio).logits

    def greedy(self, x: Tensor, traced: bool = False) -> Decoded:
        """Greedy decoding: each step reads the model's own previous guess."""
        return self.decode(x, self.task.out_len(x.shape[1]), None, 0.0, traced)

    def encode(self, x: Tensor, traced: bool, embedded: Tensor | None = None
               ) -> tuple[Tensor, Tensor, Tensor | None, Trace | None]:
        """Encoder outputs (B, T, S) and the decoder's start state h0, c0 (L, B, S). `embedded`:
        x's embedding (B, T, E) given instead of looked up (the memory map differentiates it)."""
        emb = self.embed(x) if embedded is None else embedded  # (B, T, E)
        if traced:
            memory, trace = self.encoder(emb)
            h_n, c_n = trace.h_n, trace.c_n
        else:
            memory, finals = self.encoder._torch_module(emb)
            h_n, c_n = finals if self.cell == "lstm" else (finals, None)
            trace = None
        return memory, self._bridge(h_n), None if c_n is None else self._bridge(c_n), trace

    def _bridge(self, final: Tensor) -> Tensor:
        """(L*D, B, H) in torch's order -> (L, B, D*H): both directions of a layer side by side."""
        L, D = self.encoder.num_layers, self.encoder.directions
        return final.view(L, D, *final.shape[1:]).permute(0, 2, 1, 3).flatten(2)

    def decode(self, x: Tensor, steps: int, y: Tensor | None, ratio: float,
               traced: bool = False, embedded: Tensor | None = None) -> Decoded:
        memory, h, c, enc_trace = self.encode(x, traced, embedded)
        if self.attend is None and ratio == 1.0 and not traced:  # every input known: one fused call
            start = torch.full_like(y[:, :1], self.bos)
            emb = self.embed_out(torch.cat([start, y[:, :-1]], 1))  # (B, T_out, E)
            out, _ = self.decoder._torch_module(emb, (h, c) if c is not None else h)
            return Decoded(self.head(out))
        keys = self.attend.project(memory) if self.attend is not None else None
        prev = torch.full((x.shape[0],), self.bos, dtype=torch.long, device=x.device)
        logits, weights, steps_out = [], [], []
        for t in range(steps):
            inp = self.embed_out(prev)  # (B, E)
            if self.attend is not None:
                a = self.attend(h[-1], memory, keys)  # (B, T_in): s_{t-1} looks at every h_j
                context = (a.unsqueeze(1) @ memory).squeeze(1)  # (B, S)
                inp = torch.cat([inp, context], -1)
                weights.append(a)
            if traced:
                out, step_trace = self.decoder(inp.unsqueeze(1), h, c)
                h, c = step_trace.h_n, step_trace.c_n
                steps_out.append(step_trace)
            else:
                out, finals = self.decoder._torch_module(inp.unsqueeze(1), (h, c) if c is not None else h)
                h, c = finals if c is not None else (finals, None)
            top = out[:, 0]  # (B, S)
            logit = self.head(torch.cat([top, context], -1) if self.attend is not None else top)
            logits.append(logit)
            prev = self._next_input(logit, y, t, ratio)
        return Decoded(torch.stack(logits, 1), torch.stack(weights, 1) if weights else None,
                       enc_trace, _join(steps_out) if traced else Trace())

    def _next_input(self, logit: Tensor, y: Tensor | None, t: int, ratio: float) -> Tensor:
        guess = logit.detach().argmax(-1)
        if ratio == 0.0 or y is None:
            return guess
        if ratio == 1.0:
            return y[:, t]
        coin = torch.rand(len(guess), generator=self.forcing).to(guess.device) < ratio
        return torch.where(coin, y[:, t], guess)


def _join(traces: list[Trace]) -> Trace:
    """One-step traces -> one Trace over the decoder's steps (steps: per layer, h_t in time order)."""
    layers = len(traces[0].hidden)
    joined = Trace()
    for n in range(layers):
        joined.hidden.append(torch.cat([t.hidden[n] for t in traces], 1))
        joined.gates.append({g: torch.cat([t.gates[n][g] for t in traces], 1) for g in traces[0].gates[n]})
        joined.steps.append([t.steps[n][0] for t in traces])
        if traces[0].cell_state:
            joined.cell_state.append(torch.cat([t.cell_state[n] for t in traces], 1))
            joined.cell_steps.append([t.cell_steps[n][0] for t in traces])
    return joined

