"""Memory: the memory map ‖∂y_t/∂x_s‖ and the cell inspector, on a probe or your own input."""

from rnnviz.app import memory_view, ui

ui.frame("Memory", memory_view.body)
