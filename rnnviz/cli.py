"""The command line: `python -m rnnviz train|presets|tasks|show|sample`, the same loop and run files as
the app."""

from __future__ import annotations

import argparse
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

from rnnviz import lessons
from rnnviz.config import FIELDS, FieldSpec, RunConfig
from rnnviz.generate import MAX_LENGTH, TEMPERATURE_RANGE, sample
from rnnviz.presets import PRESETS
from rnnviz.run import LengthAccuracy, Run
from rnnviz.runfile import load_run, save_run
from rnnviz.sweeps import cli as sweep_cli
from rnnviz.tasks import TASKS, Option
from rnnviz.terminal import Progress, stop_on_interrupt
from rnnviz.train import train

DEFAULT_OUT = "run.npz"
EPILOG = f"""\
Options not given keep the preset's value (with --preset) or RunConfig's default.
--task-option KEY=VALUE sets one task option (repeatable); VALUE is read as the option's type,
and @PATH reads a file's text (for text and csv options). The run file goes to --out
(default {DEFAULT_OUT}, replaced if it exists). Ctrl-C stops the run cleanly and still writes the
file (exit status 130); a second Ctrl-C aborts without writing.

example: python -m rnnviz train --cell lstm --task adding --steps 300 --out run.npz
         python -m rnnviz train --preset gru_text --task-option text=@book.txt --steps 1000
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input, 130 stopped by Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["lessons"]:  # its own parser (rnnviz.lessons), so `lessons --help` is its help
        try:
            return lessons.main(argv[1:])
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            return exc.code if isinstance(exc.code, int) else 2
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return args.handler(args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\naborted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rnnviz", description="See inside RNNs while they learn.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    tr = commands.add_parser("train", help="train one run and write its run file", epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    config = tr.add_argument_group("run config: the preset, RunConfig's fields, the task's options")
    config.add_argument("--preset", choices=list(PRESETS), metavar="NAME",
                        help=f"start from a preset's config: {', '.join(PRESETS)}")
    add_config_options(config)
    config.add_argument("--task-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a task option, e.g. noise=0.1 or text=@file.txt (repeatable)")
    output = tr.add_argument_group("output")
    output.add_argument("--out", "-o", default=DEFAULT_OUT, type=Path, metavar="PATH",
                        help=f"run file (default: {DEFAULT_OUT})")
    output.add_argument("--name", default="", help="a name for the run (shown in the app)")
    output.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    tr.set_defaults(handler=cmd_train)
    pr = commands.add_parser("presets", help="list the presets")
    pr.add_argument("--verbose", "-v", action="store_true", help="also print each lesson")
    pr.set_defaults(handler=cmd_presets)
    ta = commands.add_parser("tasks", help="list the tasks and their options")
    ta.add_argument("--verbose", "-v", action="store_true", help="also print each task's description")
    ta.set_defaults(handler=cmd_tasks)
    sh = commands.add_parser("show", help="print the summary of a run file")
    sh.add_argument("path", type=Path, help="a run file written by `train` or the app")
    sh.set_defaults(handler=cmd_show)
    add_sample_command(commands)
    commands.add_parser("lessons", help="train presets on several seeds and check their lessons' claims "
                        "(see `lessons --help`)")
    sweep_cli.add_parser(commands, add_config_options)
    return parser


def add_sample_command(commands: argparse._SubParsersAction) -> None:
    low, high = TEMPERATURE_RANGE
    sa = commands.add_parser("sample", help="write text with a next-character or next-word run's model",
                             epilog='example: python -m rnnviz sample run.npz --prompt "The " --length 200')
    sa.add_argument("path", type=Path, help="a run file of the chars or words task")
    sa.add_argument("--prompt", required=True, help="the text to start from (the model's own vocabulary)")
    sa.add_argument("--length", type=int, default=200,
                    help=f"characters (or words) to write, 1 to {MAX_LENGTH} (default 200)")
    sa.add_argument("--temperature", type=float, default=0.8,
                    help=f"{low:g} to {high:g}: low is cautious, high is wild (default 0.8)")
    sa.add_argument("--greedy", action="store_true", help="always take the most likely token")
    sa.add_argument("--record", type=int, metavar="K",
                    help="use the weights at record K (0 = step 0; -1 = the last; default: final weights)")
    sa.add_argument("--seed", type=int, default=0, help="seed of the random draws (default 0)")
    sa.set_defaults(handler=cmd_sample)


def cmd_sample(args: argparse.Namespace) -> int:
    run = load_run(args.path)
    temperature = None if args.greedy else args.temperature
    text = sample(run, args.prompt, args.length, temperature, record=args.record, seed=args.seed)
    print(args.prompt + text)
    return 0


def add_config_options(group: argparse._ArgumentGroup) -> None:
    """One option per RunConfig field, typed, bounded and explained by config.FIELDS."""
    defaults = RunConfig()
    for name, spec in FIELDS.items():
        default = getattr(defaults, name)
        help_text = f"{spec.help} (default: {'none' if default is None else default!s:.20}"
        help_text += f"; {spec.describe()})" if spec.kind in ("int", "float", "choice") else ")"
        flag = "--" + name.replace("_", "-")
        if spec.kind == "bool":
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
            continue
        metavar = {"int": "N", "float": "X", "choice": "NAME"}[spec.kind]
        group.add_argument(flag, default=argparse.SUPPRESS, help=help_text, type=text_reader(spec),
                           choices=spec.choices or None,
                           metavar=metavar + ("|none" if spec.none_means is not None else ""))


def text_reader(spec: FieldSpec) -> Any:
    """An argparse `type`: the field's own parsing, its message in argparse's usage error (exit 2)."""
    def read(text: str) -> Any:
        if spec.kind == "choice":
            return text  # argparse's `choices` lists the valid names
        try:
            return spec.parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"{err}, got {text!r}") from None
    return read


def build_config(args: argparse.Namespace) -> RunConfig:
    """The preset (or the defaults), overridden by the options given, then the task options."""
    base = PRESETS[args.preset].config if args.preset else RunConfig()
    changes = {name: getattr(args, name) for name in FIELDS if hasattr(args, name)}
    task = changes.get("task", base.task)
    options = dict(base.task_options) if task == base.task else {}  # another task: its own defaults
    for item in args.task_option:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--task-option: expected KEY=VALUE, got {item!r}")
        options[key.strip()] = parse_option(key.strip(), raw, TASKS[task].OPTIONS.get(key.strip()))
    return base.replace(**changes, task_options=options)


def parse_option(key: str, raw: str, option: Option | None) -> Any:
    """A task option's value from text, read as the option's type (the text itself for an unknown
    key: the task then names it and lists its options); @PATH reads a text option from a file."""
    text_option = option is None or (option.choices is None and isinstance(option.default, str))
    if raw.startswith("@") and text_option:
        try:
            return Path(raw[1:]).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"task_options.{key}: cannot read {raw[1:]!r}: {exc}") from exc
    if option is None:
        return raw
    try:
        return option.parse(raw)
    except ValueError as err:
        raise ValueError(f"task_options.{key}: {err}, got {raw!r}") from None


def cmd_train(args: argparse.Namespace) -> int:
    cfg = build_config(args)
    out: Path = args.out
    if not out.parent.is_dir() or out.is_dir():  # fail now, not after the training
        raise ValueError(f"--out: {str(out)!r} is a folder" if out.is_dir() else
                         f"--out: folder {str(out.parent)!r} does not exist")
    stop = threading.Event()
    progress = Progress(cfg.steps, sys.stderr, quiet=args.quiet)
    with stop_on_interrupt(stop):
        run = train(cfg, stop=stop, on_progress=progress, progress_every_s=progress.every_s)
    progress.done(run)
    run.name = args.name
    save_run(run, out)
    print(summary(run, out))
    return 130 if stop.is_set() else 0


def cmd_presets(args: argparse.Namespace) -> int:
    width = max(map(len, PRESETS)) + 2
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}{preset.title}")
        print(" " * width + config_text(preset.config, changed_only=True))
        if args.verbose:
            indent = " " * width
            print(textwrap.fill(preset.lesson, 100, initial_indent=indent, subsequent_indent=indent))
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    width = max(map(len, TASKS)) + 2
    for name, task in TASKS.items():
        print(f"{name:<{width}}{task.title or name} ({task.kind})")
        if args.verbose and task.__doc__:
            print(textwrap.indent(textwrap.dedent("    " + task.__doc__.strip()), " " * (width - 4)))
        for key, opt in task.OPTIONS.items():
            allowed = (f"; one of {', '.join(opt.choices)}" if opt.choices else
                       f"; {opt.low}..{'' if opt.high is None else opt.high}" if opt.low is not None else "")
            print(f"{'':<{width}}--task-option {key}={short(opt.default)}  {opt.help}{allowed}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    run = load_run(args.path)
    if run.name:
        print(f"name: {run.name}")
    print(textwrap.fill("config: " + config_text(run.config), 100, subsequent_indent="  "))
    print(summary(run, args.path))
    if run.length_accuracy is not None:
        print(length_table(run.length_accuracy))
    return 0


def length_table(acc: LengthAccuracy) -> str:
    """A seq2seq run's greedy-decoding accuracy at each input length, as the Attention page charts it."""
    lines = ["accuracy by input length (greedy decoding, measured when the run ended):",
             f"  {'length':>6}  {'tokens right':>12}  {'whole outputs right':>19}"]
    lines += [f"  {n:>6}  {a:>12.1%}  {w:>19.1%}"
              for n, a, w in zip(acc.lengths, acc.accuracy, acc.sequence_accuracy, strict=True)]
    return "\n".join(lines)


