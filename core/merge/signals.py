"""The evidence that a Messenger person and an Instagram person are one, in bits (log2 of a likelihood
ratio), each with the reason a reviewer reads.

A name is worth the bits of its tokens on this page: a token a third of the page shares is worth
1.6 bits, one only this pair has ~log2(page size / 2). Against that, the prior bits say that any one
pair out of a page's Messenger x Instagram contacts is unlikely to be one person, so a common name, or
a first name alone, never clears the threshold by itself. A phone, an email or a picture picks out one
person when nobody else on the page wrote it; shared by a family or a shop's staff, it says little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.merge.details import is_role_email
from core.merge.fold import compatible
from core.merge.page import Folded, Page

# log2 of the share of contacts that write on both platforms (about one in eight).
PRIOR_BITS = -3.0
# A unique identifier picks out one person among the other platform's contacts, and this much more.
PHONE_BITS, EMAIL_BITS, ROLE_EMAIL_BITS, PICTURE_BITS = 8.0, 9.0, 1.0, 8.0
INITIAL_BITS = 2.0  # "g.hopper": an initial narrows a name to about a quarter
NICKNAME_SHARE = 0.5  # "Bill" for "William" is worth half the bits of the name
# Names that disagree: two people sharing a family name, or wholly different names.
FAMILY_BITS, DIFFERENT_NAMES_BITS, DIFFERENT_HANDLE_NAME_BITS = -9.0, -10.0, -4.0
# Conversations that began close together, or one platform's beginning as the other's ended.
TIMING_WINDOW = timedelta(days=1)
TIMING_MAX_BITS = 4.0
TIMING_SAME_PERSON_SHARE = 0.25  # of real pairs, roughly, that begin within such a gap


@dataclass
class Evidence:
    bits: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, bits: float, reason: str) -> None:
        self.bits += bits
        self.reasons.append(reason)


def evidence(m: Folded, i: Folded, page: Page) -> Evidence:
    others = max(page.counts["messenger"], page.counts["instagram"], 1)
    found = Evidence(PRIOR_BITS - math.log2(others))
    _names(m, i, page, found)
    _identifiers(m, i, page, others, found)
    _timing(m, i, page, found)
    return found


def _names(m: Folded, i: Folded, page: Page, found: Evidence) -> None:
    shared = m.name & i.name
    only_m, only_i = sorted(m.name - shared), sorted(i.name - shared)
    nicknames = [(a, b) for a in only_m for b in only_i if compatible(a, b)]
    paired_m, paired_i = {a for a, _ in nicknames}, {b for _, b in nicknames}
    display = sum(page.info(t) for t in shared) + sum(_compatible_bits(a, b, page) for a, b in nicknames)
    handle, handle_reason = _handle(m, i, page)
    shown = _shown(m)
    if display >= handle and (shared or nicknames):
        whole = not only_m and not only_i
        what = "same name" if whole and len(shared) > 1 else "same first name" if whole else "names agree"
        found.add(display, f"{what}: {shown}" + (f" ({i.person.first_name})" if nicknames else ""))
    if handle > 0 and handle_reason and handle >= display:
        found.add(handle, handle_reason)
    elif handle > 0 and handle_reason:
        found.add(1.0, handle_reason)  # the handle agrees with a name already counted: a little more
    unmatched_m, unmatched_i = set(only_m) - paired_m, set(only_i) - paired_i
    if unmatched_m and unmatched_i:
        if shared or nicknames:
            found.add(FAMILY_BITS, f"but different names: {shown} / {_shown(i)}")
        elif len(m.name) > 1 and len(i.name) > 1 and not handle:
            found.add(DIFFERENT_NAMES_BITS, f"different names: {shown} / {_shown(i)}")
        else:
            found.add(DIFFERENT_HANDLE_NAME_BITS, f"different names: {shown} / {_shown(i)}")


def _compatible_bits(a: str, b: str, page: Page) -> float:
    if min(len(a), len(b)) == 1:
        return INITIAL_BITS
    return NICKNAME_SHARE * min(page.info(a), page.info(b))


def _handle(m: Folded, i: Folded, page: Page) -> tuple[float, str | None]:
    """The Instagram username against the Messenger name: grace.hopper, gracehopper92, g.hopper."""
    if not i.handle or not m.name:
        return 0.0, None
    spelled = {t for t in m.name if (len(t) >= 3 and t in i.handle) or t in i.handle_parts}
    if not spelled:
        return 0.0, None
    bits = sum(page.info(t) for t in spelled)
    rest = m.name - spelled
    initials = {t for t in rest if t[0] in i.handle_parts or any(i.handle.startswith(t[0] + s) for s in spelled)}
    bits += INITIAL_BITS * len(initials)
    if len(spelled) + len(initials) < 2:
        bits = min(bits, page.info(next(iter(spelled))))
    which = "matches the name" if not rest - initials else "has part of the name"
    return bits, f"Instagram @{i.person.username} {which}"


def _identifiers(m: Folded, i: Folded, page: Page, others: int, found: Evidence) -> None:
    for phone in sorted(m.phones & i.phones):
        found.add(*_identifier(PHONE_BITS, "same phone number", page.phones[phone], others))
    for email in sorted(m.person.emails & i.person.emails):
        if is_role_email(email):
            found.add(ROLE_EMAIL_BITS, f"same shared mailbox: {email}")
        else:
            found.add(*_identifier(EMAIL_BITS, "same email address", page.emails[email], others))
    if m.picture and m.picture == i.picture and page.pictures[m.picture] <= 2:  # more: a default avatar
        found.add(math.log2(others) + PICTURE_BITS, "same profile picture")


def _identifier(bits: float, reason: str, writers: int, others: int) -> tuple[float, str]:
    """Written by this pair alone, an identifier is one person's. Written by more (a household's phone,
    a shop's), it only narrows the pair down to those who wrote it."""
    if writers <= 2:
        return math.log2(others) + bits, reason
    return math.log2(others / (writers - 1)), f"{reason}, which {writers - 2} other people wrote too"


