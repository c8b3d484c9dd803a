"""The vocabulary's long alternations, run only as far as a text can match them, with `re`'s own results.

A pattern of the vocabulary is hundreds of alternatives, and `re` tries every one of them at every
position of a text. Nearly every alternative needs some literal text to match at all (a word, a stem:
"how much", "rembours"), so a text is first looked up for those literals, by three-letter pieces, and
only the alternatives that can match in it are kept, in their order, as one smaller pattern. On that
text it finds exactly what the whole pattern finds: at any position `re` takes the first alternative
that matches there, and one that matches nowhere in the text was never that one.

Only for normalised text (`vocabulary.normalise`: lower case), which is what the vocabulary reads.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

Key = TypeVar("Key", bound=Hashable)

_PIECE = 3  # letters per lookup piece: long enough to be rare, short enough for stems like "pag"
_QUANTIFIERS = "?*+{"
# Characters after an escape's letter that belong to it (\xhh, \uhhhh, \Uhhhhhhhh, back-references):
# skipped, never read as literals; an escape the vocabulary does not use is simply no literal.
_REFERS_TO_GROUPS = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_ESCAPE_TAIL = {"x": 2, "u": 4, "U": 8} | {str(d): 2 for d in range(10)}


# One of these literals (lower case) is in any text the alternative matches.
Requirement = tuple[str, ...]


@dataclass(frozen=True)
class _Alternative:
    source: str
    requires: tuple[Requirement, ...]

    def can_match(self, probe: str) -> bool:
        for requirement in self.requires:
            for literal in requirement:
                if literal in probe:
                    break
            else:
                return False
        return True


class Finder(Protocol):
    def search(self, string: str) -> re.Match[str] | None: ...

    def finditer(self, string: str) -> Iterator[re.Match[str]]: ...


class Alternation:
    """One pattern of the vocabulary: `search` and `finditer` as the whole pattern's, run only with the
    alternatives that can match in the text."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self._alternatives = _alternatives(regex)
        self._always = frozenset(i for i, alt in enumerate(self._alternatives) if not _lookup(alt))
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

    def _within(self, possible: dict[Alternation, frozenset[int]]) -> Finder | None:
        indices = possible.get(self, frozenset()) | self._always
        if not indices:
            return None
        if len(indices) == len(self._alternatives):
            return self.regex
        ordered = sorted(indices)
        if all(self._alternatives[i].requires for i in ordered):
            return _Merged([self._alone(i) for i in ordered])
        return self._compile(tuple(ordered))

    def _compile_narrowed(self, indices: tuple[int, ...]) -> re.Pattern[str]:
        return re.compile("|".join(self._alternatives[i].source for i in indices), self.regex.flags)

    def _compile_alone(self, index: int) -> re.Pattern[str]:
        return re.compile(self._alternatives[index].source, self.regex.flags)


class _Merged:
    """Alternatives run one by one, with the matches of their alternation: at each position the first
    alternative (in order) that matches there. Only for alternatives that never match empty (each
    requires a literal), for which finditer's rule about empty matches never applies."""

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
        if alternation in possible or alternation._always:
            narrowed = alternation._within(possible)
            assert narrowed is not None
            yield key, narrowed


_ALTERNATIONS: list[Alternation] = []
# Every alternation's alternatives by a piece of their lookup literals; built on first use, once the
# vocabulary is complete.
_BY_PIECE: dict[str, list[tuple[Alternation, int, _Alternative]]] | None = None
_BUILDING = threading.Lock()


def _register(alternation: Alternation) -> None:
    global _BY_PIECE
    with _BUILDING:
        _ALTERNATIONS.append(alternation)
        _BY_PIECE = None
    _possible.cache_clear()


def _by_piece() -> dict[str, list[tuple[Alternation, int, _Alternative]]]:
    global _BY_PIECE
    with _BUILDING:
        if _BY_PIECE is None:
            entries = [
                (alternation, index, alternative)
                for alternation in _ALTERNATIONS
                for index, alternative in enumerate(alternation._alternatives)
            ]
            # A literal is looked up by its piece that the fewest literals share: "much" by "muc", not "uch".
            shared = Counter(piece for _, _, alt in entries for literal in _lookup(alt) for piece in _pieces(literal))
            by_piece: dict[str, list[tuple[Alternation, int, _Alternative]]] = {}
            for entry in entries:
                for literal in _lookup(entry[2]):
                    rarest = min(_pieces(literal), key=lambda piece: (shared[piece], piece))
                    by_piece.setdefault(rarest, []).append(entry)
            _BY_PIECE = by_piece
        return _BY_PIECE


