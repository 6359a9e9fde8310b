"""The gradient pictures: ‖∂L/∂h_t‖ (and an LSTM's ‖∂L/∂c_t‖) through time, per-parameter norms,
spectra of W_hh."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.plots.pascanu import add_singular_values
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


def block_label(key: str) -> str:
    """"weight_hh_l1_reverse.forget" -> "layer 1 reverse forget"."""
    name, _, gate = key.partition(".")
    layer = name.removeprefix("weight_hh_l")
    reverse = layer.endswith("_reverse")
    return " ".join(["layer", layer.removesuffix("_reverse")] + ["reverse"] * reverse + [gate] * bool(gate))


def _grads(record: Record, total: bool, cell: bool = False) -> np.ndarray | None:
    """(L, T) norms for the trained loss (`total`: the mean over steps where the task has a target
    at every step) or the last step's loss; of h_t, or of an LSTM's c_t (`cell`; None otherwise)."""
    pair = ((record.cell_grad_by_time, record.cell_grad_by_time_total) if cell
            else (record.grad_by_time, record.grad_by_time_total))
    chosen = pair[1] if total and pair[1] is not None else pair[0]
    return None if chosen is None else np.asarray(chosen, dtype=np.float64)


# What each view measures, in words (the subtitle): the claim must be true of the curve shown.
HINTS = {
    "last": "‖∂L/∂h_t‖ for the loss at the last step, the only step with a target. Falling to the "
            "left = vanishing: early inputs get almost no learning signal. Rising to the left = exploding.",
    "total": "‖∂L/∂h_t‖ for the loss trained: the mean over every step's loss. Each h_t gets signal "
             "from its own step's target and from later ones: this is the signal each step learns "
             "from. The last-step view measures instead how far back one output reaches.",
    "last_only": "‖∂L_T/∂h_t‖ for the last step's loss only (training uses the mean over every step): "
                 "falling to the left = the last output barely reaches early inputs; those inputs "
                 "still learn from their own steps' targets.",
}


def _view(runs: Sequence[Run], total: bool) -> str:
    every = any(r.records and r.records[-1].grad_by_time_total is not None for r in runs)
    return "last" if not every else ("total" if total else "last_only")


def _notes_below(fig: go.Figure, texts: list[tuple[str, str]], name: str = "ratio") -> None:
    """Sentences (text, colour) under the plot area, never over a curve."""
    placed = 0
    for text, colour in texts:
        lines = textwrap.wrap(text, 110)
        fig.add_annotation(text="<br>".join(lines), align="left", x=0, y=0, xref="paper", yref="paper",
                           yshift=-52 - 20 * placed, showarrow=False, xanchor="left", yanchor="top",
                           font=dict(size=MIN_FONT, color=colour), name=name)
        placed += len(lines)
    fig.update_layout(margin_b=70 + 20 * placed)


def grad_by_time_figure(runs: Run | Sequence[Run], record_index: int = -1, all_layers: bool = False,
                        total: bool = True, cell_state: bool = True, presenter: bool = False) -> go.Figure:
    """‖∂L/∂h_t‖ against t on a log axis for one record of each run: vanishing or exploding.

    total: True (default) shows the loss trained (the mean over steps, for tasks with a target at
    every step); False shows the last step's loss only. Tasks with one target per sequence have
    one loss: both views are the same. cell_state: also draw an LSTM's ‖∂L/∂c_t‖ (dotted)."""
    runs = [r for r in as_runs(runs) if r.records]
    view = _view(runs, total)
    axis = "‖∂L_T/∂h_t‖, last step's loss" if view == "last_only" else "‖∂L/∂h_t‖, loss trained"
    fig = new_figure("Gradient flowing back through time", HINTS[view], TIME_AXIS, axis + " (log scale)")
    fig.update_yaxes(type="log", exponentformat="power")
    if not runs:
        return finish(note(fig, NO_RECORD), presenter)
    labels, many = run_labels(runs), len(runs) > 1
    chosen = [(label, analysis.record_at(run, record_index), i)
              for i, (run, label) in enumerate(zip(runs, labels, strict=True))]
    curves = []  # (name, norms, colour index, dash, is cell state)
    for label, record, i in chosen:
        grads, cells = _grads(record, total), _grads(record, total, cell=True) if cell_state else None
        layers = range(len(grads)) if all_layers else [len(grads) - 1]
        for n, layer in enumerate(layers):
            name = f"{label} @ step {record.step}" + (f", layer {layer}" if all_layers else "")
            curves.append((name + (": ‖∂L/∂h_t‖" if cells is not None else ""), grads[layer], i,
                           DASHES[2 * n % len(DASHES)], False))
            if cells is not None:
                curves.append((name + ": ‖∂L/∂c_t‖ (cell state)", cells[layer], i,
                               DASHES[(2 * n + 2) % len(DASHES)], True))
    floor = analysis.floor_for(*[c[1] for c in curves])
    finite = np.concatenate([c[1][np.isfinite(c[1])] for c in curves])
    top = float(finite.max()) * 10 if finite.size and finite.max() > 0 else 1.0
    underflow = False
    for name, norms, i, dash, is_cell in curves:
        fl = analysis.log_floor(norms, floor)
        t = np.arange(len(fl.values))
        fig.add_trace(go.Scatter(
            x=t, y=fl.values, mode="lines+markers", name=name, legendgroup=name,
            meta="cell_grad" if is_cell else "grad",
            line=dict(color=color(i), width=2.5, dash=dash), marker=dict(size=6),
            hovertemplate="t=%{x}<br>%{y:.3e}<extra></extra>"))
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
    if underflow:  # a legend entry, not a label over the curves
        T = max(len(c[1]) for c in curves)
        fig.add_trace(go.Scatter(x=[0, T - 1], y=[floor, floor], mode="lines", meta="floor",
                                 name="0 (float underflow), drawn at this line",
                                 line=dict(color=REFERENCE, dash="dot", width=1)))
    notes = []
    for label, record, i in chosen:
        cells = _grads(record, total, cell=True) if cell_state else None
        text = (f"{label + ': ' if many else ''}{'h: ' if cells is not None else ''}"
                f"{analysis.describe_ratio(_grads(record, total)[-1])}")
        if cells is not None:
            text += f"; cell state c: {analysis.describe_ratio(cells[-1])}"
        notes.append((text, color(i)))
    _notes_below(fig, notes)
    if len(runs) == 1:
        fig.update_layout(title_text=f"Gradient flowing back through time, at step {chosen[0][1].step}")
    return finish(fig, presenter)


