"""A Messenger name against an Instagram display name and username, in bits.

Each Messenger name token is credited once, by the best of what the Instagram side shows of it: the
same token in the display name or spelled in the username (its bits on the page), a nickname or a
short form (half of them), an initial (3 bits). A username that spells the name the display name
already gave adds a reason but no bits: a person's handle echoing their own name says nothing more
about the Messenger contact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.merge.fold import compatible
from core.merge.page import Folded, Page

INITIAL_BITS = 3.0  # "g.hopper": first letters are far from even, an initial narrows a name to an eighth
NICKNAME_SHARE = 0.5  # "Bill" for "William" is worth half the bits of the name
# Names that disagree: relatives or namesakes sharing one name, or wholly different names (less so
# when one side is a single word, which on Instagram is often a nickname or a brand).
FAMILY_BITS, DIFFERENT_NAMES_BITS, DIFFERENT_SINGLE_NAME_BITS = -9.0, -10.0, -4.0
SHORTEST_SPELLED = 3


@dataclass(frozen=True)
class NameMatch:
    evidence: list[tuple[float, str]]  # (bits, reason), in order
    family: bool  # a name in common but given names that differ: a household, a shop's staff


def compare(m: Folded, i: Folded, page: Page) -> NameMatch:
    if not m.name:
        return NameMatch([], False)
    display, nicknames, left_i = _display(m, i, page)
    handle, spelled = _handle(m, i, page)
    found = _agreement(m, i, display, nicknames, handle)
    credited = set(display) | set(handle)
    _cap_by_namesakes(m, i, page, found)
    # An initial or a nickname in the handle agrees with many names: it does not settle a display
    # name that says otherwise ("Mohammed Müller" @muller_m for Marco Müller).
    settled = set(display) | spelled
    if credited and m.generation != i.generation:
        shown = " / ".join(sorted(m.generation | i.generation))
        return NameMatch([*found, (FAMILY_BITS, f"but {shown}: a parent and child?")], True)
    return _disagreement(m, i, page, found, bool(credited), m.name - settled, left_i)


def _agreement(
    m: Folded,
    i: Folded,
    display: dict[str, float],
    nicknames: list[tuple[str, str]],
    handle: dict[str, float],
) -> list[tuple[float, str]]:
    """The evidence for: the display name's bits, then what the username adds to them."""
    found: list[tuple[float, str]] = []
    if display:
        what = f"same name: {m.shown}" if m.name == i.name else f"names agree: {m.shown} / {i.shown}"
        notes = ", ".join(f"{short} for {long}" for short, long in nicknames)
        found.append((math.fsum(display.values()), what + (f" ({notes})" if notes else "")))
    if handle:
        extra = math.fsum(max(0.0, bits - display.get(t, 0.0)) for t, bits in handle.items())
        which = "matches the name" if set(handle) == m.name else "has part of the name"
        found.append((extra, f"Instagram @{i.person.username} {which}"))
    return found


def _disagreement(
    m: Folded,
    i: Folded,
    page: Page,
    found: list[tuple[float, str]],
    credited: bool,
    left_m: frozenset[str] | set[str],
    left_i: set[str],
) -> NameMatch:
    """The evidence against: names on each side that the other does not account for."""
    in_handle = _other_names_in_handle(m, i, page) - i.name
    # A name in a script the folding does not romanise (Arabic, Hebrew, Devanagari...) is not a
    # different name from a Latin one: the two cannot be compared.
    if any(t.isascii() for t in m.name) != any(t.isascii() for t in i.name | in_handle):
        left_i, in_handle = set(), set()
    if not (left_m and (left_i or in_handle)):
        return NameMatch(found, False)
    different = f"different names: {m.shown} / {i.shown}"
    # A single-word display name ("seun", "Kiki") is as often a nickname as another person.
    full_names = len(m.name) > 1 and (len(i.name) > 1 or bool(in_handle))
    if credited and full_names:
        return NameMatch([*found, (FAMILY_BITS, f"but {different}")], True)
    if full_names:
        return NameMatch([*found, (DIFFERENT_NAMES_BITS, different)], False)
    return NameMatch([*found, (DIFFERENT_SINGLE_NAME_BITS, different)], False)


def _cap_by_namesakes(m: Folded, i: Folded, page: Page, found: list[tuple[float, str]]) -> None:
    """Others on the page with the same name (two Instagram "Tran Van Hung", a shop's accounts all
    called "Viajes Cóndor") prove it common, whatever its words' counts say: it is worth no more
    than a word that many people share."""
    shared = m.name & i.name
    others = page.namesakes(shared, m, i) if len(shared) > 1 else 0
    if not others:
        return
    cap = page.info_of_count(others + 2)
    total = math.fsum(bits for bits, _ in found)
    if total > cap:
        found[0] = (found[0][0] - (total - cap), f"{found[0][1]}, which {others} other people here share")


def _display(m: Folded, i: Folded, page: Page) -> tuple[dict[str, float], list[tuple[str, str]], set[str]]:
    """Bits per Messenger token the display name credits, the nicknames used, the display's other words."""
    credited = {t: page.info(t) for t in m.name & i.name}
    left = set(i.name - m.name)
    nicknames = []
    for t in sorted(m.name - i.name):
        match = next((b for b in sorted(left) if compatible(t, b)), None)
        if match:
            credited[t] = _compatible_bits(t, match, page)
            left.discard(match)
            nicknames.append((match, t) if len(match) <= len(t) else (t, match))
    return credited, nicknames, left


def _compatible_bits(a: str, b: str, page: Page) -> float:
    if min(len(a), len(b)) == 1:
        return INITIAL_BITS
    return NICKNAME_SHARE * min(page.info(a), page.info(b))


def _handle(m: Folded, i: Folded, page: Page) -> tuple[dict[str, float], set[str]]:
    """Bits per Messenger token the username credits (grace.hopper, gracehopper92, g.hopper,
    tamsin.ach), and the tokens it spells out in full."""
    parts = i.handle_parts
    spelled = {t for t in m.name if any(_spells(p, t, m, page) for p in parts)}
    credited = {t: page.info(t) for t in spelled}
    for t in sorted(m.name - spelled):
        if t[0] in parts or any(p in (t[0] + s, s + t[0]) for p in parts for s in spelled):
            credited[t] = INITIAL_BITS
        elif any(len(p) >= SHORTEST_SPELLED and compatible(t, p) for p in parts):
            credited[t] = NICKNAME_SHARE * page.info(t)
    return credited, spelled


def _spells(part: str, token: str, m: Folded, page: Page) -> bool:
    """ "gracehopper" spells "grace"; "christine" does not spell "chris": it is a name of its own."""
    if part == token:
        return True
    if len(token) < SHORTEST_SPELLED or token not in part:
        return False
    return page.names[part] == 0 or _made_of(part, m.name)


def _made_of(part: str, tokens: frozenset[str]) -> bool:
    for token in sorted(tokens, key=lambda t: (-len(t), t)):
        part = part.replace(token, "", 1)
    return len(part) <= 1  # an initial may be left: "ghopper"


def _other_names_in_handle(m: Folded, i: Folded, page: Page) -> set[str]:
    """Handle words that are someone's name on this page but not this Messenger person's: tomas.garcia
    for Tomas Smith. Words that name no one ("art", "nails", "official") are no conflict."""
    return {
        p
        for p in i.handle_parts
        if len(p) >= SHORTEST_SPELLED
        and page.names[p] > 0
        and not any(_spells(p, t, m, page) or compatible(t, p) for t in m.name)
    }
