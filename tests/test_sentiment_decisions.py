"""Decisions: word contributions against torch.autograd, the final-state projection, the
figures' data, and the new Record/Run fields through a run file (old files still open)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch

from rnnviz import RunConfig, decisions, plots, train
from rnnviz.model import SequenceModel
from rnnviz.runfile import META, run_from_bytes, run_to_bytes
from rnnviz.tasks import make_task
from tests.task_helpers import gen
from tests.test_runfile import assert_same

TINY = dict(task="sentiment", hidden_size=6, seq_len=10, steps=6, record_every=3, probe_size=4,
            batch_size=8)


@pytest.fixture(scope="module")
def run():
    return train(RunConfig(cell="lstm", **TINY))


@pytest.mark.parametrize("cell, bidirectional", [("lstm", False), ("gru", True), ("rnn_tanh", False)])
def test_contributions_are_gradient_times_input_as_autograd_computes_it(cell, bidirectional):
    cfg = RunConfig(cell=cell, bidirectional=bidirectional, num_layers=2, **TINY)
    task = make_task(cfg)
    model = SequenceModel(cfg, task, gen(0))
    x, _ = task.batch(3, gen(1))
    found, logits = decisions.contributions(model, x)
    embedded = model.embed(x).detach()                                     # (P, T, E)

    def last_logits(e):  # torch.nn's fused kernels: an independent path to the same function
        return model.head(model.rnn.fast(e))[:, -1]                         # (P, C)

    jacobian = torch.autograd.functional.jacobian(last_logits, embedded)   # (P, C, P, T, E)
    P = x.shape[0]
    own = jacobian[torch.arange(P), :, torch.arange(P)]                    # (P, C, T, E)
    expected = torch.einsum("pcte,pte->ptc", own, embedded)
    assert found.shape == (3, 10, 2) and logits.shape == (3, 2)
    np.testing.assert_allclose(found, expected.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(logits, last_logits(embedded).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_records_keep_contributions_only_for_many_to_one_classification(run):
    assert all(r.contributions.shape == (4, 10, 2) and r.probe_logits.shape == (4, 2) for r in run.records)
    assert run.probe_targets.shape == (4,) and run.metric_names == ("accuracy", "negated_accuracy")
    other = train(RunConfig(cell="gru", **{**TINY, "task": "adding"}))
    assert other.records[-1].contributions is None and not decisions.has_decisions(other)


def test_decision_scores_are_the_margin_for_two_classes(run):
    record = run.records[-1]
    scores = decisions.decision_scores(record)
    said = record.probe_logits.argmax(-1)
    for p in range(4):
        c = record.contributions[p]
        # float32: (c0 + c1) - own rounds, so allow a float32 ulp of the largest contribution
        np.testing.assert_allclose(scores[p], c[:, said[p]] - c[:, 1 - said[p]], rtol=1e-6,
                                   atol=1e-6 * float(np.abs(c).max()))


def test_final_states_share_the_last_records_axes(run):
    projection = decisions.project_final_states(run)
    R = len(run.records)
    assert projection.points.shape == (R, 4, 2) and projection.fitted_on == R - 1
    last = decisions.final_states(run.records[-1])
    centred = last - last.mean(0)
    variance = (centred ** 2).sum()
    np.testing.assert_allclose((projection.points[-1] ** 2).sum() / variance, projection.explained.sum(),
                               rtol=1e-5)  # the fitted record: its variance along the two axes


def test_figures_show_the_runs_numbers(run):
    fig = plots.final_state_figure(run, record_index=1)
    points = decisions.project_final_states(run).points[1]
    shown = {(round(x, 6), round(y, 6)) for t in fig.data for x, y in zip(t.x, t.y, strict=True)}
    assert shown == {(round(x, 6), round(y, 6)) for x, y in points}
    bars = plots.contribution_figure(run, record_index=-1, sequence=2).data[0]
    steps = [t for t, w in enumerate(run.probe_tokens[2]) if w != "<pad>"]
    np.testing.assert_allclose(bars.y, decisions.decision_scores(run.records[-1])[2][steps])
    accuracy = plots.accuracy_figure(run)
    chance = [t for t in accuracy.data if t.meta == "chance"][0]
    assert list(chance.y) == [0.5, 0.5]
    html = plots.contributions_html(run)
    assert html.count("says ") == 4 and "&lt;pad&gt;" not in html
    empty = train(RunConfig(cell="gru", **{**TINY, "task": "adding"}))
    assert plots.contributions_html(empty) == "" and plots.final_state_figure(empty).layout.annotations


def test_run_file_round_trip_and_older_files(run):
    loaded = run_from_bytes(run_to_bytes(run))
    assert_same(run, loaded)
    with np.load(io.BytesIO(run_to_bytes(run)), allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    older = {k: v for k, v in entries.items()
             if not k.endswith(("contributions", "probe_logits")) and k != "probe_targets"}
    meta = json.loads(older[META].tobytes())
    for record in meta["records"]:
        record.pop("decisions")
    older[META] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **older)
    old = run_from_bytes(buffer.getvalue())
    assert old.probe_targets is None and old.records[-1].contributions is None
    assert not decisions.has_decisions(old) and plots.contributions_html(old) == ""


@pytest.mark.parametrize("broken, message", [
    (lambda e: e.update({"records/0/contributions": np.zeros((4, 10, 3), np.float32)}), "contributions"),
    (lambda e: e.update({"records/0/probe_logits": np.zeros((5, 2), np.float32)}), "probe_logits"),
    (lambda e: e.pop("records/0/contributions"), "contributions"),
    (lambda e: e.update({"probe_targets": np.zeros((3,), np.int64)}), "probe_targets"),
    (lambda e: e.update({"probe_targets": np.array(["a"] * 4)}), "probe_targets"),
])
def test_bad_decision_entries_are_refused(run, broken, message):
    with np.load(io.BytesIO(run_to_bytes(run)), allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    broken(entries)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **entries)
    with pytest.raises(ValueError, match=f"not an rnnviz run file.*{message}"):
        run_from_bytes(buffer.getvalue())
