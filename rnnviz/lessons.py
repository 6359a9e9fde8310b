"""Check every preset's claims across seeds: `python -m rnnviz lessons [--seeds 0-9] [--preset NAME]`."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rnnviz.claims import Claim, ClaimResult
from rnnviz.presets import PRESETS, Preset
from rnnviz.run import Run
from rnnviz.train import train


@dataclass(frozen=True)
class Checked:
    """One claim of one preset on one seed, and the seconds its run took to train."""

    preset: str
    claim: str
    seed: int
    result: ClaimResult
    seconds: float           # training time of the run the claim was checked on
    trained: bool = True     # False when that run was shared with an earlier claim


def check_preset(preset: Preset, seed: int,
                 trainer: Callable[..., Run] = train) -> list[Checked]:
    """Train the runs `preset`'s claims are about on `seed` (one per distinct config) and check them."""
    runs: dict[int, tuple[Run, float]] = {}
    configs: list = []
    out = []

    def run_of(cfg) -> tuple[Run, float, bool]:
        trained = cfg not in configs
        if trained:
            configs.append(cfg)
            started = time.perf_counter()
            run = trainer(cfg)
            runs[len(configs) - 1] = (run, time.perf_counter() - started)
        return (*runs[configs.index(cfg)], trained)

    for claim in preset.claims:
        run, seconds, trained = run_of(claim.config(preset.config).replace(seed=seed))
        other = claim.other_config(preset.config, seed)
        if other is not None:  # a comparing claim: the run it is compared with, too
            other_run, other_seconds, other_trained = run_of(other)
            seconds, trained = seconds + other_seconds, trained or other_trained
            result = claim(run, other_run)
        else:
            result = claim(run)
        out.append(Checked(preset.name, claim.text, seed, result, seconds, trained))
    return out


def claims_for(preset: Preset, run: Run) -> list[tuple[Claim, ClaimResult]]:
    """The preset's claims that are about `run`'s config, each checked on `run` (comparing claims,
    which need a second run, are left out)."""
    return [(c, c(run)) for c in preset.claims
            if c.against is None and c.applies_to(run.config, preset.config)]


def parse_seeds(text: str) -> list[int]:
    """"0-9", "0,3,5" or "0-2,7" -> a list of seeds (ValueError naming --seeds otherwise)."""
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise ValueError(f"--seeds: expected ranges or lists like 0-9 or 0,3,5; got {text!r}")
        low = int(match[1])
        seeds.extend(range(low, int(match[2] or low) + 1))
    if not seeds:
        raise ValueError(f"--seeds: no seed in {text!r}")
    return list(dict.fromkeys(seeds))


def parse_presets(values: Iterable[str] | None) -> list[str]:
    names = [n.strip() for v in values or [] for n in v.split(",") if n.strip()] or list(PRESETS)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise ValueError(f"--preset: unknown preset(s) {', '.join(unknown)}; valid presets are "
                         f"{', '.join(PRESETS)}")
    return list(dict.fromkeys(names))


def table(rows: list[Checked]) -> str:
    """preset x claim x seed, one line per claim and seed: ok/FAIL, the number, in words."""
    lines = [f"{'preset':13} {'seed':>4} {'train s':>8}  {'':4} {'value':>9}  claim: measured"]
    for r in rows:
        mark = "ok" if r.result.passed else "FAIL"
        lines.append(f"{r.preset:13} {r.seed:>4} {r.seconds:>8.1f}  {mark:4} {r.result.value:>9.3g}  "
                     f"{r.claim} [{r.result.detail}]")
    return "\n".join(lines)


def summary(rows: list[Checked]) -> str:
    """Per claim: how many seeds passed, the range of its number, and the training time."""
    lines = [f"{'preset':13} {'passed':>7} {'min':>9} {'max':>9} {'s/seed':>7}  claim"]
    keys = list(dict.fromkeys((r.preset, r.claim) for r in rows))
    for preset, claim in keys:
        these = [r for r in rows if (r.preset, r.claim) == (preset, claim)]
        values = [r.result.value for r in these]
        passed = sum(r.result.passed for r in these)
        seconds = sum(r.seconds for r in these) / len(these)
        lines.append(f"{preset:13} {passed:>3}/{len(these):<3} {min(values):>9.3g} {max(values):>9.3g} "
                     f"{seconds:>7.1f}  {claim}")
    lines.append("\nseconds of training per seed: " + ", ".join(
        f"{name} {preset_seconds(rows, name):.1f}" for name in dict.fromkeys(r.preset for r in rows)))
    return "\n".join(lines)


def preset_seconds(rows: list[Checked], preset: str) -> float:
    """Mean over seeds of the training time of all the runs a preset's claims needed."""
    these = [r for r in rows if r.preset == preset]
    return sum(r.seconds for r in these if r.trained) / len({r.seed for r in these})


def main(argv: list[str] | None = None) -> int:
    """Train each preset on each seed, print the claims table; exit status 1 if any claim fails."""
    parser = argparse.ArgumentParser(prog="rnnviz lessons", description=main.__doc__)
    parser.add_argument("--seeds", default="0-9", help="seeds to train, e.g. 0-9 or 0,3,5 (default 0-9)")
    parser.add_argument("--preset", action="append", metavar="NAME",
                        help=f"preset(s) to check, repeatable or comma-separated: {', '.join(PRESETS)}")
    args = parser.parse_args(argv)
    try:
        seeds, names = parse_seeds(args.seeds), parse_presets(args.preset)
    except ValueError as err:
        parser.error(str(err))
    started, rows = time.perf_counter(), []
    for name in names:
        for seed in seeds:
            checked = check_preset(PRESETS[name], seed)
            rows.extend(checked)
            print(table(checked).split("\n", 1)[1], flush=True)
    failed = sum(not r.result.passed for r in rows)
    print(f"\n{summary(rows)}\n\n{len(rows) - failed}/{len(rows)} claims hold on seeds {args.seeds} "
          f"({time.perf_counter() - started:.0f} s in all)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
