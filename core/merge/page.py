"""One page's people, indexed once: folded names, how common each name token and identifier is, and
when each platform's conversations began, so that a pair is scored against its page."""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from core.merge.details import phone_key
from core.merge.fold import GENERATIONS, name_tokens, username_letters, username_parts

if TYPE_CHECKING:
    from core.merge.candidates import Person


@dataclass(frozen=True)
class Folded:
    """What comparison needs of one person, computed once."""

    person: Person
    name: frozenset[str]  # the display name's tokens
    generation: frozenset[str]  # "jr", "sr"... from the name or the handle
    handle: str  # the username's letters ("" on Messenger)
    handle_parts: tuple[str, ...]
    phones: frozenset[str]  # phone keys (the last nine digits)
    picture: str | None
    shown: str  # the name as a reviewer reads it


def picture_key(url: str | None) -> str | None:
    """The picture's file name: Meta's CDN serves one picture under many hosts, sizes and signatures."""
    if not url:
        return None
    path = urlsplit(url).path.rstrip("/")
    name = path.rsplit("/", 1)[-1]
    return name or None


def fold(person: Person) -> Folded:
    tokens = name_tokens(person.first_name, person.last_name)
    parts = username_parts(person.username)
    return Folded(
        person=person,
        name=tokens - GENERATIONS,
        generation=(tokens | set(parts)) & GENERATIONS,
        handle=username_letters(person.username),
        handle_parts=tuple(p for p in parts if p not in GENERATIONS),
        phones=frozenset(phone_key(p) for p in person.phones),
        picture=picture_key(person.profile_pic_url),
        shown=" ".join(p for p in (person.first_name, person.last_name) if p) or f"@{person.username}",
    )


class Page:
    """Frequencies are counted over the page's people on both platforms, each person once per token."""

    def __init__(self, people: Sequence[Folded]) -> None:
        self.size = max(len(people), 1)
        self.tokens: Counter[str] = Counter()
        self.names: Counter[str] = Counter()  # display-name tokens only
        self._holders: dict[str, set[tuple[str, int]]] = {}  # display-name token -> who has it
        self._namesakes: dict[frozenset[str], set[tuple[str, int]]] = {}
        self._info: dict[str, float] = {}
        self.phones: Counter[str] = Counter()
        self.emails: Counter[str] = Counter()
        self.pictures: Counter[str] = Counter()
        starts: dict[str, list[float]] = {"messenger": [], "instagram": []}
        for f in people:
            # A shop's staff who put its name in their handles make that name common, as a surname would.
            self.tokens.update(f.name | {p for p in f.handle_parts if len(p) > 1})
            self.names.update(f.name)
            for token in f.name:
                self._holders.setdefault(token, set()).add(_key(f))
            self.phones.update(f.phones)
            self.emails.update(f.person.emails)
            if f.picture:
                self.pictures[f.picture] += 1
            if f.person.first_message_at:
                starts[f.person.platform].append(f.person.first_message_at.timestamp())
        self.starts = {platform: sorted(times) for platform, times in starts.items()}
        every = [t for times in starts.values() for t in times]
        self.span_seconds = max(max(every) - min(every), 3600.0) if every else 3600.0
        self.counts = Counter(f.person.platform for f in people)

    def info(self, token: str) -> float:
        """Bits a token carries: log2 of one over its share of the page's people. The pair being scored
        is among those counted; half a count less keeps a name only they have from looking common."""
        bits = self._info.get(token)
        if bits is None:
            bits = self._info[token] = self.info_of_count(self.tokens[token])
        return bits

    def info_of_count(self, count: int) -> float:
        return math.log2(self.size / max(count - 0.5, 0.5))

    def namesakes(self, name: frozenset[str], *pair: Folded) -> int:
        """How many people on the page, besides the pair, have all of `name` in their display name."""
        if name not in self._namesakes:
            holders = sorted((self._holders.get(t, set()) for t in name), key=len)
            self._namesakes[name] = set.intersection(*holders) if holders else set()
        return len(self._namesakes[name] - {_key(f) for f in pair})

    def starts_between(self, platform: str, start: datetime, end: datetime) -> int:
        """How many of `platform`'s conversations began in [start, end]."""
        times = self.starts[platform]
        return bisect.bisect_right(times, end.timestamp()) - bisect.bisect_left(times, start.timestamp())


def _key(f: Folded) -> tuple[str, int]:
    return f.person.platform, f.person.contact_id
