"""The vocabulary's long alternations, run only with the alternatives whose literal words are in a text.

A pattern of the vocabulary is hundreds of alternatives, and `re` tries every one of them at every
position of a text. Each alternative is declared with its literals: words one of which is in every
text it matches ("how much", "rembours"). One pass of an Aho-Corasick automaton over a text finds the
literals in it, for every alternation at once, and only the alternatives with one of them there are
run, in their order. On that text they find exactly what the whole pattern finds: at any position `re`
takes the first alternative that matches there, and one whose literals are not in the text was never
that one.

Only for normalised text (`vocabulary.normalise`: lower case), which is what the vocabulary reads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

import ahocorasick

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Alternative:
    """One alternative of an alternation and its literals (lower case), one of which is in each of its
    matches; without literals it is run on every text."""

    source: str
    literals: tuple[str, ...]


class Finder(Protocol):
    def search(self, string: str) -> re.Match[str] | None: ...

    def finditer(self, string: str) -> Iterator[re.Match[str]]: ...


class Alternation:
    """One pattern of the vocabulary: `search` and `finditer` as the whole pattern's, run only with the
    alternatives that can match in the text."""

    def __init__(self, alternatives: Sequence[Alternative], flags: int) -> None:
        self.alternatives = tuple(alternatives)
        self.regex = re.compile("|".join(alt.source for alt in self.alternatives), flags)
        self._always = frozenset(i for i, alt in enumerate(self.alternatives) if not alt.literals)
        _register(self)
        self._compile = lru_cache(maxsize=1024)(self._compile_narrowed)
        self._alone = lru_cache(maxsize=None)(self._compile_alone)

    def narrowed(self, text: str) -> Finder | None:
        """What finds on `text` exactly what the whole pattern finds; None when it finds nothing."""
        return self._within(_possible(text.lower()))

    def search(self, text: str) -> re.Match[str] | None:
        narrowed = self.narrowed(text)
        return narrowed.search(text) if narrowed else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        narrowed = self.narrowed(text)
        return narrowed.finditer(text) if narrowed else iter(())

    def _within(self, possible: Mapping[Alternation, frozenset[int]]) -> Finder | None:
        indices = possible.get(self, frozenset()) | self._always
        if not indices:
            return None
        if len(indices) == len(self.alternatives):
            return self.regex
        ordered = sorted(indices)
        if indices.isdisjoint(self._always):
            return _Merged([self._alone(i) for i in ordered])
        return self._compile(tuple(ordered))

    def _compile_narrowed(self, indices: tuple[int, ...]) -> re.Pattern[str]:
        return re.compile("|".join(self.alternatives[i].source for i in indices), self.regex.flags)

    def _compile_alone(self, index: int) -> re.Pattern[str]:
        return re.compile(self.alternatives[index].source, self.regex.flags)


class _Merged:
    """Alternatives run one by one, with the matches of their alternation: at each position the first
    alternative (in order) that matches there. Only for alternatives that never match empty (each
    match holds a literal), for which finditer's rule about empty matches never applies."""

    def __init__(self, alternatives: list[re.Pattern[str]]) -> None:
        self._alternatives = alternatives

    def search(self, string: str) -> re.Match[str] | None:
        return next(self.finditer(string), None)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        # Each alternative's leftmost match from where the last match ended.
        heads = [alternative.search(string) for alternative in self._alternatives]
        while True:
            first: re.Match[str] | None = None
            for head in heads:
                if head is not None and (first is None or head.start() < first.start()):
                    first = head
            if first is None:
                return
            yield first
            end = first.end()
            for i, head in enumerate(heads):
                if head is not None and head.start() < end:
                    heads[i] = self._alternatives[i].search(string, end)


def narrowed_all(alternations: Mapping[Key, Alternation], text: str) -> Iterator[tuple[Key, Finder]]:
    """Each alternation's narrowed finder for `text` (see Alternation.narrowed), those that can find
    something, in order: one look-up of the text for all of them."""
    possible = _possible(text.lower())
    for key, alternation in alternations.items():
        narrowed = alternation._within(possible)
        if narrowed is not None:
            yield key, narrowed


_ALTERNATIONS: list[Alternation] = []
# Every alternation's literals, each leading to the alternatives it belongs to; built on first use,
# once the vocabulary is complete.
_AUTOMATON: ahocorasick.Automaton | None = None
_BUILDING = threading.Lock()


def _register(alternation: Alternation) -> None:
    global _AUTOMATON
    with _BUILDING:
        _ALTERNATIONS.append(alternation)
        _AUTOMATON = None
    _possible.cache_clear()


def _automaton() -> ahocorasick.Automaton:
    global _AUTOMATON
    with _BUILDING:
        if _AUTOMATON is None:
            owners: dict[str, list[tuple[Alternation, int]]] = {}
            for alternation in _ALTERNATIONS:
                for index, alternative in enumerate(alternation.alternatives):
                    for literal in alternative.literals:
                        owners.setdefault(literal, []).append((alternation, index))
            automaton = ahocorasick.Automaton()
            for literal, alternatives in owners.items():
                automaton.add_word(literal, tuple(alternatives))
            automaton.make_automaton()
            _AUTOMATON = automaton
        return _AUTOMATON


@lru_cache(maxsize=4096)
def _possible(probe: str) -> dict[Alternation, frozenset[int]]:
    """The alternatives of every alternation whose literals are in `probe` (lower case). One text is
    read by several alternations in a row: it is looked up once."""
    found: dict[Alternation, set[int]] = {}
    # A literal found many times in the text is one set of alternatives.
    for alternatives in {owners for _, owners in _automaton().iter(probe)}:
        for alternation, index in alternatives:
            found.setdefault(alternation, set()).add(index)
    return {alternation: frozenset(indices) for alternation, indices in found.items()}