@lru_cache(maxsize=4096)
def _possible(probe: str) -> dict[Alternation, frozenset[int]]:
    """The alternatives of every alternation that can match in `probe` (lower case). One text is read
    by several alternations in a row: it is looked up once."""
    by_piece = _by_piece()
    found: dict[Alternation, set[int]] = {}
    for piece in {probe[i : i + _PIECE] for i in range(len(probe) - _PIECE + 1)}:
        for alternation, index, alternative in by_piece.get(piece, ()):
            if alternative.can_match(probe):
                found.setdefault(alternation, set()).add(index)
    return {alternation: frozenset(indices) for alternation, indices in found.items()}


def _pieces(literal: str) -> set[str]:
    return {literal[i : i + _PIECE] for i in range(len(literal) - _PIECE + 1)}


def _lookup(alternative: _Alternative) -> Requirement:
    """The requirement an alternative is looked up by: of those whose literals are all long enough,
    the one with the longest (rarer); none when there is no such requirement."""
    usable = [r for r in alternative.requires if all(len(literal) >= _PIECE for literal in r)]
    return max(usable, key=lambda r: (min(map(len, r)), -len(r)), default=())


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression's source."""
    parts, start = [], 0
    for i, char, depth in _structure(pattern):
        if char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _structure(pattern: str, i: int = 0) -> Iterator[tuple[int, str, int]]:
    """From `i`, each character that shapes the pattern (`(`, `)`, `|`): its index, itself and the
    group depth after it. Escapes and character classes are stepped over."""
    depth = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":
            i = _class_end(pattern, i)
        elif char in "()|":
            depth += 1 if char == "(" else -1 if char == ")" else 0
            yield i, char, depth
        i += 1


def _class_end(pattern: str, i: int) -> int:
    """The index of the `]` closing the character class opened at `i`."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1  # a `]` first is a member
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i


def requirements(source: str) -> tuple[Requirement, ...]:
    """What every match of `source` contains, lower case. Anything this does not read plainly (classes,
    escapes, lookarounds, quantified parts) ends a literal and requires nothing: it can miss
    requirements, never invent one."""
    branches = split_alternatives(source)
    if len(branches) > 1:
        # Whichever branch matched, its most telling requirement is met.
        chosen = [max(requirements(branch), key=lambda r: min(map(len, r)), default=None) for branch in branches]
        if None in chosen:
            return ()
        return (tuple(sorted({literal for requirement in chosen if requirement for literal in requirement})),)
    found: list[Requirement] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            found.append(("".join(run),))
            run.clear()

    i = 0
    while i < len(source):
        char, literal = source[i], None
        if char == "\\" and i + 1 < len(source):
            escaped = source[i + 1]
            literal = None if escaped.isalnum() else escaped
            i += 2 + _ESCAPE_TAIL.get(escaped, 0)
        elif char == "(":
            end = _group_end(source, i)
            inner, i = source[i + 1 : end], end + 1
            if i < len(source) and source[i] in _QUANTIFIERS:
                continue  # optional or repeated: the loop reads the quantifier as the end of a run
            end_run()
            if inner.startswith("?:"):
                found.extend(requirements(inner[2:]))
            elif not inner.startswith("?"):  # lookarounds, flags and named groups require nothing here
                found.extend(requirements(inner))
            continue
        elif char == "[":
            i = _class_end(source, i) + 1
        elif char == "{":
            end = source.find("}", i)
            i = end + 1 if end > 0 else len(source)
        elif char in ".^$|)" or char in _QUANTIFIERS:
            i += 1
        else:
            literal, i = char, i + 1
        if literal is None or len(literal.lower()) != 1:
            end_run()
        elif i < len(source) and source[i] in _QUANTIFIERS:
            end_run()  # "colou?r": an optional or repeated character is no fixed text
        else:
            run.append(literal.lower())
    end_run()
    return tuple(found)


def _group_end(pattern: str, i: int) -> int:
    """The index of the `)` closing the group opened at `i`."""
    return next((j for j, char, depth in _structure(pattern, i) if char == ")" and depth == 0), len(pattern))


def _alternatives(pattern: re.Pattern[str]) -> list[_Alternative]:
    if pattern.flags & re.VERBOSE or _REFERS_TO_GROUPS.search(pattern.pattern):
        # Spaces are no literals in a verbose pattern; group numbers change in a narrowed one.
        return [_Alternative(pattern.pattern, ())]
    return [_Alternative(source, requirements(source)) for source in split_alternatives(pattern.pattern)]
