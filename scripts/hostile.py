"""Hostile-input run (issue 9): each crafted input through a real server and Chromium.

Prints, per input: the outcome (refused with a message, trained within limits, server died,
memory ceiling exceeded, injection fetched, traceback shown...), the server's peak RSS during it
(VmHWM, reset before each input) and the wall time. A dead or killed server is restarted for the
next input. Only loopback traffic: the injection sink is an HTTP server on 127.0.0.1.

    python scripts/hostile.py [--only a,b,...] [--limit-s 60] [--ceiling-mb 4000] [--out FILE]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts import crafted  # noqa: E402
from scripts.hostile_lab import GENERIC, TRAINED, Lab, Result  # noqa: E402

WORK = Path(tempfile.gettempdir()) / "rnnviz-hostile"  # crafted files; the zip bomb is cached here


@dataclass(frozen=True)
class Input:
    """One hostile input: how to deliver it and what to do next.

    `build(workdir, sink_url)` gives a file to upload on Compare ("upload") or a query string
    ("link", opened on `page`). `then`: "twin" (Compare's "Same run, clipping…"), "train", the
    title of a page to open, or "" (nothing)."""

    key: str
    what: str
    kind: str
    build: Callable[[Path, str], Path | str]
    then: str = ""
    page: str = ""            # links: the page the link opens ("" = Home)
    upload_name: Callable[[str], str] | None = None
    expensive: bool = False   # trains something big: the browser test only checks refuse/shrink + Stop


CATALOGUE: tuple[Input, ...] = (
    Input("a", "run file: spectral_radius=1e308, scaled init; twin with clipping",
          "upload", lambda d, s: crafted.spectral_bomb(d), then="twin"),
    Input("b", "run file: hidden 512, record_every 1, probe 64, 100k steps; twin",
          "upload", lambda d, s: crafted.huge_config(d), then="twin", expensive=True),
    Input("c", "link: lstm 256x4 bidirectional, seq 400, batch 256; Train",
          "link", lambda d, s: crafted.cost_query(), then="train", page="train", expensive=True),
    Input("d", "link: chars task with 5,000 distinct characters; Train",
          "link", lambda d, s: crafted.vocab_query(), then="train", page="train", expensive=True),
    Input("e", "run file: zip bomb, unused entry of 4.6 GiB zeros (4.8 MB)",
          "upload", lambda d, s: crafted.zip_bomb(d)),
    Input("f", "run file: a (268, 1000, 1000) hidden array (1 MB); Hidden states",
          "upload", lambda d, s: crafted.huge_hidden(d), then="Hidden states"),
    Input("g", "run file: 4,000,000 history rows (0.13 MB); Train page",
          "upload", lambda d, s: crafted.many_rows(d), then="Train"),
    Input("h", "run file: JSON nested 100,000 deep", "upload", lambda d, s: crafted.deep_json(d)),
    Input("i1", "run file: a metric named `Loss`; Train page",
          "upload", lambda d, s: crafted.metric_named_loss(d), then="Train"),
    Input("i2", "run file: status 'diverged at step <5,000 digits>'; Train page",
          "upload", lambda d, s: crafted.long_step_status(d), then="Train"),
    Input("j1", "link: Markdown links/images in parameter names and values",
          "link", lambda d, s: crafted.injection_query(s)),
    Input("j2", "run file: Markdown device, HTML metric name, Markdown file name; Train page",
          "upload", lambda d, s: crafted.injection_file(d, s), then="Train",
          upload_name=crafted.injection_file_name),
    Input("k", "link: 300 unknown keys", "link", lambda d, s: crafted.unknown_keys_query()),
    Input("l1", "link: CSV with headers with spaces ('date, temp'); Train",
          "link", lambda d, s: crafted.csv_query(crafted.CSV_SPACES), then="train", page="train"),
    Input("l2", "link: CSV with values near 1e200; Train",
          "link", lambda d, s: crafted.csv_query(crafted.CSV_HUGE), then="train", page="train"),
    Input("l3", "link: CSV with values of +-1e308; Train",
          "link", lambda d, s: crafted.csv_query(crafted.CSV_EXTREME), then="train", page="train"),
)
BY_KEY = {inp.key: inp for inp in CATALOGUE}


def deliver(lab: Lab, inp: Input, limit_s: float, train_s: float | None = None) -> Result:
    """Run one input in a fresh browser session; `train_s`: how long a job may train before Stop."""
    WORK.mkdir(exist_ok=True)
    built = inp.build(WORK, lab.sink.url)
    name = inp.upload_name(lab.sink.url) if inp.upload_name else None
    result = lab.trial(inp.key, inp.what, built if inp.kind == "upload" else None,
                       built if inp.kind == "link" else None, inp.page, inp.then, name,
                       limit_s=limit_s, train_s=limit_s if train_s is None else train_s)
    result.outcome = outcome(result, lab.ceiling_mb)
    return result


def outcome(r: Result, ceiling_mb: float) -> str:
    """One line: the worst thing that happened, else what the app said."""

    def first(texts: list[str]) -> str:
        return texts[0].replace("\n", " ")[:60] if texts else ""

    if r.exceeded:
        return f"exceeded {ceiling_mb:g} MB: server killed"
    if r.died:
        return f"server died ({r.died})"
    if r.injected:
        fetched = [i.split()[1] for i in r.injected if i.startswith("fetched")]
        if fetched:
            return f"injection fetched: {' '.join(fetched)}"[:73]
        return f"injection rendered: {' '.join(i.split()[1] for i in r.injected)}"[:73]
    if r.traceback:
        return f"traceback shown: {first(r.traceback)}"
    errors = r.texts("error")
    if generic := [t for t in errors if GENERIC.match(t)]:
        return f"page failed: {first(generic)}"
    if errors:
        return f"refused: {first(errors)}"
    warnings = r.texts("warning")
    if r.job == "stopped":
        return f"still training at the time limit; Stop acted in {r.stop_s:.1f} s" + (
            f"; notice: {first(r.notices)}" if r.notices else "; no notice")
    if r.job in ("stop failed", "timeout"):
        why = "Stop did not act in 15 s" if r.job == "stop failed" else "no Stop button"
        return f"still training at the time limit; {why}"
    if trained := [t for t in r.texts("success", "warning", "info") if TRAINED.search(t)]:
        return f"trained: {first(trained)}" + (f"; notice: {first(r.notices)}" if r.notices else "")
    if r.timed_out:
        return "no answer within the time limit (still working)"
    if len(warnings) > 3:
        return f"accepted with {len(warnings)} warning boxes"
    if r.notices:
        return f"accepted with a notice: {first(r.notices)}"
    return f"accepted: {first(r.texts('success', 'warning', 'info')) or 'no message'}"


def table(results: list[Result], ceiling_mb: float) -> str:
    head = f"{'input':<6}{'outcome':<74}{'peak MB':>9}{'Δ MB':>8}{'time s':>8}  student tab"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.key:<6}{r.outcome[:73]:<74}{r.peak_mb:>9.0f}{r.peak_mb - r.base_mb:>8.0f}"
                     f"{r.wall_s:>8.1f}  {r.student}")
    lines += ["", "What each input was:"] + [f"  {r.key:<4} {r.what}" for r in results]
    lines += ["", f"peak MB: the server's VmHWM during the input (reset before it); Δ: above its RSS "
                  f"before it. Ceiling: {ceiling_mb:g} MB (server killed: 'exceeded')."]
    notes = [f"  {r.key:<4} {n}" for r in results for n in r.notes]
    return "\n".join(lines + (["", "Notes:"] + notes if notes else []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated keys (default: all)")
    parser.add_argument("--limit-s", type=float, default=60, help="seconds per input, then Stop / move on")
    parser.add_argument("--ceiling-mb", type=float, default=4000, help="kill the server above this RSS")
    parser.add_argument("--out", type=Path, default=ROOT / "test-output" / "hostile.txt")
    args = parser.parse_args()
    keys = [k.strip() for k in args.only.split(",") if k.strip()] or list(BY_KEY)
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        parser.error(f"unknown input(s) {unknown}; known: {', '.join(BY_KEY)}")
    results = []
    with Lab(ROOT / "test-output" / "hostile", ceiling_mb=args.ceiling_mb) as lab:
        for key in keys:
            result = deliver(lab, BY_KEY[key], args.limit_s)
            print(f"{key}: {result.outcome} · peak {result.peak_mb:.0f} MB · {result.wall_s:.1f} s · "
                  f"student tab {result.student}", flush=True)
            results.append(result)
    text = table(results, args.ceiling_mb)
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `with Lab` stops the server
    sys.exit(main())
