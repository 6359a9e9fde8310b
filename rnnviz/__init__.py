"""rnnviz: see inside recurrent neural networks while they learn."""

from rnnviz.cells import CELLS, RecurrentLayer, Trace
from rnnviz.config import RunConfig
from rnnviz.presets import PRESETS
from rnnviz.run import Record, Run
from rnnviz.runfile import load_run, save_run
from rnnviz.sweeps import sweep
from rnnviz.tasks import TASKS, make_task
from rnnviz.train import train

__all__ = ["CELLS", "PRESETS", "TASKS", "Record", "RecurrentLayer", "Run", "RunConfig", "Trace", "load_run",
           "make_task", "save_run", "sweep", "train"]
