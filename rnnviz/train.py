"""The training loop: RunConfig -> Run, recording on a fixed probe batch as it goes."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np
import torch

from rnnviz.config import RunConfig
from rnnviz.cost import record_count
from rnnviz.devices import resolve_device
from rnnviz.dropout import seed_dropout
from rnnviz.generate import record_sample
from rnnviz.model import build_model
from rnnviz.probe import look_inside, param_grad_norms, total_norm
from rnnviz.run import Record, Run
from rnnviz.seq2seq_probe import accuracy_by_length, default_lengths, look_inside_seq2seq
from rnnviz.tasks import Task, make_task
from rnnviz.weights import keeps_weights, kept_every, weights_of

Callback = Callable[[Run], None]


def make_optimizer(cfg: RunConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr)
    return torch.optim.Adam(params, lr=cfg.lr)


def clip(params: list[torch.nn.Parameter], cfg: RunConfig, before: float) -> float:
    """Clip gradients as cfg says, given their total norm `before`; return the norm after."""
    if cfg.clip_norm is None or not math.isfinite(before):
        return before
    if cfg.clip_mode == "value":
        torch.nn.utils.clip_grad_value_(params, cfg.clip_norm)
        return total_norm(params)
    if before > cfg.clip_norm:  # clipping the norm helps prevent the exploding gradient problem
        scale = cfg.clip_norm / (before + 1e-6)  # the scale clip_grad_norm_ uses
        torch._foreach_mul_([p.grad for p in params if p.grad is not None], scale)
        return before * scale  # the norm scales with the gradients: no second pass over them
    return before


def notify(callback: Callback, run: Run) -> None:
    """Call `callback(run)`; if it raises, attach the partial run to the exception and re-raise."""
    try:
        callback(run)
    except Exception as err:
        run.status = "callback failed"
        err.run = run  # type: ignore[attr-defined]
        err.add_note(f"rnnviz.train: the partial run ({run.steps_done} steps, {len(run.records)} "
                     "records) is attached as err.run")
        raise


def inside(step: int, model: torch.nn.Module, task: Task, cfg: RunConfig, probe: list[torch.Tensor],
           val: list[torch.Tensor], before: dict[str, float], after: dict[str, float],
           seen: list[torch.Tensor], keep_weights: bool) -> Record:
    """The record at `step`: a look inside (the encoder's and decoder's for seq2seq), what a text
    model writes now, and the weights when the run keeps them at every record."""
    if task.kind == "seq2seq":
        record = look_inside_seq2seq(step, model, task, probe, val, before, after)
    else:
        record = look_inside(step, model, task, probe, val, before, after, seen)
        record.sample = record_sample(model, task, cfg.seed + 6)  # the same draws each time
    record.weights = weights_of(model) if keep_weights else None
    return record


def train(cfg: RunConfig, on_record: Callback | None = None, stop: threading.Event | None = None,
          on_progress: Callback | None = None, progress_every_s: float = 0.25) -> Run:
    """Train a model as `cfg` says. `on_record(run)` runs at every record and once more when the
    run ends (its status set); `on_progress(run)` at most every `progress_every_s`; setting
    `stop` ends the run early, keeping everything.

    A callback that raises ends the run: the exception propagates unchanged, with the partial
    Run attached as `err.run` (its status "callback failed", records and history kept) and a
    note saying so."""
    task = make_task(cfg)
    device = resolve_device(cfg.device)
    # One generator per purpose: the same seed gives the same run, whatever else is running.
    init_gen, data_gen = (torch.Generator().manual_seed(cfg.seed + k) for k in (0, 1))
    probe_gen = torch.Generator().manual_seed(cfg.seed + 2)
    probe = [t.to(device) for t in task.probe_batch(cfg.probe_size, probe_gen)]
    val = [t.to(device) for t in task.batch(max(cfg.batch_size, 32),
                                            torch.Generator().manual_seed(cfg.seed + 3), split="val")]
    seq2seq = task.kind == "seq2seq"  # encoder-decoder: its model, decoder inputs and records
    model = build_model(cfg, task, init_gen).to(device)
    seed_dropout(model, torch.Generator(device).manual_seed(cfg.seed + 4))  # masks: this run's own
    # the loss on training windows in eval mode, at every record: the other side of the val gap
    seen = [t.to(device) for t in task.batch(len(val[0]), torch.Generator().manual_seed(cfg.seed + 5))]
    params = list(model.parameters())
    every = kept_every(sum(p.numel() for p in params), record_count(cfg))  # records keeping weights
    optimizer = make_optimizer(cfg, params)
    val_baseline, val_unseen = task.val_baseline()
    run = Run(config=cfg, baseline_loss=float(task.baseline_loss), device=str(device),
              val_baseline_loss=val_baseline, val_unseen_share=val_unseen,
              task_kind=task.kind, probe_tokens=task.tokens(probe[0].cpu()),
              probe_inputs=probe[0].cpu().numpy(), probe_targets=probe[1].cpu().numpy())
    if seq2seq:
        run.output_vocab = list(task.output_vocab)
    started = last_progress = time.perf_counter()

    for step in range(cfg.steps + 1):  # step = updates made so far; the last pass only records
        if stop is not None and stop.is_set():
            run.status = "stopped"
            break
        x, y = (t.to(device) for t in task.batch(cfg.batch_size, data_gen))
        optimizer.zero_grad(set_to_none=True)
        out = model(x, y) if seq2seq else model(x)  # the decoder reads y (teacher forcing)
        loss = task.loss(out, y)
        loss.backward()
        loss_value, before = loss.item(), total_norm(params)
        # float64 norms are not finite only when a gradient element is not: that, or the loss, diverges
        diverged = not (math.isfinite(loss_value) and math.isfinite(before))
        is_record = step % cfg.record_every == 0 or step == cfg.steps or diverged
        raw_grads = param_grad_norms(model) if is_record else {}
        after = clip(params, cfg, before)
        if step < cfg.steps:
            metrics = {**task.metrics(out.detach(), y, loss_value), **task.input_metrics(x, out.detach(), y)}
            run.metric_names = tuple(metrics)
            run.rows.append({"step": step, "loss": loss_value, "grad_norm": before,
                             "grad_norm_clipped": after, "clipped": after < before, **metrics})
        if is_record:
            keep = keeps_weights(len(run.records), step == cfg.steps, every) and not diverged
            run.records.append(inside(step, model, task, cfg, probe, val, raw_grads, param_grad_norms(model),
                                      seen, keep_weights=keep))
            run.elapsed_s = time.perf_counter() - started
            if on_record is not None and not diverged:
                notify(on_record, run)
        if diverged:
            run.status = f"diverged at step {step}"
            break
        if step < cfg.steps:
            optimizer.step()
        now = time.perf_counter()
        if on_progress is not None and now - last_progress >= progress_every_s:
            last_progress, run.elapsed_s = now, now - started
            notify(on_progress, run)
    else:
        run.status = "finished"
    if run.status == "stopped" and (not run.records or run.records[-1].step != step):
        run.records.append(inside(step, model, task, cfg, probe, val, {}, {}, seen,
                                  keeps_weights(len(run.records), True, every)))  # the last record
    if seq2seq and run.status == "finished":  # not after Stop: it must act within a second
        run.length_accuracy = accuracy_by_length(model, default_lengths(task), seed=cfg.seed + 5)
    final = weights_of(model)
    run.weights = final if all(np.isfinite(w).all() for w in final.values()) else None
    run.elapsed_s = time.perf_counter() - started
    if on_record is not None:
        notify(on_record, run)
    return run

