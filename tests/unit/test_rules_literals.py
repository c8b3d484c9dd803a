"""The vocabulary's declared literals: one of an alternative's literals is in each of its matches.

A text is only run through the alternatives whose literals it holds (core.analysis.rules.narrowing),
so a wrong declaration would silently lose matches: these tests fail on it instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rules_eval import EVAL_SETS, load

from core.analysis.rules import vocabulary
from core.analysis.rules.narrowing import Alternation, Alternative

ENTRIES: dict[str, Alternation] = {f"PATTERNS[{intent.value}]": p for intent, p in vocabulary.PATTERNS.items()} | {
    name: value for name, value in vars(vocabulary).items() if isinstance(value, Alternation)
}


def _eval_texts() -> list[str]:
    """Every labelled message, normalised, and its clauses (what the contact's intents are read in)."""
    turns = [turn["text"] for path in EVAL_SETS for c in load(path) for turn in c["turns"]]
    texts = {vocabulary.normalise(text) for text in turns}
    clauses = {c for text in texts for c in vocabulary.CLAUSE_BREAK.split(text) if c and c.strip()}
    return sorted(texts | clauses)


def _holds_a_literal(alternative: Alternative, text: str) -> bool:
    return any(literal in text.lower() for literal in alternative.literals)


def _matches_without_a_literal(alternative: Alternative, flags: int, texts: Iterable[str]) -> list[str]:
    # In the match, not merely in the text: then it is in every text the alternative matches this way.
    regex = re.compile(alternative.source, flags)
    return [
        match.group(0)
        for text in filter(regex.search, texts)
        for match in regex.finditer(text)
        if not _holds_a_literal(alternative, match.group(0))
    ]


def _check_generated_matches(alternative: Alternative) -> None:
    """Strings that the alternative matches whole, of every shape hypothesis finds, hold a literal.
    Generated without IGNORECASE: in the vocabulary's own (lower) case, as normalised text is."""

    @settings(
        max_examples=5,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.from_regex(re.compile(alternative.source), fullmatch=True))
    def holds_a_literal(text: str) -> None:
        assert _holds_a_literal(alternative, text), (alternative.source, alternative.literals, text)

    holds_a_literal()


def test_every_match_on_the_labelled_messages_holds_a_declared_literal() -> None:
    texts = _eval_texts()
    missed = {
        (name, alternative.source): found
        for name, alternation in ENTRIES.items()
        for alternative in alternation.alternatives
        if alternative.literals and (found := _matches_without_a_literal(alternative, alternation.regex.flags, texts))
    }
    assert missed == {}


@pytest.mark.parametrize("name", ENTRIES)
def test_every_generated_match_holds_a_declared_literal(name: str) -> None:
    for alternative in ENTRIES[name].alternatives:
        if alternative.literals:
            _check_generated_matches(alternative)


def test_literals_are_declared_for_nearly_every_alternative() -> None:
    alternatives = [alt for alternation in ENTRIES.values() for alt in alternation.alternatives]
    assert sum(not alt.literals for alt in alternatives) * 100 < len(alternatives)


WRONG = Alternative(r"\b(refund|money back)\b", ("refund",))  # "money back" holds no declared literal


def test_a_wrong_declaration_is_caught_on_texts() -> None:
    assert _matches_without_a_literal(WRONG, re.IGNORECASE, ["i want a refund", "my money back please"]) == [
        "money back"
    ]


def test_a_wrong_declaration_is_caught_on_generated_matches() -> None:
    with pytest.raises(AssertionError, match="money back"):
        _check_generated_matches(WRONG)
