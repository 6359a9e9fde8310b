"""The sentiment grammar: opinions about a film, with negation, intensifiers and neutral clauses.

A Sentence is the structure; `render` writes its words and `label` says what it means. The word
lists live in rnnviz/data/sentiment_grammar.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib.resources import files

import torch

WORDS = json.loads(files("rnnviz").joinpath("data", "sentiment_grammar.json").read_text(encoding="utf-8"))
NEGATIVE, POSITIVE = 0, 1
CLASSES = ["negative", "positive"]
MIN_LEN = 5        # "the plot wasn't good" and "the plot was not good" fit in any seq_len from 5
DRAWS = 12         # uniform numbers one sentence uses (see `draw`)
INTENSIFIED = 0.3  # share of opinions with "very", "really"...
FAR = 0.5          # share with a preamble ("i (do not) think") before the opinion
AT_ALL = 0.3       # share of negated opinions ending "at all"
CORRECTED = 0.25   # share of near negations corrected: "not bad , actually great"
# Words that negate, here and in a user's texts (contractions such as wasn't end in n't).
NEGATIONS = frozenset({"not", "never", "no", "nobody", "nothing", "none", "neither", "nor", "cannot"})
FILLER_WORDS = {k: [(c, len(c.split())) for c in WORDS[k]] for k in ("before", "after")}


def polarity(adjective: str) -> int:
    """POSITIVE or NEGATIVE: which list the adjective is in."""
    if adjective in WORDS["positive"]:
        return POSITIVE
    if adjective in WORDS["negative"]:
        return NEGATIVE
    raise ValueError(f"adjective: {adjective!r} is not in the grammar's word lists")


def is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


@dataclass(frozen=True)
class Sentence:
    """One opinion. `copula` indexes WORDS["copulas"] (or "negated_copulas" when negated and not
    far); `preamble` indexes WORDS["preambles"] (-1: none), its negated form when negated."""

    subject: str
    adjective: str
    negated: bool = False
    copula: int = 0
    preamble: int = -1
    intensifier: str = ""
    at_all: bool = False      # "... at all": only with a negation; keeps the meaning
    correction: str = ""      # ", actually <adjective>": only after a near negation
    before: str = ""          # a neutral clause before the opinion
    after: str = ""           # a neutral clause after it: the deciding words move away from the end


def render(s: Sentence) -> list[str]:
    """The sentence's words, e.g. ['the', 'plot', 'was', 'not', 'good', 'at', 'all']."""
    words = [*s.before.split(), ","] if s.before else []
    if s.preamble >= 0:
        words += WORDS["preambles"][s.preamble][int(s.negated)].split()
    copulas = WORDS["negated_copulas"] if s.negated and s.preamble < 0 else WORDS["copulas"]
    words += ["the", s.subject, *copulas[s.copula].split(), *s.intensifier.split(), s.adjective]
    words += ["at", "all"] if s.at_all else []
    words += [",", "actually", s.correction] if s.correction else []
    return words + ([",", *s.after.split()] if s.after else [])


def label(s: Sentence) -> int:
    """Negation flips the adjective; intensifiers, "at all" and neutral clauses keep it; a
    correction ("not bad , actually great") says it outright."""
    if s.correction:
        return polarity(s.correction)
    return polarity(s.adjective) ^ int(s.negated)


def pick(options: list[str], u: float) -> str:
    return options[min(int(u * len(options)), len(options) - 1)]


def draw(index: int, u: list[float], seq_len: int, filler: float) -> Sentence:
    """The sentence made from DRAWS uniform numbers `u`, at most `seq_len` words long. Batches are
    stratified by `index`: odd ones negated, labels alternating in pairs, so every batch of four
    has each (label, negated) pair once. What does not fit goes: extras first, then fillers."""
    negated, wanted = index % 2 == 1, (index // 2) % 2
    adjective = pick(WORDS["positive" if wanted ^ negated else "negative"], u[1])
    far, at_all = u[3] < FAR, negated and u[5] < AT_ALL
    copulas = WORDS["copulas"] if far or not negated else WORDS["negated_copulas"]
    s = Sentence(
        subject=pick(WORDS["subjects"], u[0]), adjective=adjective, negated=negated,
        copula=min(int(u[4] * len(copulas)), len(copulas) - 1),
        preamble=min(int(u[4] * len(WORDS["preambles"])), len(WORDS["preambles"]) - 1) if far else -1,
        intensifier=pick(WORDS["intensifiers"], u[2] / INTENSIFIED) if u[2] < INTENSIFIED else "",
        at_all=at_all,
        correction=pick(WORDS["positive" if wanted else "negative"], u[7])
        if negated and not far and not at_all and u[6] < CORRECTED else "")
    for simpler in ({"correction": ""}, {"at_all": False}, {"intensifier": ""},
                    {"preamble": -1, "copula": 0}, {"copula": 1 if negated else 0}):
        if len(render(s)) <= seq_len:
            break
        s = replace(s, **simpler)
    for where, chance, which in (("after", u[8], u[9]), ("before", u[10], u[11])):
        room = seq_len - len(render(s)) - 1  # the comma
        fitting = [c for c, n in FILLER_WORDS[where] if n <= room]
        if chance < filler and fitting:
            s = replace(s, **{where: pick(fitting, which)})
    return s


def sentences(batch_size: int, seq_len: int, filler: float,
              generator: torch.Generator) -> list[Sentence]:
    """`batch_size` sentences drawn with `generator` only (one call for all their numbers)."""
    u = torch.rand(batch_size, DRAWS, generator=generator, dtype=torch.float64).tolist()
    return [draw(i, row, seq_len, filler) for i, row in enumerate(u)]


def vocabulary() -> list[str]:
    """Every word the grammar can write, sorted."""
    lists = [WORDS[k] for k in ("subjects", "positive", "negative", "intensifiers", "copulas",
                                "negated_copulas", "before", "after")]
    phrases = [p for group in lists for p in group] + [p for pair in WORDS["preambles"] for p in pair]
    return sorted({w for p in phrases for w in p.split()} | {"the", "at", "all", ",", "actually"})
