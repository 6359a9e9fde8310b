"""One side of a seq2seq run as a plain run: the hidden-state, gate and gradient views draw either.

A seq2seq Record keeps the encoder in the usual fields and the decoder in decoder_*; `side(run,
"decoder")` swaps the decoder in, so every single-stack view shows it unchanged."""

from __future__ import annotations

import dataclasses

from rnnviz.run import Run

SIDES = ("encoder", "decoder")


def is_seq2seq(run: Run) -> bool:
    return run.task_kind == "seq2seq" and bool(run.records) and run.records[0].decoder_hidden is not None


def side(run: Run, which: str) -> Run:
    """`run` itself for "encoder"; for "decoder", a copy whose records show the decoder's states,
    gates and gradients, with the target tokens as its probe text. ValueError for anything else."""
    if which not in SIDES:
        raise ValueError(f"side: must be encoder or decoder, got {which!r}")
    if which == "encoder":
        return run
    if not is_seq2seq(run):
        raise ValueError("side: only a seq2seq run has a decoder")
    targets = run.probe_targets
    out_len = targets.shape[1]
    vocab = run.output_vocab or []
    records = [dataclasses.replace(
        r, hidden=r.decoder_hidden, gates=r.decoder_gates, cell_state=r.decoder_cell_state or [],
        grad_by_time=r.decoder_grad_by_time, grad_by_time_total=r.decoder_grad_by_time_total,
        cell_grad_by_time=None, cell_grad_by_time_total=None,
        # the decoder's W_hh spectra are not recorded: its views say so rather than show the encoder's
        eigenvalues={}, spectral_radius={},
        param_grad_norm={k: v for k, v in r.param_grad_norm.items() if not k.startswith("encoder.")},
        param_grad_norm_clipped={k: v for k, v in r.param_grad_norm_clipped.items()
                                 if not k.startswith("encoder.")})
        for r in run.records if r.decoder_hidden is not None]
    return dataclasses.replace(
        run, records=records,  # the decoder: one direction of the encoder's H x D units
        config=run.config.replace(seq_len=out_len, bidirectional=False,
                                  hidden_size=run.records[0].decoder_hidden[0].shape[-1]),
        probe_tokens=[[vocab[int(i)] if int(i) < len(vocab) else "?" for i in row] for row in targets],
        probe_inputs=targets)
