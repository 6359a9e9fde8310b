"""Seq2seq runs: records hold decoder states and attention; run files keep them, validated."""

import io
import threading

import numpy as np
import pytest

import rnnviz
from rnnviz.runfile import run_from_bytes
from tests.test_runfile import _entries, _with_meta, round_trip

TINY = dict(hidden_size=6, seq_len=7, steps=4, record_every=2, probe_size=3, batch_size=8)


@pytest.fixture(scope="module")
def attention_run():
    return rnnviz.train(rnnviz.RunConfig(cell="lstm", task="add", attention="additive", num_layers=2,
                                         bidirectional=True, **TINY))


def test_records_hold_encoder_decoder_and_attention(attention_run):
    run, T_out, S = attention_run, 4, 12  # add: 3 + 3 digits -> a 4-digit sum; S = 6 x 2 directions
    assert run.task_kind == "seq2seq" and run.metric_names == ("accuracy", "sequence_accuracy")
    assert run.probe_targets.shape == (3, T_out) and run.output_vocab == list("0123456789")
    for r in run.records:
        assert [h.shape for h in r.hidden] == [(3, 7, S)] * 2
        assert [h.shape for h in r.decoder_hidden] == [(3, T_out, S)] * 2
        assert [sorted(g) for g in r.decoder_gates] == [["cell", "forget", "input", "output"]] * 2
        assert [c.shape for c in r.decoder_cell_state] == [(3, T_out, S)] * 2
        assert r.grad_by_time.shape == (2, 7) and r.decoder_grad_by_time.shape == (2, T_out)
        np.testing.assert_allclose(r.attention.sum(-1), 1.0, atol=1e-5)
        assert r.decoded.shape == (3, T_out) and set(r.val_metrics) == {"accuracy", "sequence_accuracy"}
    acc = run.length_accuracy
    assert acc.lengths[0] == 3 and acc.lengths[-1] == 7 and (np.diff(acc.lengths) > 0).all()


def test_show_prints_accuracy_by_length(attention_run, tmp_path, capsys):
    from rnnviz import cli
    path = tmp_path / "add.npz"
    rnnviz.save_run(attention_run, path)
    assert cli.main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    acc = attention_run.length_accuracy
    rows = out.split("accuracy by input length")[1].splitlines()[2:]
    assert len(rows) == len(acc.lengths)
    for row, n, a, w in zip(rows, acc.lengths, acc.accuracy, acc.sequence_accuracy, strict=True):
        assert row.split() == [str(n), f"{a:.1%}", f"{w:.1%}"]


@pytest.mark.parametrize(("cell", "attention", "task"), [("gru", "none", "reverse"),
                                                          ("rnn_tanh", "dot", "sort")])
def test_seq2seq_runs_round_trip(cell, attention, task, tmp_path, attention_run):
    run = rnnviz.train(rnnviz.RunConfig(cell=cell, task=task, attention=attention, **TINY))
    loaded = round_trip(run, tmp_path)
    assert (loaded.records[-1].attention is None) == (attention == "none")
    round_trip(attention_run, tmp_path)


def _load(entries):
    buffer = io.BytesIO()
    np.savez(buffer, **entries)
    return run_from_bytes(buffer.getvalue())


def _scaled(entries, key, factor):
    entries[key] = entries[key] * factor


