"""The gradient pictures: ||dL_T/dh_t|| through time, per-parameter norms, spectra of W_hh."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.plots.style import (
    MIN_FONT,
    NO_RECORD,
    REFERENCE,
    SEQUENTIAL,
    TIME_AXIS,
    as_runs,
    color,
    finish,
    new_figure,
    note,
    run_labels,
)
from rnnviz.run import Record, Run

DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross")  # past 8 colours, a new symbol
GRAD_AXIS = "‖∂L_T/∂h_t‖ (log scale)"


def block_label(key: str) -> str:
    """"weight_hh_l1_reverse.forget" -> "layer 1 reverse forget"."""
    name, _, gate = key.partition(".")
    layer = name.removeprefix("weight_hh_l")
    reverse = layer.endswith("_reverse")
    return " ".join(["layer", layer.removesuffix("_reverse")] + ["reverse"] * reverse + [gate] * bool(gate))


def _grads(record: Record, total: bool) -> np.ndarray:
    """(L, T) norms of the last-step loss, or of the total loss where the task has one."""
    if total and record.grad_by_time_total is not None:
        return np.asarray(record.grad_by_time_total, dtype=np.float64)
    return np.asarray(record.grad_by_time, dtype=np.float64)


def grad_by_time_figure(runs: Run | Sequence[Run], record_index: int = -1, all_layers: bool = False,
                        total: bool = False, presenter: bool = False) -> go.Figure:
    """||dL_T/dh_t|| against t on a log axis for one record of each run: vanishing or exploding."""
    runs = [r for r in as_runs(runs) if r.records]
    fig = new_figure("Gradient flowing back through time",
                     "Falling to the left = vanishing: early inputs get almost no learning signal. "
                     "Rising to the left = exploding.", TIME_AXIS,
                     GRAD_AXIS if not total else "‖∂L/∂h_t‖, total loss (log scale)")
    fig.update_yaxes(type="log", exponentformat="power")
    if not runs:
        return finish(note(fig, NO_RECORD), presenter)
    labels, many = run_labels(runs), len(runs) > 1
    chosen = [(run, label, analysis.record_at(run, record_index), i)
              for i, (run, label) in enumerate(zip(runs, labels, strict=True))]
    floor = analysis.floor_for(*[_grads(rec, total) for _, _, rec, _ in chosen])
    finite = np.concatenate([g[np.isfinite(g)] for _, _, rec, _ in chosen for g in [_grads(rec, total)]])
    top = float(finite.max()) * 10 if finite.size and finite.max() > 0 else 1.0
    underflow, placed = False, 0  # placed: annotation lines so far
    for _, label, record, i in chosen:
        grads = _grads(record, total)
        layers = range(len(grads)) if all_layers else [len(grads) - 1]
        for n, layer in enumerate(layers):
            name = f"{label} @ step {record.step}"
            name += f", layer {layer}" if all_layers else ""
            fl = analysis.log_floor(grads[layer], floor)
            t = np.arange(len(fl.values))
            fig.add_trace(go.Scatter(
                x=t, y=fl.values, mode="lines+markers", name=name, legendgroup=name, meta="grad",
                line=dict(color=color(i), width=2.5, dash=DASHES[n % len(DASHES)]),
                marker=dict(size=6), hovertemplate="t=%{x}<br>%{y:.3e}<extra></extra>"))
            if fl.zero.any():
                underflow = True
                fig.add_trace(go.Scatter(
                    x=t[fl.zero], y=fl.values[fl.zero], mode="markers", name=f"{name}: underflow to 0",
                    legendgroup=name, meta="underflow", hovertemplate="t=%{x}: exactly 0<extra></extra>",
                    marker=dict(symbol="circle-open", size=11, color=color(i), line=dict(width=2))))
            if fl.nonfinite.any():
                fig.add_trace(go.Scatter(
                    x=t[fl.nonfinite], y=np.full(int(fl.nonfinite.sum()), top), mode="markers",
                    name=f"{name}: overflow (inf/nan)", legendgroup=name, meta="nonfinite",
                    marker=dict(symbol="x", size=12, color=color(i))))
        lines = textwrap.wrap(f"{label + ': ' if many else ''}{analysis.describe_ratio(grads[-1])}", 70)
        fig.add_annotation(text="<br>".join(lines), align="left",
                           x=0.01, y=0.99 - 0.07 * placed, xref="paper", yref="paper", showarrow=False,
                           xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.8)",
                           font=dict(size=MIN_FONT, color=color(i)), name="ratio")
        placed += len(lines)
    if underflow:
        fig.add_hline(y=floor, line=dict(color=REFERENCE, dash="dot", width=1),
                      annotation=dict(text="0 (float underflow), drawn here", font=dict(size=MIN_FONT)),
                      annotation_position="bottom right")
    if len(runs) == 1:
        fig.update_layout(title_text=f"Gradient flowing back through time, at step {chosen[0][2].step}")
    return finish(fig, presenter)


def grad_heatmap_figure(run: Run, layer: int = -1, total: bool = False,
                        presenter: bool = False) -> go.Figure:
    """Training step x time heatmap of log10 ||dL_T/dh_t||: how the gradient's reach evolves."""
    fig = new_figure("Gradient through time, over training",
                     "Dark on the left = the gradient does not reach early steps. Watch whether the "
                     "bright region spreads left as training goes on.", TIME_AXIS,
                     "training step (record)")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    grads = np.stack([_grads(r, total)[layer] for r in run.records])  # (R, T)
    fl = analysis.log_floor(grads)
    hover = np.where(fl.zero, "0 (underflow)", np.where(fl.nonfinite, "inf/nan (overflow)",
                                                         np.char.mod("%.2e", np.nan_to_num(grads))))
    fig.add_trace(go.Heatmap(
        z=np.log10(fl.values), x=np.arange(grads.shape[1]), y=np.array(run.record_steps),
        customdata=hover, colorscale=SEQUENTIAL, meta="log10_grad",
        colorbar=dict(title=dict(text="log10 ‖∂L_T/∂h_t‖", side="right")),
        hovertemplate="step %{y}, t=%{x}<br>‖∂L_T/∂h_t‖ = %{customdata}<extra></extra>"))
    return finish(fig, presenter)


