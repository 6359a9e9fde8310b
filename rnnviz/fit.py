"""Shrinking a config until its estimated cost fits a server's limits, saying what changed and why."""

from __future__ import annotations

from rnnviz.config import RunConfig
from rnnviz.cost import Cost, Machine, estimate
from rnnviz.tasks import Task, make_task

# In the order a teacher would give things up: first what changes nothing about training (how
# often we look inside), then what changes only the noise of each step (batch size), then extras
# of the architecture, then the length of training, and last what defines the lesson (the model's
# width, the sequence length). (field, floor, words)
MOVES: tuple[tuple[str, int, str], ...] = (
    ("record_every", 0, "steps between looks inside the model"),
    ("probe_size", 4, "example sequences we look inside"),
    ("batch_size", 8, "batch size"),
    ("num_layers", 1, "number of layers"),
    ("bidirectional", 0, "reading in both directions"),
    ("steps", 100, "training steps"),
    ("hidden_size", 16, "hidden size"),
    ("seq_len", 10, "sequence length"),
)


def size_words(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.0f} MB"


def time_words(seconds: float) -> str:
    """A duration as a student reads it: "under a second", "40 s", "12 minutes", "2.5 hours"."""
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} hours" if seconds < 36000 else f"{seconds / 3600:,.0f} hours"
    if seconds < 1:
        return "under a second"
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} s"


def problems(cost: Cost, max_bytes: float, max_seconds: float, max_step_seconds: float) -> list[str]:
    """What exceeds a limit, in words ([] when the cost fits)."""
    found = []
    if cost.peak_bytes > max_bytes:
        found.append(f"needs about {size_words(cost.peak_bytes)} of memory, more than this "
                     f"server's {size_words(max_bytes)} for one run")
    if cost.total_seconds > max_seconds:
        found.append(f"would take about {time_words(cost.total_seconds)}, more than this server's "
                     f"{time_words(max_seconds)} for one run")
    if cost.seconds_per_step > max_step_seconds:
        found.append(f"takes about {cost.seconds_per_step:.1f} s per step, so Stop could not act "
                     f"within {max_step_seconds:g} s")
    return found


def fits(cfg: RunConfig, max_bytes: float, max_seconds: float, max_step_seconds: float = 1.0,
         machine: Machine | None = None, task: Task | None = None) -> tuple[bool, str]:
    """Whether `cfg`'s estimated cost is within the limits, and if not, why in words."""
    found = problems(estimate(cfg, task, machine), max_bytes, max_seconds, max_step_seconds)
    return (not found), ("the run " + " and ".join(found) if found else "")


def _smaller(cfg: RunConfig, name: str, floor: int) -> RunConfig | None:
    """One notch down for `name` (None at its floor): halve sizes, drop a layer, fewer records."""
    value = getattr(cfg, name)
    if name == "bidirectional":
        return cfg.replace(bidirectional=False) if value else None
    if name == "num_layers":
        return cfg.replace(num_layers=value - 1) if value > floor else None
    if name == "record_every":
        if cfg.steps // value <= 2:
            return None
        return cfg.replace(record_every=min(2 * value, cfg.steps))
    if value <= floor:
        return None
    return cfg.replace(**{name: max(floor, value // 2)})


def shrink_to_fit(cfg: RunConfig, max_bytes: float, max_seconds: float, max_step_seconds: float = 1.0,
                  machine: Machine | None = None, task: Task | None = None
                  ) -> tuple[RunConfig, list[str]]:
    """Lower the config, in MOVES order, until its estimate fits; return it and sentences saying
    what changed and why. A move is kept only if it lowers what exceeds a limit; the number of
    steps is lowered only once memory and the time of one step fit. ValueError if nothing fits."""
    task = task if task is not None else make_task(cfg)  # sizes (vocabulary) do not change below
    cost = first = estimate(cfg, task, machine)
    if not problems(cost, max_bytes, max_seconds, max_step_seconds):
        return cfg, []
    original, changed = cfg, True
    while changed and problems(cost, max_bytes, max_seconds, max_step_seconds):
        changed = False
        for name, floor, _ in MOVES:
            while problems(cost, max_bytes, max_seconds, max_step_seconds):
                over_memory = cost.peak_bytes > max_bytes
                over_step = cost.seconds_per_step > max_step_seconds
                if name == "steps":  # a shorter run only once the rest fits, and just short enough
                    if over_memory or over_step or cost.total_seconds <= max_seconds or cfg.steps <= floor:
                        break
                    scale = max_seconds / cost.total_seconds
                    smaller = cfg.replace(steps=max(floor, min(cfg.steps - 1, int(cfg.steps * scale * 0.97))))
                else:
                    smaller = _smaller(cfg, name, floor)
                if smaller is None:
                    break
                new = estimate(smaller, task, machine)
                if not ((over_memory and new.peak_bytes < cost.peak_bytes)
                        or (cost.total_seconds > max_seconds and new.total_seconds < cost.total_seconds)
                        or (over_step and new.seconds_per_step < cost.seconds_per_step)):
                    break
                cfg, cost, changed = smaller, new, True
    found = problems(cost, max_bytes, max_seconds, max_step_seconds)
    if found:
        raise ValueError(f"config: even the smallest version of this run {' and '.join(found)}; "
                         "choose a smaller task or model")
    notices = [f"{words} {'raised' if name == 'record_every' else 'lowered'} from "
               f"{_show(getattr(original, name))} to {_show(getattr(cfg, name))}"
               for name, _, words in MOVES if getattr(original, name) != getattr(cfg, name)]
    notices.append(f"so the run fits this server's limits for one run ({size_words(max_bytes)} of memory, "
                   f"{time_words(max_seconds)}, Stop within {max_step_seconds:g} s): as set it needed about "
                   f"{size_words(first.peak_bytes)} and {time_words(first.total_seconds)} "
                   f"({first.seconds_per_step:.1f} s per step), now about {size_words(cost.peak_bytes)} "
                   f"and {time_words(cost.total_seconds)}")
    return cfg, notices


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:,}" if isinstance(value, int) else str(value)
