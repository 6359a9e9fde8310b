"""rnnviz: see inside recurrent neural networks while they learn."""

from rnnviz.cells import CELLS, RecurrentLayer, Trace
from rnnviz.config import RunConfig
from rnnviz.run import Record, Run
from rnnviz.tasks import TASKS, make_task
from rnnviz.train import train

__all__ = ["CELLS", "TASKS", "Record", "RecurrentLayer", "Run", "RunConfig", "Trace", "make_task", "train"]
