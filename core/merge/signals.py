"""The evidence that a Messenger person and an Instagram person are one, in bits (log2 of a likelihood
ratio), each with the reason a reviewer reads.

A name is worth the bits of its tokens on this page (core.merge.names): a token a third of the page
shares is worth 1.6 bits, one only this pair has about log2(page size). Against that, the prior says
that any one pair out of a page's Messenger x Instagram contacts is unlikely to be one person, so a
common name, or a first name alone, never clears the threshold by itself. A phone, an email or a
picture picks out one person when nobody else on the page wrote it; shared by a household or a
shop's staff, it only narrows the pair down to those who share it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.merge.details import is_role_email
from core.merge.names import compare
from core.merge.page import Folded, Page

# log2 of the share of contacts that write on both platforms (about one in eight).
PRIOR_BITS = -3.0
# A unique identifier picks out one person among the other platform's contacts, and this much more.
PHONE_BITS, EMAIL_BITS, PICTURE_BITS = 8.0, 9.0, 8.0
ROLE_EMAIL_BITS = 1.0  # info@, hello@: a shop's mailbox, which its staff share
# Relatives give the home number: with a family's names, a phone says little. (An email is kept: more
# often a person's own, and a nickname the table lacks would otherwise lose it: "Ify" for "Ifeoma".)
HOUSEHOLD_BITS = 2.0
# Conversations that began close together, or one platform's beginning as the other's ended. Of the
# real pairs, about this share begin within each gap, and at most these bits are given for it.
# Capped below what a first name lacks to clear the threshold: a first name and close timing are
# not enough on their own.
TIMING = ((timedelta(minutes=15), 0.2, 2.0), (timedelta(hours=2), 0.1, 1.5), (timedelta(days=1), 0.05, 0.75))
TIMING_LONGEST = TIMING[-1][0]


@dataclass
class Evidence:
    bits: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, bits: float, reason: str) -> None:
        self.bits += bits  # in a fixed order (names, identifiers, timing): the same score every run
        self.reasons.append(reason)


def evidence(m: Folded, i: Folded, page: Page) -> Evidence:
    others = max(page.counts["messenger"], page.counts["instagram"], 1)
    found = Evidence(PRIOR_BITS - math.log2(others))
    names = compare(m, i, page)
    for bits, reason in names.evidence:
        found.add(bits, reason)
    _identifiers(m, i, page, others, names.family, found)
    _timing(m, i, page, found)
    return found


def _identifiers(m: Folded, i: Folded, page: Page, others: int, family: bool, found: Evidence) -> None:
    for phone in sorted(m.phones & i.phones):
        if family:
            found.add(HOUSEHOLD_BITS, "same phone number, as a household's")
        else:
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
    best: tuple[float, str] = (0.0, "")
    if a.first_message_at and b.first_message_at:
        gap = abs(a.first_message_at - b.first_message_at)
        if gap <= TIMING_LONGEST:
            low, high = sorted((a.first_message_at, b.first_message_at))
            best = max(best, (_timing_bits(page, low - gap, high + gap, gap), f"first messages {_duration(gap)} apart"))
    for earlier, later, then, now in ((a, b, "Messenger", "Instagram"), (b, a, "Instagram", "Messenger")):
        if earlier.last_message_at and later.first_message_at:
            gap = later.first_message_at - earlier.last_message_at
            if timedelta(0) <= gap <= TIMING_LONGEST:
                bits = _timing_bits(page, earlier.last_message_at, later.first_message_at, gap)
                if bits > best[0]:
                    best = (bits, f"the {now} conversation began {_duration(gap)} after the {then} one's last message")
    if best[0] > 0:
        found.add(*best)


def _timing_bits(page: Page, start: datetime, end: datetime, gap: timedelta) -> float:
    """How much likelier the gap is for one person than for two: the share of real pairs that begin
    within it, over the share of the other platform's conversations that began in the window."""
    window = next(((share, cap) for within, share, cap in TIMING if gap <= within), None)
    if window is None:
        return 0.0
    share, cap = window
    pad = timedelta(seconds=30)
    bits = cap
    for platform in ("messenger", "instagram"):
        total = max(len(page.starts[platform]), 1)
        began = page.starts_between(platform, start - pad, end + pad) - 1  # less the pair's own
        expected = total * ((end - start) + 2 * pad).total_seconds() / page.span_seconds
        bits = min(bits, math.log2(share * total / max(began, expected, 0.5)))
    return max(bits, 0.0)


def _duration(gap: timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} hours"
