"""End to end: one student cannot take down the class (issue 9), with a real server and Chromium.

Each hostile input (scripts/crafted.py, built in memory or a temp dir) goes through a fresh
browser session; then a second student's tab must still load Home and a page, no traceback may
show, no request may reach the loopback injection sink, and the server's peak RSS must stay under
BOUND_MB. The costly configs (b, c, d) must be refused or shrunk with a notice, and Stop must end
them. A server that dies or passes CEILING_MB (then killed) is restarted for the next input.
The table of outcomes is written to test-output/hostile-e2e.txt."""

from __future__ import annotations

import pytest

from scripts import harness
from scripts.hostile import BY_KEY, deliver, table
from scripts.hostile_lab import GENERIC, TRAINED, Lab, Result

pytestmark = pytest.mark.browser
BOUND_MB = 2500     # peak RSS of the whole server during one input
CEILING_MB = 3000   # the watchdog kills the server above this (the input has failed by then)
LIMIT_S = 30        # seconds per input
STOP_S = 10         # Stop acts within a second here when quiet; a loaded CI machine gets slack
# The inputs that are quick to refuse once fixed; the costly ones only train a few seconds here.
KEYS = ("a", "b", "c", "d", "e", "f", "g", "h", "i1", "i2", "j1", "j2", "k", "l3")
RESULTS: dict[str, Result] = {}


@pytest.fixture(scope="module")
def lab():
    with Lab(harness.ROOT / "test-output" / "hostile-e2e", ceiling_mb=CEILING_MB) as running:
        yield running
    if RESULTS:
        out = harness.ROOT / "test-output" / "hostile-e2e.txt"
        out.write_text(table(list(RESULTS.values()), CEILING_MB) + "\n")


def failures(key: str, r: Result) -> list[str]:
    """Everything wrong with how the server took input `key`, in words."""
    wrong = []
    if r.exceeded:
        wrong.append(f"the server passed {CEILING_MB} MB and was killed")
    if r.died:
        wrong.append(f"the server died ({r.died})")
    if r.student != "ok":
        wrong.append(f"a second student's tab: {r.student}")
    if r.timed_out:
        wrong.append(f"no answer within {LIMIT_S} s (the server was still at work on it)")
    if r.traceback:
        wrong.append(f"a traceback on the page: {r.traceback[0][:200]}")
    if generic := [t for t in r.texts("error") if GENERIC.match(t)]:
        wrong.append(f"the page failed instead of refusing the input: {generic[0][:200]}")
    if r.injected:
        wrong.append(f"injection: {', '.join(r.injected)}")
    if not r.peak_mb < BOUND_MB:
        wrong.append(f"peak RSS {r.peak_mb:.0f} MB (bound {BOUND_MB} MB)")
    if BY_KEY[key].expensive:
        if not (r.texts("error") or r.notices):
            wrong.append("no notice that the config was refused or shrunk to this server's limits")
        if r.job in ("stop failed", "timeout"):
            wrong.append("Stop did not end the job within 15 s" if r.job == "stop failed" else
                         "a job was still running with no Stop button")
        elif r.job == "stopped" and r.stop_s > STOP_S:
            wrong.append(f"Stop took {r.stop_s:.1f} s to end the job (at most {STOP_S} s)")
    if key == "k" and len(r.texts("warning")) > 3:
        wrong.append(f"{len(r.texts('warning'))} warning boxes for unknown link keys (one notice, please)")
    if key == "l3":
        refused = [t for t in r.texts("error") if "temp" in t]
        ran = [t for t in r.alerts if TRAINED.search(t[1])]
        if not refused and (not ran or any("diverged at step 0" in t for _, t in ran)):
            wrong.append("values of ±1e308 were neither scaled safely nor refused with a message naming "
                         f"the column: {[t for _, t in ran] or r.outcome}")
    return wrong


@pytest.mark.parametrize("key", KEYS)
def test_the_server_survives(lab, key):
    inp = BY_KEY[key]
    # Costly configs: long enough to see a notice and a first step, then Stop.
    r = deliver(lab, inp, limit_s=LIMIT_S, train_s=4 if inp.expensive else 25)
    RESULTS[key] = r
    wrong = failures(key, r)
    log = f"\n--- server log ---\n{lab.server.log_tail(2000)}" if r.died or r.exceeded else ""
    assert not wrong, (f"({key}) {inp.what}: " + "; ".join(wrong) +
                       f"\noutcome: {r.outcome} · peak {r.peak_mb:.0f} MB · {r.wall_s:.1f} s"
                       f"\nmessages: {r.alerts}\nnotes: {r.notes}{log}")
