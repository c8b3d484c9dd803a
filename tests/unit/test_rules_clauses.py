"""One clause of a contact message into intents: its words, negation, a later ask, and each clause rule."""

from __future__ import annotations

import pytest

from core.analysis.rules import clauses
from core.analysis.rules.clauses import (
    CLAUSE_RULES,
    Clause,
    amenity_questions_are_no_buying,
    asking_if_received_closes_nothing,
    logistics_questions_ask_for_availability,
    negated,
    policy_questions_come_before_buying,
    refusals_before_an_ask_dropped,
    said,
    thanks_for_an_offer_asks_for_none,
)
from core.analysis.rules.vocabulary import Intent, normalise

AVAILABILITY, PRICING, QUOTE, THANKS = Intent.AVAILABILITY, Intent.PRICING, Intent.QUOTE, Intent.THANKS


@pytest.mark.parametrize(
    ("clause", "word", "expected"),
    [
        ("i haven't paid yet", "paid", True),
        ("minh chua chuyen khoan", "chuyen", True),
        ("not the blue one, i paid", "paid", False),  # another phrase
        ("no idea what to say but i have paid already", "paid", False),  # beyond the window
        ("paid!", "paid", False),
    ],
)
def test_negated_looks_at_a_few_words_before_in_the_same_phrase(clause: str, word: str, expected: bool) -> None:
    assert negated(clause, clause.index(word)) is expected


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("i'd like to order 2 bags", {Intent.PURCHASE: 0}),
        ("i haven't paid yet", {}),  # negated: says nothing
        ("i don't want to order it", {Intent.NEVERMIND: 0}),  # a buying word refused is a no
        ("i don't want to order it?", {}),  # asked, it is no refusal
        ("no thanks, not interested", {Intent.REFUSAL: 1, THANKS: 0}),  # the last phrase each is said in
    ],
)
def test_said_is_each_intent_with_its_last_phrase(clause: str, expected: dict[Intent, int]) -> None:
    assert said(normalise(clause)) == expected


@pytest.mark.parametrize(
    ("phrases", "question", "expected"),
    [
        ({Intent.REFUSAL: 0, Intent.PURCHASE: 1}, True, {Intent.PURCHASE}),
        ({Intent.PURCHASE: 0, Intent.REFUSAL: 1}, True, {Intent.PURCHASE, Intent.REFUSAL}),
        ({Intent.COMPLAINT: 0, AVAILABILITY: 1}, False, {Intent.COMPLAINT, AVAILABILITY}),  # a stated size: no ask
        ({Intent.COMPLAINT: 0, AVAILABILITY: 1}, True, {AVAILABILITY}),
    ],
)
def test_refusals_before_an_ask_are_dropped(phrases: dict[Intent, int], question: bool, expected: set[Intent]) -> None:
    assert refusals_before_an_ask_dropped(phrases, question) == expected


# (rule, clause, intents found so far, intents after the rule)
RULE_CASES = [
    (thanks_for_an_offer_asks_for_none, "thanks for the quote", {QUOTE, THANKS}, {THANKS}),
    (thanks_for_an_offer_asks_for_none, "could you send a quote", {QUOTE}, {QUOTE}),
    (policy_questions_come_before_buying, "what's your refund policy?", {Intent.REFUND}, {AVAILABILITY}),
    (policy_questions_come_before_buying, "can i cancel anytime?", {Intent.CANCEL}, {AVAILABILITY}),
    (policy_questions_come_before_buying, "if it breaks i want a refund", {Intent.REFUND}, {Intent.REFUND}),
    (policy_questions_come_before_buying, "i want a refund", {Intent.REFUND}, {Intent.REFUND}),
    (amenity_questions_are_no_buying, "do you have parking?", {AVAILABILITY}, set()),
    (amenity_questions_are_no_buying, "do you have parking? i'd like to order", {AVAILABILITY, Intent.PURCHASE}, None),
    (amenity_questions_are_no_buying, "is the kenya in stock?", {AVAILABILITY}, {AVAILABILITY}),
    (asking_if_received_closes_nothing, "have you received my order?", {Intent.RECEIVED}, set()),
    (asking_if_received_closes_nothing, "received it, thanks", {Intent.RECEIVED, THANKS}, None),
    (logistics_questions_ask_for_availability, "do you deliver to spain?", set(), {AVAILABILITY}),
    (logistics_questions_ask_for_availability, "thanks for the quick delivery", {THANKS}, {THANKS}),
]


@pytest.mark.parametrize(
    ("rule", "clause", "found", "expected"),
    RULE_CASES,
    ids=[f"{case[0].__name__}: {case[1]}" for case in RULE_CASES],
)
def test_clause_rule(rule: clauses.ClauseRule, clause: str, found: set[Intent], expected: set[Intent] | None) -> None:
    # None: the rule leaves the intents as they are.
    assert rule(normalise(clause), frozenset(found)) == (found if expected is None else expected)


def test_every_clause_rule_is_tested() -> None:
    assert {case[0] for case in RULE_CASES} == set(CLAUSE_RULES)


@pytest.mark.parametrize(
    ("clause", "intents"),
    [
        ("i don't need a whole cake, can i get 6 cupcakes?", {Intent.PURCHASE}),
        ("thanks for the quote", {THANKS}),
        ("have you received my order?", set()),
        ("do you have parking?", set()),
    ],
)
def test_a_clause_is_its_words_then_its_rules(clause: str, intents: set[Intent]) -> None:
    assert Clause.of(normalise(clause)).intents == intents


@pytest.mark.parametrize(
    ("clause", "question", "asks"),
    [
        ("is the espresso available?", True, True),
        ("the wrong size came", False, False),  # a stock or size word stated is no ask
        ("هل يوجد توصيل؟", True, True),
    ],
)
def test_a_clause_asks_with_a_buying_signal(clause: str, question: bool, asks: bool) -> None:
    read = Clause.of(normalise(clause))
    assert (read.question, read.asks) == (question, asks)