def grad_heatmap_figure(run: Run, layer: int = -1, total: bool = True,
                        presenter: bool = False) -> go.Figure:
    """Training step x time heatmap of log10 ‖∂L/∂h_t‖: how the gradient's reach evolves.

    total: as in grad_by_time_figure (the loss trained by default, else the last step's loss)."""
    view = _view([run], total)
    which = "the last step's loss" if view != "total" else "the loss trained (mean over steps)"
    symbol = "‖∂L_T/∂h_t‖" if view == "last_only" else "‖∂L/∂h_t‖"
    fig = new_figure("Gradient through time, over training",
                     f"{symbol} for {which}. Dark on the left = the gradient does not reach early "
                     "steps. Watch whether the bright region spreads left as training goes on.",
                     TIME_AXIS, "training step (record)")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    grads = np.stack([_grads(r, total)[layer] for r in run.records])  # (R, T)
    fl = analysis.log_floor(grads)
    hover = np.where(fl.zero, "0 (underflow)", np.where(fl.nonfinite, "inf/nan (overflow)",
                                                         np.char.mod("%.2e", np.nan_to_num(grads))))
    fig.add_trace(go.Heatmap(
        z=np.log10(fl.values), x=np.arange(grads.shape[1]), y=np.array(run.record_steps),
        customdata=hover, colorscale=SEQUENTIAL, meta="log10_grad",
        colorbar=dict(title=dict(text=f"log10 {symbol}", side="right")),
        hovertemplate=f"step %{{y}}, t=%{{x}}<br>{symbol} = %{{customdata}}<extra></extra>"))
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
    same = _identical(before, after)  # bias_hh's gradient equals bias_ih's: both enter one sum
    for j, name in enumerate(names):
        label = name.removeprefix("rnn.")
        twin = names[same[j]].removeprefix("rnn.") if j in same else None
        fig.add_trace(go.Scatter(x=steps, y=analysis.log_floor(before[:, j], floor).values,
                                 mode="lines+markers", name=label + (f" (= {twin})" if twin else ""),
                                 legendgroup=label, meta="before",
                                 line=dict(color=color(j), width=2, dash="dot" if twin else "solid"),
                                 marker=dict(symbol=SYMBOLS[(j // 8 + bool(twin)) % len(SYMBOLS)], size=8)))
        if clipping:
            fig.add_trace(go.Scatter(x=steps, y=analysis.log_floor(after[:, j], floor).values,
                                     mode="lines", name=f"{label} (clipped)", legendgroup=label,
                                     showlegend=False, meta="after",
                                     line=dict(color=color(j), width=2, dash="dashdot" if twin else "dash")))
    if clipping:  # one legend entry says what the dashed lines are
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", meta="dash_key",
                                 name="dashed: after clipping (what the optimizer got)",
                                 line=dict(color=REFERENCE, width=2, dash="dash")))
    if same:
        pairs = "; ".join(f"{names[j].removeprefix('rnn.')} equals {names[k].removeprefix('rnn.')}"
                          for j, k in same.items())
        why = (" (both biases enter the same sum, so their gradients are identical)"
               if all("bias_hh" in names[j] for j in same) else "")
        _notes_below(fig, [(f"{pairs}{why}: drawn dotted, on top of its twin.", REFERENCE)], "identical")
    return finish(fig, presenter)


def _identical(*tables: np.ndarray) -> dict[int, int]:
    """Column j -> an earlier column k holding exactly the same values in every table."""
    found = {}
    for j in range(tables[0].shape[1]):
        for k in range(j):
            if all(np.array_equal(t[:, j], t[:, k], equal_nan=True) for t in tables):
                found[j] = k
                break
    return found


# What ρ does and does not imply (Pascanu, Mikolov & Bengio 2013): said once, shown as the subtitle.
SPECTRAL_HINT = (
    "ρ = max |λ| (solid) tells how W_hh's powers behave over many steps. One step can amplify by up "
    "to the largest singular value σ_max ≥ ρ (dotted). For a vanilla RNN, σ_max < 1/γ is sufficient "
    "for vanishing gradients and σ_max > 1/γ is necessary for exploding ones (Pascanu et al. 2013; "
    "γ = 1 for tanh, 1/4 for a sigmoid). In gated cells the gates multiply these blocks: a guide only.")


def spectral_radius_figure(run: Run, presenter: bool = False) -> go.Figure:
    """Largest |eigenvalue| of each W_hh block over training, against the line at 1."""
    fig = new_figure("Spectral radius of the recurrent weights",
                     SPECTRAL_HINT, "training step (record)",
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
    add_singular_values(fig, run)
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
