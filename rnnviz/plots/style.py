"""Shared look of every figure: a colour-blind-safe palette, a projector-readable template, and
helpers for the things every plot needs (run labels, divergence markers, empty-state notes)."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from rnnviz.run import Run

# Okabe & Ito (2008), ordered for a white background (their yellow last: weak on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
GATE_COLORS = {"input": "#0072B2", "forget": "#E69F00", "cell": "#009E73", "output": "#D55E00",
               "reset": "#CC79A7", "update": "#56B4E9", "new": "#009E73", "hidden": "#000000"}
REFERENCE = "#888888"  # baselines, unit circles, thresholds: mid grey, readable on light and dark
DIVERGING = "RdBu_r"  # blue < 0 < red, centred with zmid=0
SEQUENTIAL = "Viridis"  # perceptually uniform and colour-blind safe
TIME_AXIS = "time step t (position in the input sequence)"  # x axis of every view along a sequence
MIN_FONT = 14
HINT_WIDTH = 75  # characters per subtitle line: fits a chart in the narrower column at 1440 px
TITLE_PX, LINE_PX, LEGEND_ROW_PX = 36, 19, 28  # heights in the top margin at the house font size
GRID = "rgba(128, 128, 128, 0.25)"  # grid lines that read on a light and on a dark page

# Transparent backgrounds and no font colour: the page's theme (light or dark) shows through and
# Streamlit's theme colours the text. The legend is a row above the plot area, never inside it.
# Only the trace types we draw keep plotly_white's trace defaults: every figure validates its
# template, and the other 19 types' defaults doubled the cost of each new figure.
TRACE_TYPES = ("bar", "heatmap", "histogram", "scatter", "scatter3d")
_WHITE = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(layout=_WHITE.layout, data={
    kind: value for kind, value in _WHITE.data.to_plotly_json().items() if kind in TRACE_TYPES})
TEMPLATE.layout.update(
    font=dict(size=MIN_FONT, family="Helvetica, Arial, sans-serif"),
    title=dict(font=dict(size=20), x=0.01, xanchor="left", y=1, yref="container", yanchor="top",
               pad=dict(t=12)),
    colorway=list(PALETTE),
    paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
    legend=dict(font=dict(size=MIN_FONT), orientation="h", x=0, xanchor="left", y=1, yanchor="bottom",
                yref="paper", bgcolor="rgba(0,0,0,0)"),
    hoverlabel=dict(font=dict(size=MIN_FONT)),
    margin=dict(l=70, r=30, t=90, b=60),
)
TEMPLATE.layout.font.color = None
TEMPLATE.layout.title.font.color = None
for _axis in (TEMPLATE.layout.xaxis, TEMPLATE.layout.yaxis):
    _axis.update(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    _axis.title.font.color = None
# On a dark page the palette's dark blue and black swap for their light partners (as in
# .streamlit/config.toml's [theme.dark]); everything else reads on both.
DARK_SWAPS = {"#0072B2": "#56B4E9", "#000000": "#FFFFFF", "rgba(255,255,255,0.8)": "rgba(14,17,23,0.8)"}
DARK_FONT = "#FAFAFA"


def new_figure(title: str, hint: str = "", x_title: str = "", y_title: str = "") -> go.Figure:
    """An empty figure in the house template; `hint` (what to look for) becomes the subtitle."""
    fig = go.Figure()
    lines = textwrap.wrap(hint, HINT_WIDTH)  # plotly never wraps a title: break it ourselves
    fig.update_layout(template=TEMPLATE, uirevision=title,  # keep zoom across live redraws
                      title=dict(text=title, subtitle=dict(text="<br>".join(lines),
                                                           font=dict(size=MIN_FONT))),
                      margin_t=TITLE_PX + LINE_PX * len(lines))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def scale_fonts(fig: go.Figure, factor: float = 1.5) -> go.Figure:
    """Scale every font of `fig` (for a projector: one chart across the screen, so at 1.5x the
    subtitle keeps its words per line); returns the same figure."""
    size = lambda s, default=MIN_FONT: (s or default) * factor  # noqa: E731
    fig.update_layout(font_size=size(fig.layout.font.size), legend_font_size=size(None),
                      title_font_size=size(fig.layout.title.font.size, 20))
    subtitle = fig.layout.title.subtitle
    subtitle.font.size = size(subtitle.font.size)
    text = (subtitle.text or "").replace("<br>", " ")
    if "<" not in text:  # plain words (no markup to cut in half): fewer per line at a bigger size
        subtitle.text = "<br>".join(textwrap.wrap(text, int(HINT_WIDTH * 1.5 / factor)))
    for annotation in fig.layout.annotations:
        annotation.font.size = size(annotation.font.size)
    return place_legend(fig)


NO_LEGEND = ("heatmap", "contour", "surface", "image")  # trace types plotly leaves out of a legend


def _shows_legend(fig: go.Figure) -> list[str]:
    """Names of the legend's entries (plotly shows a legend for two or more named traces)."""
    named = [t.name for t in fig.data if t.name and t.showlegend is not False and t.type not in NO_LEGEND]
    return named if fig.layout.showlegend or (fig.layout.showlegend is None and len(named) > 1) else []