def config_text(cfg: RunConfig, changed_only: bool = False) -> str:
    """key=value for every field (or those a preset changes, cell and task always)."""
    defaults = RunConfig()
    items = [(k, v) for k, v in cfg.to_dict().items()
             if not changed_only or k in ("cell", "task") or v != getattr(defaults, k)]
    return " ".join(f"{k}={short(v)}" for k, v in items)


def short(value: Any, limit: int = 24) -> str:
    """A value for a listing: long texts (a task's default text, say) cut short."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={short(v)}" for k, v in value.items()) + "}"
    if not isinstance(value, str):
        return str(value)
    if value and len(value) <= limit and not any(c.isspace() or c in "'\"\\" for c in value):
        return value
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}...' ({len(value)} chars)"


def summary(run: Run, path: Path | str | None = None) -> str:
    """One line: status, steps, final loss vs baseline, final metrics, time, records, file."""
    parts = [f"{run.steps_done}/{run.config.steps} steps"]
    if run.rows:
        val = f" (val {run.records[-1].val_loss:.4g})" if run.records else ""
        parts.append(f"loss {run.rows[-1]['loss']:.4g}{val} vs baseline {run.baseline_loss:.4g}")
    metrics = run.records[-1].val_metrics if run.records else {}
    parts += [f"val {k} {v:.4g}" for k, v in metrics.items()]
    parts += [f"{run.elapsed_s:.1f} s on {run.device}", f"{len(run.records)} records"]
    return f"{run.status}: {', '.join(parts)}" + (f" -> {path}" if path is not None else "")
