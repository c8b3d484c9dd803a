"""Which pipeline stage an analyzer's recommendation means: exact, then fuzzy, then the first stage."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Words that name the pipeline rather than the step ("Qualified Lead" is the step "qualified").
_FILLER = frozenset({"lead", "leads", "stage", "the", "a"})
_FUZZY_CUTOFF = 0.8


class MatchRule(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Stage:
    id: int
    name: str
    position: int
    definition: str | None = None  # entry criteria the analyzer is given; None: judged by its name


def _words(name: str) -> tuple[str, ...]:
    return tuple(w for w in re.findall(r"[a-z0-9]+", name.casefold()) if w not in _FILLER)


def match_stage(recommended: str | None, stages: Sequence[Stage]) -> tuple[Stage, MatchRule]:
    if not stages:
        raise ValueError("a pipeline without stages cannot take contacts")
    wanted = (recommended or "").strip()
    for stage in stages:
        if stage.name.casefold() == wanted.casefold():
            return stage, MatchRule.EXACT
    if wanted:
        wanted_words = _words(wanted)
        by_words = {" ".join(_words(stage.name)): stage for stage in stages}
        key = " ".join(wanted_words)
        if key in by_words:
            return by_words[key], MatchRule.FUZZY
        containing = [s for s in stages if wanted_words and set(wanted_words) <= set(_words(s.name))]
        if len(containing) == 1:
            return containing[0], MatchRule.FUZZY
        close = difflib.get_close_matches(key, list(by_words), n=1, cutoff=_FUZZY_CUTOFF)
        if close:
            return by_words[close[0]], MatchRule.FUZZY
    return stages[0], MatchRule.FALLBACK
