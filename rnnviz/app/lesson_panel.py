"""The lesson on the Train page: what the config came from, where it shows, and each of its claims
checked on the student's own runs (a check or a cross, with the number), or what to change to check it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rnnviz.app import form, ui
from rnnviz.app.escape import md
from rnnviz.app.session import Session
from rnnviz.claims import Claim, ClaimResult
from rnnviz.config import FIELDS, RunConfig
from rnnviz.presets import PRESETS, Preset
from rnnviz.run import Run

# Where each lesson shows: (page, link label). Presets without an entry link nowhere.
PAGES: dict[str, tuple[str, str]] = {
    "first_lesson": ("pages/hidden.py", "Hidden states: the trajectory"),
    "vanishing": ("pages/gradients.py", "Gradients: through time"),
    "exploding": ("pages/gradients.py", "Gradients: the spike (opens at the largest norm)"),
    "lstm_adding": ("pages/compare.py", "Compare it with the vanishing run"),
    "gates_reber": ("pages/gates.py", "Gates: the forget gate and the cell state"),
    "gru_text": ("pages/hidden.py", "Hidden states: the text coloured by a unit"),
    "irnn": ("pages/gradients.py", "Gradients: through time"),
    "sentiment": ("pages/sentiment.py", "Decisions: the labels pull apart"),
    "dropout_text": ("pages/train.py", "Train: the Validation chart (training vs held-out loss)"),
    "char_rnn": ("pages/train.py", "Train: what the network writes, record by record"),
    "attention_reverse": ("pages/attention.py", "Attention: the matrix over training, accuracy by length"),
}

# Plain-text notation in lesson strings -> the same in LaTeX ($...$ renders in st.markdown).
MATH = [(re.compile(r"\|\|d(\w+?)/d(\w+?)\|\|"), r"$\\lVert \\partial \1 / \\partial \2 \\rVert$"),
        (re.compile(r"\bW_hh\b"), r"$W_{hh}$"), (re.compile(r"\b1/12\b"), r"$1/12$")]


def lesson_markdown(text: str) -> str:
    """A lesson's text as Markdown with its notation as math (||dL_T/dh_t|| -> a norm of a partial)."""
    text = text.replace("$", r"\$")
    for pattern, latex in MATH:
        text = pattern.sub(latex, text)
    return text


@dataclass(frozen=True)
class Check:
    """One claim of a lesson as the Train page shows it: checked on a run, or what to change."""

    claim: Claim
    result: ClaimResult | None  # None: no run of this session is the one the claim is about
    run: str = ""               # the name of the run it was checked on
    todo: str = ""              # where unchecked: what to train to check it


def change_words(changes: Mapping[str, Any]) -> str:
    """Config changes in words: {"clip_norm": 1.0} -> "gradient clipping on (max norm 1)"."""
    words = []
    for name, value in changes.items():
        if name == "clip_norm":
            words.append("gradient clipping off" if value is None
                         else f"gradient clipping on (max norm {value:g})")
        else:
            label = form.FORM[name].label if name in form.FORM else FIELDS[name].name.replace("_", " ")
            words.append(f"{label.lower()} {value}")
    return ", ".join(words)


def checks(preset: Preset, runs: Iterable[Run], base: RunConfig | None = None) -> list[Check]:
    """Each claim of `preset`, checked on the newest of `runs` (newest first) it is about: `base`
    (the preset's config as this server fits it; the preset's own by default) with its changes."""
    runs, base = list(runs), base or preset.config
    out = []
    for claim in preset.claims:
        run = next((r for r in runs if r.rows and claim.applies_to(r.config, base)), None)
        if run is not None and claim.against is not None:  # a comparing claim: the same seed's twin
            other = next((r for r in runs if r.rows and r.config == claim.other_config(
                base, run.config.seed)), None)
            if other is not None:
                out.append(Check(claim, claim(run, other), f"{run.name} against {other.name}"))
            else:
                out.append(Check(claim, None, todo=f"train the lesson as it is and with "
                                                   f"{change_words(claim.changes)}, on the same seed, "
                                                   "to check this"))
        elif run is not None:
            out.append(Check(claim, claim(run), run.name))
        elif claim.changes:
            out.append(Check(claim, None, todo=f"train the lesson with {change_words(claim.changes)} to "
                                                "check this"))
        else:
            out.append(Check(claim, None, todo="train the lesson's settings to check this"))
    return out


def check_line(check: Check) -> str:
    """One bullet: the claim's sentence, then ✓/✗ and the number from the run, or what to do."""
    text = md(check.claim.text)
    if check.result is None:
        return f"- {text}  \n  *Not checked yet: {md(check.todo)}.*"
    mark = ":green[✓]" if check.result.passed else ":red[✗]"
    return f"- {text}  \n  {mark} in {md(check.run)}: {md(check.result.detail)}"


def draw(session: Session, run: Run | None) -> None:
    """Above the Train page's charts: a too-short text's fix, then the lesson the config came from."""
    restore_text()
    preset = PRESETS.get(session.preset or "")
    if preset is None:
        return
    with st.container(border=True, key="lesson"):
        st.markdown(f"**Lesson: {md(preset.title)}**")
        st.markdown(lesson_markdown(preset.lesson))
        if preset.claims:
            st.markdown("**What to look for**")
            store = session.store
            runs = [store.runs[n] for n in store.names()]
            found = checks(preset, ([run] if run is not None else []) + runs, session.fit(preset.config)[0])
            st.markdown("\n".join(check_line(c) for c in found))
            for i, c in enumerate(found):
                if c.result is None and c.claim.changes and st.button(
                        f"Train with {change_words(c.claim.changes)}", key=f"lesson.try.{i}",
                        disabled=session.busy, icon=":material/play_arrow:"):
                    ui.start_job(c.claim.config(preset.config).replace(seed=session.cfg.seed), load=True)
                    session.preset = preset.name  # loading the config forgot it: it is still the lesson
                    st.rerun()
        if preset.name in PAGES:
            page, label = PAGES[preset.name]
            st.page_link(page, label=f"Where it shows — {label}", icon=":material/arrow_forward:")


def restore_text() -> None:
    """A text shorter than the sequence length needs: how long it must be, and the default back."""
    short = form.short_text(st.session_state)
    if short is None:
        return
    task, message = short
    st.warning(md(message, 1000))
    st.button("Restore the default text", key="restore_text", icon=":material/restart_alt:",
              on_click=_restore, args=(task,))  # a callback: it runs before the text widget is drawn


def _restore(task: str) -> None:
    st.session_state[f"w.opt.{task}.text"] = form.default_text(task)
