"""Sweep: many runs over a grid (cells x a field x seeds); success rate or final loss per cell."""

from rnnviz.app import sweep_view, ui

ui.frame("Sweep", sweep_view.body)
