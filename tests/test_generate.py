"""Generating text: greedy is an argmax loop, temperature bounds, prompts, record samples, the CLI."""

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import cli
from rnnviz.generate import (
    MAX_LENGTH,
    RECORD_LENGTH,
    check_temperature,
    decode,
    encode,
    generates_text,
    sample,
)
from rnnviz.runfile import run_from_bytes, run_to_bytes
from rnnviz.tasks import make_task
from rnnviz.weights import model_at

TINY = dict(task="chars", hidden_size=16, seq_len=12, batch_size=8, steps=12, record_every=6, probe_size=2)


@pytest.fixture(scope="module")
def chars_run():
    return rnnviz.train(rnnviz.RunConfig(**TINY))


@pytest.fixture(scope="module")
def words_run():
    return rnnviz.train(rnnviz.RunConfig(**(TINY | {"task": "words", "cell": "gru"})))


def manual_greedy(run, prompt: str, length: int) -> str:
    """The oracle: the whole sequence through the model again at every step, argmax of the last."""
    task, model = make_task(run.config), model_at(run)
    ids = encode(task, prompt)
    for _ in range(length):
        x = torch.tensor([ids])
        if not task.input_tokens:
            x = torch.nn.functional.one_hot(x, len(task.vocab)).float()
        with torch.no_grad():
            ids.append(int(model(x)[0, -1].argmax()))
    return decode(task, ids[len(encode(task, prompt)):])


@pytest.mark.parametrize("which", ["chars_run", "words_run"])
def test_greedy_is_deterministic_and_equals_an_argmax_loop(which, request):
    run = request.getfixturevalue(which)
    prompt = "A recurrent" if which == "chars_run" else "a recurrent network"
    greedy = sample(run, prompt, 30, temperature=None)
    assert greedy == sample(run, prompt, 30, temperature="greedy", seed=7)  # no draws at all
    assert greedy.strip() == manual_greedy(run, prompt, 30).strip()


def test_sampling_repeats_with_its_seed_and_varies_with_it(chars_run):
    a = sample(chars_run, "The ", 200, temperature=1.5, seed=1)
    assert a == sample(chars_run, "The ", 200, temperature=1.5, seed=1)
    assert len(a) == 200 and set(a) <= set(make_task(chars_run.config).vocab)
    assert a != sample(chars_run, "The ", 200, temperature=1.5, seed=2)


def test_low_temperature_concentrates_on_the_likely_tokens(chars_run):
    """At 0.1 nearly every token is the greedy one; at 2.0 far fewer are (the same seeds)."""
    greedy = sample(chars_run, "The ", 1, temperature=None)
    cold = [sample(chars_run, "The ", 1, temperature=0.1, seed=s) for s in range(40)]
    hot = [sample(chars_run, "The ", 1, temperature=2.0, seed=s) for s in range(40)]
    assert cold.count(greedy) > hot.count(greedy)


@pytest.mark.parametrize("bad", [0, 0.0, -1, 0.05, 2.5, float("nan"), True, "hot"])
def test_temperature_out_of_range_is_a_value_error(bad, chars_run):
    with pytest.raises(ValueError, match="^temperature:"):
        check_temperature(bad)
    with pytest.raises(ValueError, match="^temperature:"):
        sample(chars_run, "The ", 5, temperature=bad)


def test_zero_temperature_says_to_use_greedy():
    with pytest.raises(ValueError, match="greedy"):
        check_temperature(0)


def test_unknown_characters_are_named(chars_run):
    with pytest.raises(ValueError, match=r"^prompt: characters this model never saw.*'Z'.*'€'"):
        sample(chars_run, "Zebra €", 5)
    with pytest.raises(ValueError, match="^prompt:"):
        sample(chars_run, "", 5)


def test_unknown_words_are_named(words_run):
    with pytest.raises(ValueError, match="^prompt: words this model never saw.*'zyzzyva'"):
        sample(words_run, "the zyzzyva", 5)


@pytest.mark.parametrize("length", [0, -3, MAX_LENGTH + 1, 2.5])
def test_length_is_bounded(length, chars_run):
    with pytest.raises(ValueError, match="^length:"):
        sample(chars_run, "The ", length)


def test_only_text_runs_write():
    run = rnnviz.train(rnnviz.RunConfig(task="adding", hidden_size=4, seq_len=5, steps=2))
    assert not generates_text(make_task(run.config))
    with pytest.raises(ValueError, match="^run: only next-character and next-word runs"):
        sample(run, "1", 5)
    assert all(r.sample is None for r in run.records)