BROKEN = {
    "rows do not sum to 1": (lambda e: _scaled(e, "records/0/attention", 0.5), "sum to 1"),
    "negative weight": (lambda e: _scaled(e, "records/0/attention", -1.0), "between 0 and 1"),
    "attention shape": (lambda e: e.update({"records/0/attention": np.ones((3, 4, 6), np.float32) / 6}),
                        "shape"),
    "missing decoder": (lambda e: e.pop("records/1/decoder_hidden/1"), "missing entry"),
    "decoded out of range": (lambda e: e.update({"records/0/decoded": np.full((3, 4), 10)}), "token ids"),
    "targets out of range": (lambda e: e.update({"probe_targets": np.full((3, 4), -1)}), "token ids"),
    "vocabulary": (lambda e: _with_meta(e, lambda m: m["seq2seq"].update(output_vocab=list("abc"))),
                   "output_vocab"),
    "flags": (lambda e: _with_meta(e, lambda m: m["seq2seq"].update(records=[True])), "one true/false"),
    "lengths": (lambda e: e.update({"length_accuracy/lengths": np.array([5, 4, 3, 6, 7])}), "increasing"),
    "accuracy above 1": (lambda e: e.update({"length_accuracy/accuracy": np.full(5, 1.5)}),
                         "between 0 and 1"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_seq2seq_parts_are_value_errors(case, attention_run):
    entries = _entries(attention_run)
    change, words = BROKEN[case]
    change(entries)
    with pytest.raises(ValueError, match=f"not an rnnviz run file: .*{words}"):
        _load(entries)


def test_seq2seq_parts_on_another_task_are_refused(attention_run):
    entries = _entries(attention_run)
    _with_meta(entries, lambda m: m["config"].update(task="copy", seq_len=11,
                                                     task_options={}, attention="none"))
    with pytest.raises(ValueError, match="not an rnnviz run file"):
        _load(entries)


def test_attention_entries_on_a_run_without_attention_are_refused(attention_run):
    entries = _entries(attention_run)
    _with_meta(entries, lambda m: m["config"].update(attention="none"))
    with pytest.raises(ValueError, match="weights/decoder"):  # the decoder reads no context then
        _load(entries)
    for key in [k for k in entries if k.startswith("weights/") or "/weights/" in k]:
        del entries[key]
    _with_meta(entries, _without_weights)
    with pytest.raises(ValueError, match="attention is none"):
        _load(entries)


def _without_weights(meta) -> None:
    meta["weights"] = None
    for record in meta["records"]:
        record["has_weights"] = False


def test_other_runs_carry_no_seq2seq_fields():
    run = rnnviz.train(rnnviz.RunConfig(task="copy", hidden_size=4, seq_len=12, steps=2, attention="dot"))
    assert run.output_vocab is None and run.length_accuracy is None
    assert all(r.decoder_hidden is None and r.attention is None for r in run.records)
    assert "seq2seq" not in _entries(run)["rnnviz.json"].tobytes().decode()


@pytest.mark.parametrize(("options", "words"), [
    ({"min_len": 9}, "^task_options.min_len: .*between 2 and seq_len"),
    ({"eval_len": 1}, "^task_options.eval_len: must be 0 or at least 2"),
    ({"eval_len": 500}, "^task_options.eval_len: must be a number between 0 and 200"),
    ({"alphabet": 11}, "^task_options.alphabet"),
])
def test_bad_task_options_are_named(options, words):
    with pytest.raises(ValueError, match=words):
        rnnviz.train(rnnviz.RunConfig(task="reverse", seq_len=7, task_options=options))


@pytest.mark.parametrize(("task", "seq_len", "words"), [
    ("add", 2, "^seq_len: the add task takes inputs of 3 to 200 tokens, got 2"),
    ("reverse", 201, "^seq_len: the reverse task takes inputs of 2 to 200 tokens, got 201"),
])
def test_lengths_out_of_range_are_named(task, seq_len, words):
    with pytest.raises(ValueError, match=words):
        rnnviz.train(rnnviz.RunConfig(task=task, seq_len=seq_len))


@pytest.mark.parametrize(("field", "value"), [("attention", "luong"), ("teacher_forcing", 1.5),
                                              ("teacher_forcing", -0.1)])
def test_bad_seq2seq_fields_are_named(field, value):
    with pytest.raises(ValueError, match=f"^{field}: "):
        rnnviz.RunConfig(task="reverse", **{field: value})


def test_a_stopped_run_skips_the_closing_evaluation():
    stop = threading.Event()
    run = rnnviz.train(rnnviz.RunConfig(task="sort", **{**TINY, "steps": 50}),
                       on_record=lambda run: stop.set(), stop=stop)
    assert run.status == "stopped" and run.length_accuracy is None
    assert run.records[-1].decoder_hidden is not None  # its closing record is a seq2seq one


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_trained_on_mixed_lengths_keep_a_full_length_probe_and_load_back(seed, tmp_path):
    """min_len draws each training batch's length; the probe (and so the run file) stays seq_len
    long. Before, the probe took a drawn length and the file was refused on loading."""
    cfg = rnnviz.RunConfig(cell="gru", task="reverse", attention="additive", seed=seed,
                           task_options={"min_len": 2}, **TINY)
    run = rnnviz.train(cfg)
    assert run.probe_inputs.shape == (3, 7) and run.records[-1].hidden[0].shape[:2] == (3, 7)
    round_trip(run, tmp_path)  # loads it back three ways, each the same run
