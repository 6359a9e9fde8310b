"""What a seq2seq run adds to cost.estimate's figures: a decoder as large as the encoder, a
step-by-step loop where the decoder reads its own guesses or attends, and the closing accuracy by
length. Measured with torch 2.13 on CPU: additive attention, T=10, H=64, B=64 takes ~25 ms a step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnviz.config import RunConfig

if TYPE_CHECKING:
    from rnnviz.cost import Machine
    from rnnviz.tasks import Seq2SeqTask

LOOP_OPS = 3  # forward, then backward at about twice its cost, per decoder step and layer


def seq2seq_seconds(cfg: RunConfig, task: Seq2SeqTask, step_s: float, record_s: float,
                    machine: Machine) -> tuple[float, float, float]:
    """(seconds per training step, per record, once at the end) for a seq2seq config, given the
    estimates of the encoder alone."""
    from rnnviz.seq2seq_probe import default_lengths

    per_step = (cfg.num_layers + (cfg.attention != "none")) * machine.traced_op_s  # one decoder step
    T_out = task.out_len(max(cfg.seq_len, task.options["eval_len"]))
    looped = cfg.attention != "none" or cfg.teacher_forcing < 1.0  # else one fused decoder call
    train = 2 * step_s + (LOOP_OPS * T_out * per_step if looped else 0.0)
    # records: the traced greedy pass, four gradient passes, and a greedy validation pass; their
    # attention steps cost about three times a plain one (measured: 290 ms a record at T=10, H=64)
    record = 2 * record_s + 6 * T_out * per_step * (3 if cfg.attention != "none" else 1)
    end = sum(task.out_len(n) for n in default_lengths(task)) * per_step
    return train, record, end