def test_records_keep_a_sample_from_a_fixed_prompt(chars_run, words_run):
    task = make_task(chars_run.config)
    samples = [r.sample for r in chars_run.records]
    prompt = samples[0].split(" ")[0] + " "
    assert task.options["text"].startswith(prompt)
    for text in samples:
        assert text.startswith(prompt) and len(text) == len(prompt) + RECORD_LENGTH["characters"]
    assert len(set(samples)) > 1  # the weights changed between records
    assert all(r.sample and r.sample.startswith("a") for r in words_run.records)


def test_samples_and_train_loss_round_trip(chars_run):
    back = run_from_bytes(run_to_bytes(chars_run))
    assert [r.sample for r in back.records] == [r.sample for r in chars_run.records]
    assert [r.train_loss for r in back.records] == [r.train_loss for r in chars_run.records]
    assert all(np.isfinite(r.train_loss) for r in back.records)
    assert sample(back, "The ", 40, seed=3) == sample(chars_run, "The ", 40, seed=3)
    assert sample(back, "The ", 40, record=0) == sample(chars_run, "The ", 40, record=0)


def test_an_older_file_without_samples_still_opens(chars_run, tmp_path):
    import json
    import zipfile

    path = tmp_path / "old.npz"
    rnnviz.save_run(chars_run, path)
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    meta_raw = np.load(path)["rnnviz.json"].tobytes()
    meta = json.loads(meta_raw)
    for rec in meta["records"]:
        del rec["sample"], rec["train_loss"]
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    entries["rnnviz.json.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    old = rnnviz.load_run(path)
    assert all(r.sample is None and np.isnan(r.train_loss) for r in old.records)


@pytest.mark.parametrize("bad", [3, ["x"], "x" * 20_001])
def test_a_bad_sample_in_a_file_is_refused(bad, chars_run):
    import io
    import json
    import zipfile

    data = run_to_bytes(chars_run)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(np.load(io.BytesIO(data))["rnnviz.json"].tobytes())
    meta["records"][0]["sample"] = bad
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    entries["rnnviz.json.npy"] = buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, payload in entries.items():
            z.writestr(name, payload)
    with pytest.raises(ValueError, match="records/0/sample"):
        run_from_bytes(out.getvalue())


def test_cli_sample(chars_run, tmp_path, capsys):
    path = tmp_path / "chars.npz"
    rnnviz.save_run(chars_run, path)
    assert cli.main(["sample", str(path), "--prompt", "The ", "--length", "25", "--greedy"]) == 0
    out = capsys.readouterr().out
    assert out == "The " + sample(chars_run, "The ", 25, temperature=None) + "\n"
    assert cli.main(["sample", str(path), "--prompt", "The ", "--length", "10", "--record", "0",
                     "--temperature", "1.2", "--seed", "4"]) == 0
    assert capsys.readouterr().out.startswith("The ")
    for argv, message in ((["--temperature", "0"], "temperature: must be"),
                          (["--temperature", "-0.5"], "temperature: must be"),
                          (["--length", "0"], "length:"), (["--record", "9"], "record:")):
        assert cli.main(["sample", str(path), "--prompt", "The ", *argv]) == 2
        assert message in capsys.readouterr().err


def test_cli_sample_refuses_other_runs_and_runs_without_weights(tmp_path, capsys):
    run = rnnviz.train(rnnviz.RunConfig(task="adding", hidden_size=4, seq_len=5, steps=2))
    rnnviz.save_run(run, tmp_path / "adding.npz")
    assert cli.main(["sample", str(tmp_path / "adding.npz"), "--prompt", "x"]) == 2
    assert "only next-character and next-word runs" in capsys.readouterr().err
    text = rnnviz.train(rnnviz.RunConfig(**(TINY | {"steps": 2})))
    text.weights = None  # an older file, or a diverged run
    rnnviz.save_run(text, tmp_path / "old.npz")
    assert cli.main(["sample", str(tmp_path / "old.npz"), "--prompt", "The "]) == 2
    assert "weights: this run did not keep the final weights" in capsys.readouterr().err


def test_the_words_claim_reads_the_samples_and_can_fail(chars_run):
    import dataclasses

    from rnnviz.textclaims import real_word_share, text_words, writes_words

    words = text_words(chars_run)
    assert {"recurrent", "network", "the"} <= words
    assert real_word_share("The recurrent network xqzt", words) == 0.75
    assert real_word_share("", words) == 0.0
    claim = writes_words("words", 0.45, 0.25)

    def with_samples(*samples):
        records = [dataclasses.replace(chars_run.records[0], sample=s) for s in samples]
        return dataclasses.replace(chars_run, records=records)

    good = claim(with_samples("xqz vvb qqj", "the state", "a network reads", "the step"))
    assert good.passed and good.value == 1.0
    assert not claim(with_samples("the network", "the state", "the step")).passed  # step 0 already words
    assert not claim(with_samples("xq", "the zzq qqv", "vvv www", "the")).passed
    assert not claim(with_samples("xq")).passed
