"""Helpers shared by the plot tests: a tiny config, and reading traces and texts back from a
figure."""

import plotly.graph_objects as go

import rnnviz

TINY = dict(hidden_size=6, seq_len=8, batch_size=8, steps=20, record_every=10, probe_size=4, device="cpu")


def tiny(**changes) -> rnnviz.RunConfig:
    return rnnviz.RunConfig(**(TINY | changes))


def trace(fig: go.Figure, meta: str, nth: int = 0):
    return [t for t in fig.data if t.meta == meta][nth]


def metas(fig: go.Figure) -> list:
    return [t.meta for t in fig.data]


def annotations(fig: go.Figure) -> list[str]:
    return [a.text.replace("<br>", " ") for a in fig.layout.annotations]  # undo line wrapping


def subtitle(fig: go.Figure) -> str:
    return fig.layout.title.subtitle.text.replace("<br>", " ")
