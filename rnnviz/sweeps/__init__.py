"""Sweeps: many runs over a grid of config fields, on a local process pool or on Ray."""

from rnnviz.sweeps.grid import config_key, expand
from rnnviz.sweeps.success import Criterion, criterion_for
from rnnviz.sweeps.sweep import Plan, plan, sweep

__all__ = ["Criterion", "Plan", "config_key", "criterion_for", "expand", "plan", "sweep"]
