"""Gates: per-gate unit-by-time heatmaps, saturation over training, histograms, the LSTM cell state."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz import analysis
from rnnviz.cells import CELLS
from rnnviz.plots.hidden import pick_sequence, symmetric_range, unit_heatmap
from rnnviz.plots.style import (
    DIVERGING,
    GATE_COLORS,
    NO_RECORD,
    SEQUENTIAL,
    TIME_AXIS,
    finish,
    new_figure,
    note,
)
from rnnviz.run import Run

GATE_HINTS = {
    "input": "Bright = new information is written into the cell at this step.",
    "forget": "Bright (near 1) = the cell keeps its memory; dark = it forgets here.",
    "cell": "The candidate value the input gate may write (tanh: -1 to 1).",
    "output": "Bright = the cell's memory is shown to the rest of the network.",
    "reset": "Dark = the previous state is ignored when forming the candidate.",
    "update": "Bright (near 1) = the unit keeps its old state; dark = it takes the new candidate.",
    "new": "The candidate state (tanh: -1 to 1) mixed in where the update gate is low.",
}
NO_GATES = "A {cell} has no gates: pick an LSTM or a GRU to see them."
HISTOGRAM_BINS = 50  # over [-1, 1]: bins 0.04 wide


def value_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of the finite `values` in each bin between `edges` (all zero when none is finite)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    counts, _ = np.histogram(v, bins=edges)
    return counts / max(len(v), 1)


def gate_heatmap_figure(run: Run, record_index: int = -1, gate: str = "forget", sequence: int = 0,
                        layer: int = -1, presenter: bool = False) -> go.Figure:
    """One gate's value for every unit (rows) at every time step (columns)."""
    cell = run.config.cell
    fig = new_figure(f"{gate.capitalize()} gate over time", GATE_HINTS.get(gate, ""), TIME_AXIS,
                     "hidden unit")
    gates = CELLS[cell].gates
    if not gates:
        return finish(note(fig, NO_GATES.format(cell=cell)), presenter)
    if gate not in gates:
        raise ValueError(f"gate: {gate!r} is not a gate of {cell}; valid gates are {', '.join(gates)}")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    values = np.asarray(pick_sequence(record.gates[layer][gate], sequence), dtype=np.float64)
    tanh = gate in analysis.TANH_GATES
    unit_heatmap(fig, run, values, sequence, (-1.0, 1.0) if tanh else (0.0, 1.0),
                 DIVERGING if tanh else SEQUENTIAL, f"{gate} gate", gate,
                 fewer_ticks=True)  # the app draws gates two-up, or in presenter mode: big fonts
    fig.update_layout(title_text=f"{gate.capitalize()} gate over time, at step {record.step}")
    return finish(fig, presenter)


def saturation_figure(run: Run, layer: int = -1, presenter: bool = False) -> go.Figure:
    """Share of saturated gate values (sigmoid < 0.1 or > 0.9, tanh |v| > 0.8) over training."""
    fig = new_figure("Gate saturation over training", "Saturated gates act as switches; their own "
                     "weights then get little gradient (the sigmoid is flat there), though a forget gate "
                     "held at 1 passes the cell state's gradient on whole. A tanh RNN whose units all "
                     "saturate stops learning.",
                     "training step (record)", "share of values saturated")
    frame = analysis.saturation_over_training(run, layer)
    if frame.empty:
        text = NO_GATES.format(cell=run.config.cell) if run.records else NO_RECORD
        return finish(note(fig, text), presenter)
    for gate, part in frame.groupby("gate", sort=False):
        fig.add_trace(go.Scatter(x=part["step"].to_numpy(), y=part["share"].to_numpy(), mode="lines+markers",
                                 name=gate, meta=gate, line=dict(color=GATE_COLORS.get(gate), width=2.5)))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return finish(fig, presenter)


def gate_histogram_figure(run: Run, record_index: int = -1, layer: int = -1,
                          presenter: bool = False) -> go.Figure:
    """Distribution of each gate's values over the probe batch at one record."""
    fig = new_figure("Gate values", "Mass piled at 0 and 1 = saturated gates working as switches; "
                     "a hump in the middle = gates still undecided.", "gate value", "share of values")
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    gates = analysis.gate_values(run, record, layer)
    if not gates:
        return finish(note(fig, NO_GATES.format(cell=run.config.cell)), presenter)
    edges = np.linspace(-1.0, 1.0, HISTOGRAM_BINS + 1)
    for gate, values in gates.items():
        shares = value_shares(values, edges)
        # Binned here, not in the browser: 50 bars instead of every value of the probe batch.
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=shares, width=edges[1] - edges[0],
                             name=gate, meta=gate, opacity=0.6, marker_color=GATE_COLORS.get(gate),
                             hovertemplate=f"{gate}: %{{y:.1%}} of values near %{{x:.2f}}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0, title_text=f"Gate values at step {record.step}")
    return finish(fig, presenter)


def cell_state_figure(run: Run, record_index: int = -1, sequence: int = 0, layer: int = -1,
                      presenter: bool = False) -> go.Figure:
    """The LSTM cell state c_t of every unit over time: the memory the gates write and keep."""
    fig = new_figure("LSTM cell state over time", "Horizontal bands = values carried unchanged "
                     "across many steps: the long memory an RNN lacks.", TIME_AXIS, "hidden unit")
    if run.config.cell != "lstm":
        return finish(note(fig, f"A {run.config.cell} has no separate cell state: its hidden state "
                                "is its memory."), presenter)
    if not run.records:
        return finish(note(fig, NO_RECORD), presenter)
    record = analysis.record_at(run, record_index)
    values = np.asarray(pick_sequence(record.cell_state[layer], sequence), dtype=np.float64)
    unit_heatmap(fig, run, values, sequence, symmetric_range(values), DIVERGING, "c_t", "cell_state",
                 fewer_ticks=presenter)
    fig.update_layout(title_text=f"LSTM cell state over time, at step {record.step}")
    return finish(fig, presenter)
