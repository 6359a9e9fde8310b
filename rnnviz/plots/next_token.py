"""Next-token probabilities after each step of one input: the model's guesses, as a heatmap."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from rnnviz.plots.style import SEQUENTIAL, axis_labels, finish, new_figure

MAX_TICKS = 40


def next_token_figure(probs: np.ndarray, vocab: list[str], tokens: list[str] | None = None, top: int = 12,
                      step: int | None = None, presenter: bool = False) -> go.Figure:
    """(T, V) probabilities: the `top` tokens most probable anywhere, one row each, against time."""
    T = len(probs)
    keep = np.argsort(-probs.max(axis=0), kind="stable")[:top]
    at = f", at step {step}" if step is not None else ""
    fig = new_figure(f"What the model expects next{at}",
                     f"After reading each input (x axis), the probability of each next token; the "
                     f"{len(keep)} tokens the model ever finds most likely, one row each. "
                     "Bright = confident.",
                     "input read (time →)", "next token")
    names = axis_labels([vocab[i] for i in keep])
    fig.add_trace(go.Heatmap(z=probs[:, keep].T, x=np.arange(T), y=names, zmin=0, zmax=1,
                             colorscale=SEQUENTIAL, meta="probs",
                             colorbar=dict(title=dict(text="probability", side="right")),
                             hovertemplate="after t=%{x}: P(%{y}) = %{z:.3f}<extra></extra>"))
    if tokens:
        every = math.ceil(T / MAX_TICKS)
        fig.update_xaxes(tickmode="array", tickvals=list(range(0, T, every)),
                         ticktext=axis_labels(tokens)[:T][::every])
    fig.update_yaxes(autorange="reversed", type="category")
    return finish(fig, presenter)