def place_legend(fig: go.Figure, width_px: int = 850) -> go.Figure:
    """Room in the top margin for the title, the subtitle's lines and the legend's rows (estimated
    for a chart `width_px` wide), so the legend sits between the subtitle and the plot area."""
    factor = (fig.layout.font.size or MIN_FONT) / MIN_FONT
    lines = (fig.layout.title.subtitle.text or "").count("<br>") + bool(fig.layout.title.subtitle.text)
    entries = _shows_legend(fig)
    char_px = 0.5 * MIN_FONT * factor
    entries_px = sum(len(name) * char_px + 40 * factor for name in entries)
    rows = -(-int(entries_px) // width_px) if entries else 0
    fig.layout.margin.t = factor * (TITLE_PX + LINE_PX * lines + LEGEND_ROW_PX * rows + 8)
    return fig


def for_dark(fig: go.Figure) -> go.Figure:
    """The same figure for a dark page: light text and the palette's light partners."""
    text = fig.to_json()
    for light, dark in DARK_SWAPS.items():
        text = text.replace(light, dark).replace(light.lower(), dark)
    fig = go.Figure(pio.from_json(text))
    fig.update_layout(font_color=DARK_FONT)
    return fig


# What each task metric (a history column) is called on screen; any other name reads with spaces.
METRIC_LABELS = {"accuracy": "accuracy", "perplexity": "perplexity",
                 "negated_accuracy": "accuracy on negated sentences",
                 "sequence_accuracy": "whole outputs right"}


def metric_label(name: str) -> str:
    """A metric's name as the charts and view pickers show it ("accuracy on negated sentences")."""
    return METRIC_LABELS.get(name, name.replace("_", " "))


NO_RECORD = "No record yet: the first one is taken at step 0."  # every view before step 0


def finish(fig: go.Figure, presenter: bool = False) -> go.Figure:
    """Last touch of every public figure function: bigger fonts for a presenter, and room above
    the plot area for the title and the legend."""
    return scale_fonts(fig, 1.5) if presenter else place_legend(fig)


def note(fig: go.Figure, text: str) -> go.Figure:
    """Write `text` in the middle of an empty figure (nothing to show yet / for this cell)."""
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=16), name="note")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def as_runs(runs: Run | Sequence[Run]) -> list[Run]:
    """A single run or a list of runs, as a list."""
    return [runs] if isinstance(runs, Run) else list(runs)


# Config fields worth naming in a legend, most telling first, with their short forms.
SHORT = {"task": "{}", "clip_norm": "clip {}", "recurrent_init": "{} init",
         "hidden_size": "H={}", "seq_len": "T={}", "num_layers": "{} layers", "bidirectional": "bidir {}",
         "optimizer": "{}", "lr": "lr={}", "forget_bias": "forget bias {}", "clip_mode": "clip by {}",
         "momentum": "momentum {}", "batch_size": "batch {}", "seed": "seed {}", "steps": "{} steps"}
MAX_FIELDS = 3  # a legend entry names at most this many differences


def run_labels(runs: Sequence[Run]) -> list[str]:
    """run.name where set, else the cell plus (up to 3) config fields that differ between runs."""
    configs = [r.config.to_dict() for r in runs]
    for c in configs:  # "scaled init" means nothing without its radius
        if c["recurrent_init"] == "scaled":
            c["recurrent_init"] = f"scaled ρ={c['spectral_radius'] or 1.0:g}"
    differ = [k for k in SHORT if len({repr(c[k]) for c in configs}) > 1][:MAX_FIELDS]
    labels = []
    for run, cfg in zip(runs, configs, strict=True):
        parts = [cfg["cell"]] + [SHORT[k].format("off" if cfg[k] is None else cfg[k]) for k in differ]
        labels.append(run.name or " · ".join(parts))
    counts = {label: labels.count(label) for label in labels}
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # two identical configs still get distinct legend names
        seen[label] = seen.get(label, 0) + 1
        if counts[label] > 1:
            labels[i] = f"{label} #{seen[label]}"
    return labels


def color(i: int) -> str:
    """The i-th palette colour, cycling."""
    return PALETTE[i % len(PALETTE)]


def mark_divergence(fig: go.Figure, run: Run, label: str, color_: str, many: bool) -> None:
    """A dotted vertical line and "diverged at step k" where `run` diverged (nothing otherwise)."""
    if not run.diverged:
        return
    text = f"diverged at step {run.diverged_step}" + (f" ({label})" if many else "")
    fig.add_vline(x=run.diverged_step, line=dict(color=color_, dash="dot", width=2),
                  annotation=dict(text=text, font=dict(size=MIN_FONT, color=color_),
                                  textangle=-90, xanchor="right"),
                  annotation_position="top left")


def finite_or_nan(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Float array with inf/nan as nan: plotly draws a gap there."""
    v = np.array(values, dtype=np.float64)
    v[~np.isfinite(v)] = np.nan
    return v


def axis_labels(tokens: Sequence[str]) -> list[str]:
    """Characters made safe and visible as tick labels: escaped, space as ␣, newline as ↵."""
    visible = {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}
    return [html.escape(visible.get(t, t)) for t in tokens]


def unit_labels(width: int, directions: int) -> list[str]:
    """Y tick labels of a unit axis: "0".."H-1", or "→0".. and "←0".. for a bidirectional layer."""
    if directions == 1:
        return [str(u) for u in range(width)]
    half = width // 2
    return [f"→{u}" for u in range(half)] + [f"←{u}" for u in range(half)]