def _timing(m: Folded, i: Folded, page: Page, found: Evidence) -> None:
    a, b = m.person, i.person
    best: tuple[float, str] | None = None
    if a.first_message_at and b.first_message_at:
        gap = abs(a.first_message_at - b.first_message_at)
        if gap <= TIMING_WINDOW:
            bits = _timing_bits(page, a.first_message_at, b.first_message_at, gap)
            best = (bits, f"first messages {_duration(gap)} apart")
    for earlier, later, then, now in ((a, b, "Messenger", "Instagram"), (b, a, "Instagram", "Messenger")):
        if earlier.last_message_at and later.first_message_at:
            gap = later.first_message_at - earlier.last_message_at
            if timedelta(0) <= gap <= TIMING_WINDOW:
                bits = _timing_bits(page, earlier.last_message_at, later.first_message_at, gap)
                if best is None or bits > best[0]:
                    best = (bits, f"the {now} conversation began {_duration(gap)} after the {then} one's last message")
    if best and best[0] > 0:
        found.add(*best)


def _timing_bits(page: Page, start: datetime, end: datetime, gap: timedelta) -> float:
    """How surprising the gap is on this page: how few conversations on each platform began in it."""
    low, high = min(start, end), max(start, end)
    pad = max(timedelta(minutes=1) - gap, timedelta(0)) / 2
    bits = TIMING_MAX_BITS
    for platform in ("messenger", "instagram"):
        began = max(page.starts_between(platform, low - pad, high + pad), 1)
        bits = min(bits, math.log2(TIMING_SAME_PERSON_SHARE * max(len(page.starts[platform]), 1) / began))
    return bits


def _duration(gap: timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} hours"


def _shown(f: Folded) -> str:
    return " ".join(p for p in (f.person.first_name, f.person.last_name) if p) or "(no name)"
