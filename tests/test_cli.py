"""The command line, called in-process (fast), plus one real `python -m rnnviz train`."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rnnviz import cli, terminal
from rnnviz.app.urlstate import parse
from rnnviz.cells import CELLS
from rnnviz.config import OPTIMIZERS, RunConfig
from rnnviz.presets import PRESETS
from rnnviz.run import Run
from rnnviz.runfile import load_run
from rnnviz.scalars import NONE_WORDS
from rnnviz.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--steps", "5", "--hidden-size", "8", "--seq-len", "10", "--record-every", "2", "--batch-size", "8"]


def config(*argv: str) -> RunConfig:
    return cli.build_config(cli.build_parser().parse_args(["train", *argv]))


@pytest.fixture(scope="module")
def run_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "tiny.npz"
    assert cli.main(["train", *TINY, "--cell", "gru", "--out", str(path), "--name", "tiny"]) == 0
    return path


def test_train_writes_the_run_file(tmp_path, capsys):
    path = tmp_path / "out.npz"
    assert cli.main(["train", *TINY, "--cell", "rnn_tanh", "--task", "copy", "--seq-len", "12",
                     "--task-option", "symbols=3", "--out", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("finished: 5/5 steps, loss ") and "baseline" in out and "val accuracy" in out
    assert out.rstrip().endswith(str(path)) and out.count("\n") == 1
    assert "100% 5/5 steps" in err and "steps/s" in err  # stderr is not a terminal here: plain lines
    run = load_run(path)
    assert run.status == "finished" and run.config.cell == "rnn_tanh"
    assert run.config.task_options == {"symbols": 3} and run.steps_done == 5


def test_every_config_field_is_an_option(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    for field in dataclasses.fields(RunConfig):
        if field.name != "task_options":
            assert "--" + field.name.replace("_", "-") in text
    assert "--task-option" in text and cli.DEFAULT_OUT in text


def test_options_override_a_preset():
    cfg = config("--preset", "exploding")
    assert cfg == PRESETS["exploding"].config
    cfg = config("--preset", "exploding", "--clip-norm", "0.5", "--steps", "7", "--bidirectional")
    assert (cfg.cell, cfg.clip_norm, cfg.steps, cfg.bidirectional) == ("rnn_tanh", 0.5, 7, True)
    assert config("--clip-norm", "none").clip_norm is None
    assert config("--spectral-radius", "None").spectral_radius is None
    assert config("--bidirectional", "--no-bidirectional").bidirectional is False
    assert config("--lr", "3e-2", "--seed", "4").lr == 0.03
    assert config("--seed", str(2**63 - 1)).seed == 2**63 - 1  # read exactly, not through a float
    assert config("--steps", "1e3").steps == 1000


@pytest.mark.parametrize("word", NONE_WORDS)
def test_one_word_set_for_none_shared_with_links(word):
    assert config("--clip-norm", word).clip_norm is None
    assert config("--clip-norm", word.upper()).clip_norm is None
    assert parse({"clip_norm": word}).config.clip_norm is None


def test_task_options_are_read_as_their_type(tmp_path):
    assert config("--task", "sine", "--task-option", "noise=0.1", "--task-option", "frequencies=2"
                  ).task_options == {"noise": 0.1, "frequencies": "2"}  # "2" stays text: a str option
    assert config("--task", "copy", "--task-option", "symbols=3").task_options == {"symbols": 3}
    text = tmp_path / "book.txt"
    text.write_text("to be or not to be, that is the question\n" * 5, encoding="utf-8")
    cfg = config("--preset", "gru_text", "--task-option", f"text=@{text}")
    assert cfg.task == "chars" and cfg.task_options["text"] == text.read_text(encoding="utf-8")
    assert cli.parse_option("x", "true", None) == "true"  # an unknown option: the task names it
    with pytest.raises(ValueError, match="task_options.symbols: must be a whole number, got '2.5'"):
        cli.parse_option("symbols", "2.5", TASKS["copy"].OPTIONS["symbols"])


def test_presets_and_tasks_are_listed(capsys):
    assert cli.main(["presets", "-v"]) == 0
    out = capsys.readouterr().out
    for name, preset in PRESETS.items():
        assert name in out and preset.title in out and f"cell={preset.config.cell}" in out
    assert cli.main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name, task in TASKS.items():
        assert name in out and all(f"--task-option {key}=" in out for key in task.OPTIONS)
    assert max(map(len, out.splitlines())) < 250  # long default texts are cut short


def test_show(run_file, capsys):
    assert cli.main(["show", str(run_file)]) == 0
    out = capsys.readouterr().out
    assert "name: tiny" in out and "cell=gru" in out and "finished: 5/5 steps" in out


@pytest.mark.parametrize(("argv", "valid"), [
    (["train", "--cell", "transformer"], CELLS),
    (["train", "--task", "nope"], tuple(TASKS)),
    (["train", "--optimizer", "adamw"], OPTIMIZERS),
    (["train", "--preset", "nope"], tuple(PRESETS)),
    (["train", "--device", "tpu"], ("auto", "cpu", "cuda", "mps")),
])
def test_unknown_names_list_the_valid_ones(argv, valid, capsys):
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert all(name in err for name in valid) and "Traceback" not in out + err


@pytest.mark.parametrize("argv", [
    ["train", "--steps", "0"],
    ["train", "--lr", "-1"],
    ["train", "--clip-norm", "abc"],
    ["train", "--task-option", "bogus=1"],
    ["train", "--task-option", "no-equals-sign"],
    ["train", "--task", "copy", "--task-option", "symbols=many"],
    ["train", "--task", "chars", "--task-option", "text=@/no/such/file.txt"],
    ["train", "--out", "/no/such/folder/run.npz"],
    ["train", "--out", "."],
    ["train", "--seed", "-4"],
    ["train", "--seed", str(2**70)],
    ["train", "--hidden-size", "2.5"],
    ["train", "--hidden-size", "100000"],
    ["train", "--lr", "inf"],
    ["train", "--clip-norm", "0"],
    ["train", "--cell", "rnn_tanh", "--recurrent-init", "scaled", "--spectral-radius", "1e308"],
    ["show", "/no/such/run.npz"],
    ["show", __file__],
    [],
])
def test_bad_input_exits_2_without_a_traceback(argv, capsys):
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and ("error" in err or argv == [])


@pytest.mark.parametrize(("argv", "says"), [
    (["--seed", str(2**70)], "seed: must be an integer from 0 to 9223372036854775807"),
    (["--spectral-radius", "1e308"], "spectral_radius: must be a number above 0 and at most 100"),
    (["--clip-norm", "abc"], "must be a number or none, got 'abc'"),
    (["--steps", "2.5"], "must be a whole number, got '2.5'"),
    (["--bidirectional", "yes"], "unrecognized arguments: yes"),
])
def test_bad_values_say_what_is_valid(argv, says, capsys):
    assert cli.main(["train", *argv]) == 2
    assert says in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_saves(tmp_path, monkeypatch, capsys):
    real_train = cli.train

    def train_then_interrupt(cfg, on_progress=None, **kwargs):
        def progress(run: Run) -> None:
            on_progress(run)
            if run.steps_done == 2:
                signal.raise_signal(signal.SIGINT)  # what Ctrl-C sends
        return real_train(cfg, on_progress=progress, **kwargs)

    monkeypatch.setattr(cli, "train", train_then_interrupt)
    path = tmp_path / "stopped.npz"
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when pytest itself runs in the background
    assert cli.main(["train", *TINY, "--steps", "50", "--out", str(path)]) == 130
    out, err = capsys.readouterr()
    assert out.startswith("stopped: ") and "stopping after this step" in err
    run = load_run(path)
    assert run.status == "stopped" and 2 <= run.steps_done < 50
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


def test_progress_bar_redraws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = terminal.Progress(4, stream)
    run = Run(config=RunConfig(steps=4))
    for step in range(4):
        run.rows.append({"step": step, "loss": 1.0 / (step + 1), "grad_norm": 2.0, "grad_norm_clipped": 1.0,
                         "clipped": True})
        progress(run)
    progress.done(run)
    text = stream.getvalue()
    assert text.count("\r[") == 5 and "[####################] 100% 4/4 steps" in text and text.endswith("\n")
    assert "\n" not in text[:-1]  # one line, redrawn in place


def test_python_dash_m_rnnviz(tmp_path):
    path = tmp_path / "sub.npz"
    paths = [str(ROOT), os.environ.get("PYTHONPATH")]  # the checkout, whether or not it is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    done = subprocess.run([sys.executable, "-m", "rnnviz", "train", *TINY, "--out", str(path)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("finished: ") and load_run(path).steps_done == 5


def test_a_huge_spectral_radius_exits_2_not_139(tmp_path):
    """It made W_hh inf, and eigvals on it crashed the process (signal 11) before the bound."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    done = subprocess.run([sys.executable, "-m", "rnnviz", "train", "--cell", "rnn_tanh", "--recurrent-init",
                           "scaled", "--spectral-radius", "1e308"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "spectral_radius: must be a number above 0" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "run.npz").exists()


def test_lessons_command_checks_a_preset_and_says_so(capsys):
    assert cli.main(["lessons", "--preset", "first_lesson", "--seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert "first_lesson" in out
    assert cli.main(["lessons", "--preset", "no_such_preset"]) == 2