def param_grad_figure(run: Run, presenter: bool = False) -> go.Figure:
    """Gradient norm of every parameter over the records, before (solid) and after (dashed) clipping."""
    clipping = run.config.clip_norm is not None
    history = run.history
    share = float(history["clipped"].mean()) if len(history) else 0.0
    hint = (f"Clipped on {share:.0%} of {len(history)} steps (clip_norm = {run.config.clip_norm:g}, "
            f"{run.config.clip_mode} mode). Solid: raw gradient; dashed: what the optimizer got."
            if clipping else "Clipping is off: the optimizer gets the raw gradient.")
    fig = new_figure("Gradient norm per parameter", hint, "training step (record)",
                     "‖∂L/∂θ‖ per parameter (log scale)")
    fig.update_yaxes(type="log", exponentformat="power")
    records = [r for r in run.records if r.param_grad_norm]
    if not records:
        return finish(note(fig, "No gradient recorded yet."), presenter)
    steps = np.array([r.step for r in records])
    names = list(records[0].param_grad_norm)
    before = np.array([[r.param_grad_norm.get(n, np.nan) for n in names] for r in records], dtype=float)
    after = np.array([[r.param_grad_norm_clipped.get(n, np.nan) for n in names] for r in records],
                     dtype=float)
    floor = analysis.floor_for(before, after)
    for j, name in enumerate(names):
        label = name.removeprefix("rnn.")
        fig.add_trace(go.Scatter(x=steps, y=analysis.log_floor(before[:, j], floor).values,
                                 mode="lines+markers", name=label, legendgroup=label, meta="before",
                                 line=dict(color=color(j), width=2, dash="solid"),
                                 marker=dict(symbol=SYMBOLS[j // 8 % len(SYMBOLS)], size=8)))
        if clipping:
            fig.add_trace(go.Scatter(x=steps, y=analysis.log_floor(after[:, j], floor).values,
                                     mode="lines", name=f"{label} (clipped)", legendgroup=label,
                                     showlegend=False, meta="after",
                                     line=dict(color=color(j), width=2, dash="dash")))
    return finish(fig, presenter)


def spectral_radius_figure(run: Run, presenter: bool = False) -> go.Figure:
    """Largest |eigenvalue| of each W_hh block over training, against the line at 1."""
    fig = new_figure("Spectral radius of the recurrent weights",
                     "Above the dashed line at 1 the recurrent map can amplify (gradients may explode); "
                     "well below 1 it shrinks them (gradients vanish).", "training step (record)",
                     "spectral radius ρ(W_hh) = max |λ|")
    if not run.records or not run.records[0].spectral_radius:
        return finish(note(fig, NO_RECORD), presenter)
    steps = np.array(run.record_steps)
    keys = list(run.records[0].spectral_radius)
    values = []
    for j, key in enumerate(keys):
        y = np.array([r.spectral_radius.get(key, np.nan) for r in run.records], dtype=float)
        values.append(y)
        y = np.where(np.isfinite(y), y, np.nan)
        fig.add_trace(go.Scatter(x=steps, y=y, mode="lines+markers", name=block_label(key), meta=key,
                                 line=dict(color=color(j), width=2.5, dash=DASHES[j // 8 % len(DASHES)])))
    fig.add_trace(go.Scatter(x=[steps.min(), steps.max()], y=[1.0, 1.0], mode="lines", name="ρ = 1",
                             meta="unit", line=dict(color=REFERENCE, dash="dash", width=2)))
    if analysis.decades(np.concatenate(values + [np.ones(1)])) > 2:
        fig.update_yaxes(type="log", exponentformat="power")
    return finish(fig, presenter)


def eigenvalue_figure(run: Run, record_index: int = -1, key: str | None = None,
                      presenter: bool = False) -> go.Figure:
    """Eigenvalues of each W_hh block in the complex plane, with the unit circle."""
    fig = new_figure("Eigenvalues of the recurrent weights",
                     "Outside the circle: directions that grow at every step; inside: directions "
                     "that fade. Near the circle: long memory.", "real part Re λ", "imaginary part Im λ")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    if key is not None and key not in record.eigenvalues:
        raise ValueError(f"key: unknown block {key!r}; valid keys are {', '.join(record.eigenvalues)}")
    keys = [key] if key is not None else list(record.eigenvalues)
    angle = np.linspace(0, 2 * np.pi, 181)
    fig.add_trace(go.Scatter(x=np.cos(angle), y=np.sin(angle), mode="lines", name="|λ| = 1",
                             meta="unit_circle", line=dict(color=REFERENCE, dash="dash", width=2)))
    for j, k in enumerate(keys):
        lam = np.asarray(record.eigenvalues[k])
        lam = lam[np.isfinite(lam)]
        fig.add_trace(go.Scatter(x=lam.real, y=lam.imag, mode="markers", name=block_label(k), meta=k,
                                 marker=dict(size=9, color=color(j), opacity=0.8),
                                 customdata=np.abs(lam),
                                 hovertemplate="λ = %{x:.3f} %{y:+.3f}i<br>|λ| = %{customdata:.3f}"
                                               "<extra></extra>"))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_layout(title_text=f"Eigenvalues of the recurrent weights, at step {record.step}")
    return finish(fig, presenter)
