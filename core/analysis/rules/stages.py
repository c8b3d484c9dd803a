"""Mapping a funnel step onto whatever stage names a page's pipeline uses: by name, then by position."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from core.analysis.rules.vocabulary import Step

_STAGE_SYNONYMS: dict[Step, tuple[str, ...]] = {
    Step.NEW: ("new", "lead", "leads", "inbox", "incoming", "prospect", "prospects"),
    Step.CONTACTED: ("contacted", "replied", "engaged", "in conversation", "responded", "follow up"),
    Step.QUALIFIED: ("qualified", "interested", "hot", "warm"),
    Step.PROPOSAL: ("proposal", "quote", "quoted", "offer", "negotiation", "negotiating", "invoiced"),
    Step.WON: ("won", "closed won", "customer", "customers", "converted", "paid", "sold"),
    Step.LOST: ("lost", "closed lost", "dead", "unqualified", "disqualified", "not interested", "churned"),
}


@lru_cache(maxsize=1024)  # a page's few stage names, read for every contact
def _stage_step(name: str) -> Step | None:
    padded = " " + " ".join(re.findall(r"[a-z0-9]+", name.casefold())) + " "
    matched = [step for step, words in _STAGE_SYNONYMS.items() if any(f" {w} " in padded for w in words)]
    if Step.LOST in matched:  # "Dead lead", "Lost customer": the negative word is the point
        return Step.LOST
    # "Qualified Lead" and "Hot lead" name the later step; "lead" only says what the pipeline holds.
    return max(matched, default=None)


def _stage_ranks(steps: Sequence[Step | None]) -> dict[int, float]:
    """Each open (non-lost) stage's place on the funnel: its synonym's step, else interpolated by position."""
    open_positions = [i for i, step in enumerate(steps) if step is not Step.LOST]
    if not open_positions:
        return {}
    anchors = {i: float(step) for i, step in enumerate(steps) if step is not None and step is not Step.LOST}
    anchors.setdefault(open_positions[0], float(Step.NEW))  # the first stage is the entry stage
    anchors.setdefault(open_positions[-1], float(Step.WON))
    ranks = {}
    for i in open_positions:
        before = max(p for p in anchors if p <= i)
        after = min(p for p in anchors if p >= i)
        share = 0.0 if after == before else (i - before) / (after - before)
        ranks[i] = anchors[before] + (anchors[after] - anchors[before]) * share
    return ranks


def map_step_to_stage(step: Step, stages: Sequence[str]) -> str | None:
    """The stage of `stages` that best means `step`: by name, then by position; None only when empty."""
    if not stages:
        return None
    steps = [_stage_step(name) for name in stages]
    if step in steps:
        return stages[steps.index(step)]
    if step is Step.LOST:
        return stages[0]
    ranks = _stage_ranks(steps)
    # Only a sale may land in a won stage; everything short of it stays before.
    candidates = [i for i, rank in ranks.items() if step is Step.WON or rank < Step.WON]
    if not candidates:
        return stages[0]
    best = min(candidates, key=lambda i: (abs(ranks[i] - step), i))
    return stages[best]
