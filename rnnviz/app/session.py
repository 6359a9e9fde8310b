"""Session: everything one browser session owns, in one typed object (plain Python, no streamlit).

The config has one source of truth, `Session.cfg`, and one direction of sync:

    link / preset / retrain / run file --load()--> cfg --widget_values()--> w.* widgets
    w.* widgets --Train form--> take_form() --> cfg --encode--> URL

Every config that enters (load) or trains (start) goes through `fit`, so the widgets, the URL
and the trainer never hold a value outside this server's limits."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from rnnviz.app import form, urlstate
from rnnviz.app.job import TrainingJob
from rnnviz.app.limits import Limits, fit_limits
from rnnviz.app.runstore import Note, RunStore
from rnnviz.app.settings import Settings
from rnnviz.app.slots import TrainerSlots
from rnnviz.config import RunConfig


def fit(cfg: RunConfig, limits: Limits, devices: Collection[str]) -> tuple[RunConfig, list[str]]:
    """Any config -> the nearest one this server runs, with a notice per change: an absent device
    to auto, then `limits.fit_limits` (ranges, records, estimated memory and time)."""
    notices: list[str] = []
    if cfg.device not in ("auto", *devices):
        notices.append(f"device: {cfg.device} is not available here; using auto")
        cfg = cfg.replace(device="auto")
    fitted, more = fit_limits(cfg, limits)
    return fitted, notices + more


@dataclass
class Session:
    """One browser session: its config, link options, runs, job and one-time notices."""

    store: RunStore
    limits: Limits
    devices: tuple[str, ...]
    settings: Settings = field(default_factory=Settings.from_env)
    cfg: RunConfig = field(default_factory=RunConfig)
    preset: str | None = None                  # the lesson the config came from (the link names it)
    hide: frozenset[str] = frozenset()          # controls the link hides
    presenter: bool = False
    job: TrainingJob | None = None              # at most one, queued or training
    compare_with: str | None = None             # compare the job's run with this one when it is kept
    compare_pick: list[str] = field(default_factory=list)  # runs Compare selects on its next draw
    flash: list[Note] = field(default_factory=list)        # plain-text notices shown once
    seen_uploads: set[str] = field(default_factory=set)
    widgets_stale: bool = True                  # the widgets take cfg's values on their next draw
    link_notices: list[str] = field(default_factory=list)  # what the link got wrong: one summary
    _fit_notices: list[str] = field(default_factory=list, repr=False)
    _refitted: RunConfig | None = field(default=None, repr=False)  # the form's last refit

    @classmethod
    def from_link(cls, params: Mapping[str, Any], limits: Limits, devices: tuple[str, ...],
                  settings: Settings | None = None) -> Session:
        """A new session as the link asks; what the link got wrong becomes `link_notices`."""
        settings = settings or Settings.from_env()
        state = urlstate.parse(params, limits, devices)
        session = cls(RunStore.from_env(), limits, devices, settings, hide=frozenset(state.hide),
                      presenter=state.presenter)
        session.link_notices = list(state.notices)
        session.load(state.config, state.preset, tell=False)
        session.link_notices += session._fit_notices
        return session

    @property
    def busy(self) -> bool:
        return self.job is not None

    def fit(self, cfg: RunConfig) -> tuple[RunConfig, list[str]]:
        return fit(cfg, self.limits, self.devices)

    def load(self, cfg: RunConfig, preset: str | None = None, tell: bool = True) -> RunConfig:
        """Make `cfg`, fitted to the limits, the config; the widgets take it on their next draw."""
        cfg, self._fit_notices = self.fit(cfg)
        if tell:
            self.flash += [("info", n) for n in self._fit_notices]
        self.cfg, self.preset, self.widgets_stale = cfg, preset, True
        return cfg

    def widget_values(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Config -> widgets: what to write into the widgets' state before they are drawn (all of
        cfg's values after a load, else only widgets that have no state yet)."""
        values = form.widget_state(self.cfg, state, pending=self.widgets_stale)
        self.widgets_stale = False
        return values

    def take_form(self, cfg: RunConfig, notices: list[str]) -> bool:
        """Widgets -> config: keep the form's (fitted) config. If fitting changed what the widgets
        show, they take it back (the notices told once) and this returns True: draw them again.
        Not twice in a row for the same config, so a fit that is not idempotent cannot loop."""
        refit = bool(notices) and cfg != self._refitted
        self.cfg, self._refitted = cfg, cfg if refit else None
        if refit:
            self.widgets_stale = True
            self.flash += [("info", n) for n in notices]
        return refit

    def start(self, cfg: RunConfig, slots: TrainerSlots, label: str = "", compare_with: str | None = None,
              load: bool = False, alive: Callable[[], bool] | None = None) -> TrainingJob | None:
        """Train `cfg`, fitted to the limits, in the background: one job per session (else a notice
        and None). With `load`, it also becomes the config of the Train form."""
        if self.busy:
            self.flash.append(("warning", "A run is already training: stop it or wait for it to finish."))
            return None
        cfg, notices = self.fit(cfg)
        self.flash += [("info", n) for n in notices]
        if load:
            self.load(cfg, tell=False)
        self.job = TrainingJob(cfg, slots, label=label, settings=self.settings, alive=alive).start()
        self.compare_with = compare_with
        return self.job

    def collect(self) -> None:
        """A finished job's run goes into the store, with what to tell the student."""
        job = self.job
        if job is None or not job.done:
            return
        self.job = None
        notes, pick = self.store.collect(job, self.compare_with)
        self.compare_with = None
        self.flash += notes
        if pick:
            self.compare_pick = pick

    def new_upload(self, file_id: str) -> bool:
        """True the first time an uploaded file is seen: a rerun does not read it again."""
        if file_id in self.seen_uploads:
            return False
        self.seen_uploads.add(file_id)
        return True

    def take_flash(self) -> list[Note]:
        notes, self.flash = self.flash, []
        return notes
