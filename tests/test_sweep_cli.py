"""`python -m rnnviz sweep`: the grid from the options, the results file, resuming, bad input."""

import pandas as pd
import pytest

from rnnviz.cli import main
from rnnviz.sweeps import store

TINY = ["--task", "adding", "--steps", "5", "--hidden-size", "4", "--batch-size", "4", "--serial", "-q"]


def test_sweep_writes_the_grid_and_a_summary(tmp_path, capsys):
    out = tmp_path / "s.parquet"
    code = main(["sweep", "--cells", "rnn_tanh,gru", "--seq-lens", "6,8", "--seeds", "0-1",
                 "--grid", "lr=0.01", "--out", str(out), *TINY])
    assert code == 0
    table = store.load(out)
    assert len(table) == 8 and set(table.cell) == {"rnn_tanh", "gru"} and set(table.seq_len) == {6, 8}
    assert (table.lr == 0.01).all() and (table.status == "finished").all()
    text = capsys.readouterr().out
    assert "8 runs in" in text and "seq_len" in text
    assert sum(line.startswith(("rnn_tanh", "gru")) for line in text.splitlines()) == 4  # cell x length
    again = main(["sweep", "--cells", "rnn_tanh,gru", "--seq-lens", "6,8", "--seeds", "0-1",
                  "--grid", "lr=0.01", "--out", str(out), *TINY])
    assert again == 0
    pd.testing.assert_frame_equal(store.load(out), table)  # resumed: nothing trained twice


@pytest.mark.parametrize("args, message", [
    (["--grid", "colour=1"], "--grid: expected FIELD=V1,V2"),
    (["--seq-lens", "1"], "seq_len: must be an integer from 2"),
    (["--cells", "lstm,tree"], "cell: must be one of"),
    (["--seeds", "x"], "--seeds: expected ranges"),
    (["--serial", "--ray"], "--serial: cannot be combined"),
])
def test_bad_input_is_a_message(tmp_path, capsys, args, message):
    assert main(["sweep", "--seeds", "0", "--out", str(tmp_path / "s.parquet"), *TINY, *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.parquet").exists()


def test_a_damaged_results_file_is_kept(tmp_path, capsys):
    out = tmp_path / "s.parquet"
    out.write_text("not parquet")
    assert main(["sweep", "--seeds", "0", "--out", str(out), *TINY]) == 2
    assert "is not a results file rnnviz can read" in capsys.readouterr().err
    assert out.read_text() == "not parquet"
