"""Pairs of one page's contacts, one on Messenger and one on Instagram, that may be the same person.

Pairs are found by blocking, never by comparing everyone with everyone: two people are compared only
when they share a folded name, a rare name token, a phone, an email or a picture, or when the
Instagram username spells a Messenger name token. A page of 10,000 contacts a platform is scored in
seconds. Each blocked pair is then scored on every signal (core.merge.signals).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import permutations

from core.graph import Platform
from core.merge.page import Folded, Page, fold
from core.merge.signals import evidence

# Tuned on the labelled pages (tests/merge_eval.py): a full name rare on the page clears it, a common
# one or a first name with close timing does not.
SUGGEST_THRESHOLD = 0.7
DEFAULT_FLOOR = 0.05
# A key shared by more pairs than this is too common to be worth comparing on by itself (a first
# name half the page has, a default avatar): such pairs cannot reach the floor on names and timing,
# and the pairs that matter share something rarer as well.
BLOCK_PAIRS_CAP = 100
SHORTEST_SPELLED_TOKEN = 3


@dataclass(frozen=True)
class Person:
    contact_id: int
    platform: Platform
    first_name: str | None
    last_name: str | None
    username: str | None  # Instagram username (None on Messenger)
    profile_pic_url: str | None
    first_message_at: datetime | None  # their first message on this platform (tz-aware)
    last_message_at: datetime | None
    phones: frozenset[str] = frozenset()  # normalised, as returned by contact_details
    emails: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    messenger: Person
    instagram: Person
    score: float  # 0..1
    reasons: tuple[str, ...]


def find_candidates(people: Sequence[Person], *, floor: float = DEFAULT_FLOOR) -> list[Candidate]:
    """Every (Messenger person, Instagram person) pair of ONE page scoring >= floor, best first.

    `people` is all of the page's contacts on both platforms (a contact that already has both ids is
    not passed). Name commonness is measured on `people` itself.
    """
    folded = [fold(p) for p in people]
    page = Page(folded)
    messenger = [f for f in folded if f.person.platform == "messenger"]
    instagram = [f for f in folded if f.person.platform == "instagram"]
    found = []
    for m, i in _blocked_pairs(messenger, instagram):
        proof = evidence(messenger[m], instagram[i], page)
        score = 1.0 / (1.0 + math.pow(2.0, -proof.bits))
        if score >= floor:
            found.append(Candidate(messenger[m].person, instagram[i].person, round(score, 4), tuple(proof.reasons)))
    found.sort(key=lambda c: (-c.score, c.messenger.contact_id, c.instagram.contact_id))
    return found


def _blocked_pairs(messenger: Sequence[Folded], instagram: Sequence[Folded]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    keyings = (
        (_name_keys, _name_keys),
        (_token_keys, _token_keys),
        (_identifier_keys, _identifier_keys),
        (_spelled_keys, _handle_keys),
    )
    for keys_m, keys_i in keyings:
        index_m = _index(messenger, keys_m)
        index_i = _index(instagram, keys_i)
        for key, ms in index_m.items():
            is_ = index_i.get(key)
            if is_ and len(ms) * len(is_) <= BLOCK_PAIRS_CAP:
                pairs.update((m, i) for m in ms for i in is_)
    pairs.update(_handle_token_pairs(messenger, instagram))
    return pairs


def _index(people: Sequence[Folded], keys: Callable[[Folded], Iterable[Hashable]]) -> dict[Hashable, list[int]]:
    index: dict[Hashable, list[int]] = defaultdict(list)
    for n, f in enumerate(people):
        for key in keys(f):
            index[key].append(n)
    return index


def _name_keys(f: Folded) -> Iterable[Hashable]:
    return [("name", tuple(sorted(f.name)))] if len(f.name) > 1 else []


def _token_keys(f: Folded) -> Iterable[Hashable]:
    return [("token", t) for t in f.name if len(t) > 1]


def _identifier_keys(f: Folded) -> Iterable[Hashable]:
    keys: list[Hashable] = [("phone", p) for p in f.phones]
    keys += [("email", e) for e in f.person.emails]
    if f.picture:
        keys.append(("picture", f.picture))
    return keys


def _spelled_keys(f: Folded) -> Iterable[Hashable]:
    """The handles a Messenger name is spelled as: gracehopper, hoppergrace, ghopper, graceh."""
    tokens = sorted(t for t in f.name if len(t) > 1)
    if len(tokens) < 2 or len(tokens) > 4:
        return []
    spelled = {"".join(order) for order in permutations(tokens)}
    spelled |= {a[0] + b for a, b in permutations(tokens, 2)} | {a + b[0] for a, b in permutations(tokens, 2)}
    return [("handle", s) for s in spelled]


def _handle_keys(f: Folded) -> Iterable[Hashable]:
    return [("handle", f.handle)] if f.handle else []


def _handle_token_pairs(messenger: Sequence[Folded], instagram: Sequence[Folded]) -> set[tuple[int, int]]:
    """Handles that spell a Messenger name token somewhere inside ("itsgracehopper", "hopper.art")."""
    by_token: dict[str, list[int]] = defaultdict(list)
    for n, f in enumerate(messenger):
        for t in f.name:
            if len(t) >= SHORTEST_SPELLED_TOKEN:
                by_token[t].append(n)
    longest = max(map(len, by_token), default=0)
    spelling: dict[str, set[int]] = defaultdict(set)
    for i, f in enumerate(instagram):
        handle = f.handle
        for start in range(len(handle)):
            for end in range(start + SHORTEST_SPELLED_TOKEN, min(len(handle), start + longest) + 1):
                if handle[start:end] in by_token:
                    spelling[handle[start:end]].add(i)
    pairs: set[tuple[int, int]] = set()
    for token, is_ in spelling.items():
        ms = by_token[token]
        if len(ms) * len(is_) <= BLOCK_PAIRS_CAP:
            pairs.update((m, i) for m in ms for i in is_)
    return pairs
