"""The server's upload cap fits every run file this server can write, so a downloaded run opens
again; texts, CSVs and sweep results keep their own smaller cap."""

import tomllib

from rnnviz.app.limits import UPLOAD_MB
from rnnviz.app.settings import Settings
from rnnviz.config import RunConfig
from rnnviz.cost import HISTORY_ROW_BYTES, Sizes, parameters
from rnnviz.tasks import TASKS, make_task
from rnnviz.weights import PER_RECORD_BUDGET
from scripts import harness

MiB = 2**20


def largest_model(settings: Settings) -> int:
    """Parameters of the largest model the caps allow, over every task (an encoder-decoder twice)."""
    found = 0
    for name, task in TASKS.items():
        cfg = RunConfig(cell="lstm", task=name, hidden_size=settings.max_hidden,
                        num_layers=settings.max_layers, bidirectional=True, seq_len=20)
        sides = 2 if task.kind == "seq2seq" else 1
        found = max(found, sides * parameters(cfg, Sizes.of(make_task(cfg))))
    return found


def test_any_run_file_this_server_writes_can_be_uploaded_again():
    config = tomllib.loads((harness.ROOT / ".streamlit" / "config.toml").read_text())
    cap = config["server"]["maxUploadSize"] * MiB  # Streamlit counts megabytes of 2**20 bytes
    s = Settings()
    largest = (s.max_run_mb * MiB              # the records' arrays (record_every is raised to fit)
               + PER_RECORD_BUDGET               # weights kept at records
               + 4 * largest_model(s)            # the final weights, float32
               + s.max_steps * HISTORY_ROW_BYTES  # the history
               + UPLOAD_MB * MiB)                # the metadata, with an uploaded text or CSV in it
    assert largest <= cap, f"a run file may reach {largest / MiB:.0f} MiB; the cap is {cap / MiB:.0f}"
    assert UPLOAD_MB * MiB < cap
