"""Run -> plotly Figure: pure functions, no streamlit. One module per view; all re-exported here."""

from rnnviz.plots.attention import attention_figure, length_accuracy_figure
from rnnviz.plots.gates import (
                                cell_state_figure,
                                gate_heatmap_figure,
                                gate_histogram_figure,
                                saturation_figure,
)
from rnnviz.plots.gradients import (
                                eigenvalue_figure,
                                grad_by_time_figure,
                                grad_heatmap_figure,
                                param_grad_figure,
                                spectral_radius_figure,
)
from rnnviz.plots.hidden import hidden_heatmap_figure, text_activation_html, trajectory_figure
from rnnviz.plots.sentiment import (
                                accuracy_figure,
                                contribution_figure,
                                contributions_html,
                                final_state_figure,
)
from rnnviz.plots.style import PALETTE, TEMPLATE, metric_label, run_labels, scale_fonts
from rnnviz.plots.sweep import sweep_figure
from rnnviz.plots.training import grad_norm_figure, loss_figure, metric_figure, val_figure

__all__ = [
    "accuracy_figure", "contribution_figure", "contributions_html", "final_state_figure",
    "PALETTE", "TEMPLATE", "cell_state_figure", "eigenvalue_figure", "gate_heatmap_figure",
    "gate_histogram_figure", "grad_by_time_figure", "grad_heatmap_figure", "grad_norm_figure",
    "hidden_heatmap_figure", "loss_figure", "metric_figure", "metric_label", "param_grad_figure",
    "run_labels",
    "saturation_figure", "scale_fonts", "spectral_radius_figure", "sweep_figure", "text_activation_html",
    "trajectory_figure", "val_figure",
    "attention_figure", "length_accuracy_figure",  # seq2seq
]
