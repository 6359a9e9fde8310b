"""Run and Record: what a training run leaves behind, as plain numpy and pandas data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnnviz.config import RunConfig
from rnnviz.history import HISTORY_COLUMNS, StepLog

__all__ = ["HISTORY_COLUMNS", "LengthAccuracy", "Record", "Run", "StepLog"]


@dataclass
class Record:
    """A look inside the model at one step, on the run's fixed probe batch.

    Taken with the weights after `step` updates. Arrays are numpy on the CPU; float32 norms that
    underflow stay exactly 0 and exploded ones stay inf/nan: plots floor or mark them. The closing
    record of a stopped run has empty parameter-gradient dicts (no training batch was drawn)."""

    step: int
    hidden: list[np.ndarray]                # per layer (P, T, H*D)
    gates: list[dict[str, np.ndarray]]      # per layer {gate: (P, T, H*D)}; empty dicts for RNNs
    cell_state: list[np.ndarray]            # per layer (P, T, H*D); empty list unless LSTM
    grad_by_time: np.ndarray                # (L, T): ||dL_T/dh_t|| per layer, L_T = last-step loss
    grad_by_time_total: np.ndarray | None   # (L, T) for the total loss, where the loss is per step
    param_grad_norm: dict[str, float]       # training-batch gradient at these weights, before clipping
    param_grad_norm_clipped: dict[str, float]  # ... and after clipping
    spectral_radius: dict[str, float]       # per W_hh block: "weight_hh_l0", "weight_hh_l0.forget"
    eigenvalues: dict[str, np.ndarray]      # same keys, complex eigenvalues of the H x H block
    probe_loss: float
    val_loss: float                         # held-out batch (a fixed validation batch)
    val_metrics: dict[str, float] = field(default_factory=dict)
    # LSTM only, else None: ||dL_T/dc_t|| (L, T), the cell state's gradient, and the same for the
    # total loss where the loss is per step (None for older run files, which lack them)
    cell_grad_by_time: np.ndarray | None = None
    cell_grad_by_time_total: np.ndarray | None = None
    # the model's weights at this record (state_dict names, float32), when the run kept them
    weights: dict[str, np.ndarray] | None = None
    # Many-to-one classification only, else None (and in older run files): per probe sequence,
    # step and class, gradient x input of the class's last-step logit (rnnviz.decisions), and
    # the last-step logits (P, C)
    contributions: np.ndarray | None = None
    probe_logits: np.ndarray | None = None
    # loss on a fixed batch of training windows in eval mode (no dropout), as val_loss is taken:
    # the gap between the two is overfitting (nan in older run files)
    train_loss: float = float("nan")
    # text tasks: what the model wrote at this record from a fixed prompt (see rnnviz.generate)
    sample: str | None = None
    # Seq2seq runs only (None elsewhere and in older run files): the fields above show the encoder;
    # these the decoder, as greedy decoding ran on the probe batch. S = H*D, the decoder's size.
    decoder_hidden: list[np.ndarray] | None = None          # per layer (P, T_out, S)
    decoder_gates: list[dict[str, np.ndarray]] | None = None  # per layer {gate: (P, T_out, S)}
    decoder_cell_state: list[np.ndarray] | None = None      # per layer (P, T_out, S); LSTM only
    decoder_grad_by_time: np.ndarray | None = None          # (L, T_out): ||dL_T/ds_t||
    decoder_grad_by_time_total: np.ndarray | None = None    # (L, T_out): ||dL/ds_t||, all outputs
    attention: np.ndarray | None = None                     # (P, T_out, T_in) weights; rows sum to 1
    decoded: np.ndarray | None = None                       # (P, T_out) greedy output token ids


@dataclass(frozen=True)
class LengthAccuracy:
    """Greedy-decoding accuracy of a trained model at each input length."""

    lengths: np.ndarray            # (N,) input lengths, increasing
    accuracy: np.ndarray           # (N,) share of output tokens right
    sequence_accuracy: np.ndarray  # (N,) share of sequences with every token right


@dataclass
class Run:
    """A training run: its config, per-step history, records, and how it ended."""

    config: RunConfig
    records: list[Record] = field(default_factory=list)
    rows: StepLog = field(default_factory=StepLog)  # one entry per optimizer step; a list of dicts is
    #                                                 accepted and stored by column
    baseline_loss: float = float("nan")
    val_baseline_loss: float = float("nan")  # the validation split's own best constant (nan: as above)
    val_unseen_share: float = 0.0            # share of validation targets never seen in training
    status: str = "running"                 # "running", "finished", "stopped", "diverged at step k"
    device: str = "cpu"
    task_kind: str = "regression"
    metric_names: tuple[str, ...] = ()
    probe_tokens: list[list[str]] | None = None  # text of the probe inputs, for text tasks
    probe_inputs: np.ndarray | None = None   # (P, T, I) floats or (P, T) token ids
    probe_targets: np.ndarray | None = None  # the probe batch's targets as the task makes them
    elapsed_s: float = 0.0
    name: str = ""
    weights: dict[str, np.ndarray] | None = None  # final weights (None: older run file, or not finite)
    output_vocab: list[str] | None = None    # seq2seq: the text of each output token id
    length_accuracy: LengthAccuracy | None = None  # seq2seq: greedy accuracy by input length, at the end

    def __post_init__(self) -> None:
        if not isinstance(self.rows, StepLog):
            self.rows = StepLog(self.rows)

    @property
    def history(self) -> pd.DataFrame:
        """One row per optimizer step: step, loss, grad_norm, grad_norm_clipped, clipped, metrics.

        Built once per new step and shared by every reader until the next: copy it to modify it."""
        return self.rows.frame(HISTORY_COLUMNS + tuple(self.metric_names))

    def snapshot(self) -> Run:
        """A copy safe to read while a trainer thread keeps appending steps and records to this one."""
        return dataclasses.replace(self, rows=self.rows.copy(), records=list(self.records))

    @property
    def grad_by_time(self) -> np.ndarray:
        """(n_records, T): ||dL_T/dh_t|| of the last layer at each record."""
        if not self.records:
            return np.zeros((0, self.config.seq_len))
        return np.stack([r.grad_by_time[-1] for r in self.records])

    @property
    def record_steps(self) -> list[int]:
        return [r.step for r in self.records]

    @property
    def diverged(self) -> bool:
        return self.status.startswith("diverged")

    @property
    def diverged_step(self) -> int | None:
        return int(self.status.rsplit(" ", 1)[1]) if self.diverged else None

    @property
    def steps_done(self) -> int:
        return len(self.rows)
