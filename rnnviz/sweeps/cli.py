"""`python -m rnnviz sweep`: a sweep from the command line, with a progress bar and a summary."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from rnnviz.config import FIELDS, RunConfig
from rnnviz.sweeps.presets import SWEEP_PRESETS, check_claims
from rnnviz.sweeps.summary import rates, swept_field
from rnnviz.sweeps.sweep import plan, sweep
from rnnviz.terminal import stop_on_interrupt

EPILOG = """\
The grid is every combination of --cells, --seq-lens, --seeds and each --grid FIELD=V1,V2 (any
RunConfig field); the other options set the base config. Each finished run is added to --out at
once: run the same command again after an interruption and only the missing runs train.
Ctrl-C stops (finished runs are kept; exit status 130); a second Ctrl-C aborts.

example: python -m rnnviz sweep --cells rnn_tanh,lstm,gru --task adding --seq-lens 10,20,50,100 \\
             --seeds 0-4 --steps 1500 --out sweep.parquet
         python -m rnnviz sweep --preset how_far_back --ray   (Ray: $RNNVIZ_RAY_ADDRESS or a local Ray)
"""


def add_parser(commands: Any, add_config_options: Callable[[Any], None]) -> None:
    """Register `sweep` on the CLI's subcommands; `add_config_options` adds RunConfig's options."""
    sw = commands.add_parser("sweep", help="train many runs over a grid of fields (a local pool or Ray)",
                             epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    grid = sw.add_argument_group("the grid")
    grid.add_argument("--preset", choices=list(SWEEP_PRESETS), metavar="NAME",
                      help=f"a sweep preset ({', '.join(SWEEP_PRESETS)}); its claims are checked at the end")
    grid.add_argument("--cells", metavar="A,B", help="cells to sweep, e.g. rnn_tanh,lstm,gru")
    grid.add_argument("--seq-lens", metavar="N,M", help="sequence lengths, e.g. 10,20,50,100")
    grid.add_argument("--seeds", metavar="RANGE", help="seeds: 0-4 or 0,3,5")
    grid.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2",
                      help="any other field and its values, e.g. lr=0.01,0.001 (repeatable)")
    grid.add_argument("--success", metavar="RULE", help="e.g. 'loss<0.1' (x baseline) or 'accuracy>=0.95' "
                      "(default: the task's own)")
    base = sw.add_argument_group("base config (RunConfig's fields)")
    add_config_options(base)
    how = sw.add_argument_group("where and how")
    how.add_argument("--out", "-o", type=Path, default=Path("sweep.parquet"), metavar="PATH",
                     help="results file, Parquet (default: sweep.parquet); resumed if it exists")
    how.add_argument("--workers", type=int, metavar="N", help="processes (default: the cores)")
    how.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                     help="run on Ray: at ADDRESS, else $RNNVIZ_RAY_ADDRESS, else a local Ray")
    how.add_argument("--serial", action="store_true", help="train in this process, one run at a time")
    how.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sw.set_defaults(handler=cmd_sweep)


def split(text: str, field: str) -> list[Any]:
    """"a,b,c" -> the field's values, parsed as the field parses text."""
    spec = FIELDS[field]
    values = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            values.append(spec.parse(part))
        except ValueError as err:
            raise ValueError(f"{field}: {err}, got {part!r}") from None
    return values


def grid_from(args: argparse.Namespace) -> tuple[RunConfig, dict[str, list[Any]]]:
    """The base config and the grid the options describe (a preset's, overridden by the options)."""
    from rnnviz.lessons import parse_seeds

    preset = SWEEP_PRESETS[args.preset] if args.preset else None
    base = preset.base if preset else RunConfig()
    base = base.replace(**{name: getattr(args, name) for name in FIELDS if hasattr(args, name)})
    grid: dict[str, list[Any]] = dict(preset.grid) if preset else {}
    if args.cells:
        grid["cell"] = split(args.cells, "cell")
    if args.seq_lens:
        grid["seq_len"] = split(args.seq_lens, "seq_len")
    for item in args.grid:
        field, sep, values = item.partition("=")
        field = field.strip().replace("-", "_")
        if not sep or field not in FIELDS:
            raise ValueError(f"--grid: expected FIELD=V1,V2 with a RunConfig field, got {item!r}")
        grid[field] = split(values, field)
    if args.seeds:
        grid["seed"] = parse_seeds(args.seeds)
    return base, grid


def cmd_sweep(args: argparse.Namespace) -> int:

    base, grid = grid_from(args)
    success = args.success or (SWEEP_PRESETS[args.preset].success if args.preset else None)
    p = plan(base, grid, success, args.out)  # bad input fails here, before any process starts
    stop = threading.Event()
    bar = tqdm(total=len(p.configs), initial=len(p.done), unit="run", disable=args.quiet,
               file=sys.stderr, dynamic_ncols=True)
    field = swept_field(pd.DataFrame([{f: getattr(c, f) for f in p.fields} for c in p.configs]))

    def on_result(row: dict[str, Any]) -> None:
        bar.update(1)
        what = ", ".join(f"{f}={row[f]}" for f in p.fields if f in ("cell", field))
        bar.set_postfix_str(f"{what}: {'ok' if row['success'] else 'fail'}", refresh=False)

    started = time.perf_counter()
    with stop_on_interrupt(stop):
        table = sweep(base, grid, success, executor=executor(args),
                      workers=args.workers, out=args.out, on_result=on_result, stop=stop,
                      address=args.ray or None)
    bar.close()
    print(report(table, field, time.perf_counter() - started, args.out))
    if args.preset and len(table) == len(p.configs):
        results = check_claims(SWEEP_PRESETS[args.preset], table)
        print("\n".join(f"{'ok  ' if r.passed else 'FAIL'} {c.text}: {r.detail}" for c, r in results))
    return 130 if stop.is_set() else 0


def executor(args: argparse.Namespace) -> str:
    if args.serial and args.ray is not None:
        raise ValueError("--serial: cannot be combined with --ray")
    return "serial" if args.serial else "ray" if args.ray is not None else "local"


def report(table: pd.DataFrame, field: str | None, seconds: float, out: Path) -> str:
    """The summary table: per cell and swept value, successes / runs and the 95% interval."""
    errors = table["status"].astype(str).str.startswith("error")
    lines = [f"{len(table)} runs in {seconds:.1f} s ({int(errors.sum())} failed to run) -> {out}"]
    if field is None or "cell" not in table:
        return lines[0]
    summary = rates(table, field)
    lines.append(f"{'cell':10} {field:>14}  {'success':>9}  {'95% interval':>13}  {'loss/base':>9}")
    for r in summary.itertuples():
        lines.append(f"{r.cell:10} {getattr(r, field)!s:>14}  {r.successes:>3}/{r.runs:<3}    "
                     f"{r.low:5.0%} - {r.high:4.0%}   {r.loss_ratio:9.3g}")
    for row in table[errors].itertuples():
        lines.append(f"failed: {row.key}: {row.status}")
    return "\n".join(lines)
