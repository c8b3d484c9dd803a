"""One clause of a contact message read into intents: what its words say, less what negation and a later
ask take back, then the clause's rules, each one thing a clause's wording can mean.

Clauses are split at a sentence's end or a "but" (`vocabulary.CLAUSE_BREAK`); phrases, within a clause,
at a comma.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.analysis.rules.narrowing import narrowed_all
from core.analysis.rules.vocabulary import (
    AMENITY,
    HYPOTHETICAL,
    INTERROGATIVE,
    LOGISTICS_QUESTION,
    MEANINGS,
    NEGATABLE,
    NEGATION,
    NEGATION_WINDOW_WORDS,
    PATTERNS,
    PHRASE_BREAK,
    POLICY,
    PROMISE,
    SCOPED_REFUSALS,
    THANKS_FOR_OFFER,
    Intent,
    Step,
)

POSITIVE_OUTCOMES = (Step.WON, Step.QUALIFIED)
BUYING = (Intent.PURCHASE, Intent.BOOKING, Intent.DEAL)

Intents = frozenset[Intent]
# What a clause's wording makes of the intents found in it so far.
ClauseRule = Callable[[str, Intents], Intents]

# Greeting and spam are whole-message signals.
_CLAUSE_PATTERNS = {intent: p for intent, p in PATTERNS.items() if intent not in (Intent.GREETING, Intent.SPAM)}


def is_question(text: str) -> bool:
    return "?" in text or "؟" in text or bool(INTERROGATIVE.match(text))


def is_ask(intent: Intent, question: bool) -> bool:
    # A size or stock word in a statement ("the wrong size came") is no ask; in a question it is.
    return MEANINGS[intent].outcome in POSITIVE_OUTCOMES and (question or intent is not Intent.AVAILABILITY)


def negated(clause: str, start: int, window: int = NEGATION_WINDOW_WORDS) -> bool:
    """A negation among the few words before `start`, in the same phrase: "haven't paid", "chưa chuyển"."""
    phrase = PHRASE_BREAK.split(clause[:start])[-1]
    return bool(NEGATION.search(" ".join(phrase.split()[-window:])))


def said(clause: str) -> dict[Intent, int]:
    """Each intent the clause's words say, with the last phrase (comma-separated part) it is said in."""
    question = is_question(clause)
    phrases: dict[Intent, int] = {}
    for intent, pattern in narrowed_all(_CLAUSE_PATTERNS, clause):
        spoken = _spoken(intent, list(pattern.finditer(clause)), clause, question)
        if spoken is not None:
            phrases[spoken[0]] = spoken[1]
    return phrases


def _spoken(intent: Intent, matches: Sequence[re.Match[str]], clause: str, question: bool) -> tuple[Intent, int] | None:
    """What one intent's words in the clause say, and in which phrase: the intent unless every one is
    negated ("I haven't paid yet"), when a buying word, stated, is a no ("I don't want to order it")."""
    kept = [m for m in matches if intent not in NEGATABLE or not negated(clause, m.start())]
    if MEANINGS[intent].outcome is Step.WON:  # "I'll pay friday when I get paid" has not paid
        kept = [m for m in kept if not PROMISE.search(PHRASE_BREAK.split(clause[: m.start()])[-1])]
    if kept:
        return intent, _phrase_of(clause, kept[-1].start())
    if intent in BUYING and not question and any(negated(clause, m.start(), 2) for m in matches):
        return Intent.NEVERMIND, _phrase_of(clause, matches[-1].start())
    return None


def _phrase_of(clause: str, position: int) -> int:
    return len(PHRASE_BREAK.findall(clause[:position]))


def refusals_before_an_ask_dropped(phrases: dict[Intent, int], question: bool) -> Intents:
    """ "I don't need a whole cake, can I get 6 cupcakes?": a no is scoped to what came before a later ask."""
    last_ask = max((p for i, p in phrases.items() if is_ask(i, question)), default=-1)
    return frozenset(i for i, p in phrases.items() if i not in SCOPED_REFUSALS or p >= last_ask)


def thanks_for_an_offer_asks_for_none(clause: str, found: Intents) -> Intents:
    """ "Thanks for the quote, but ...": no request for one."""
    return found - {Intent.QUOTE, Intent.PRICING} if THANKS_FOR_OFFER.search(clause) else found


def policy_questions_come_before_buying(clause: str, found: Intents) -> Intents:
    """ "What's your refund policy?", "can I cancel anytime?": a question before buying, no refund or
    cancellation."""
    leaving = found & {Intent.REFUND, Intent.CANCEL}
    if leaving and (POLICY.search(clause) or (is_question(clause) and HYPOTHETICAL.search(clause))):
        return (found - leaving) | {Intent.AVAILABILITY}
    return found


def amenity_questions_are_no_buying(clause: str, found: Intents) -> Intents:
    """ "Do you have parking?", "are you open Mondays?": about the place, not what it sells."""
    if found and found <= {Intent.AVAILABILITY, Intent.PRICING} and AMENITY.search(clause):
        return frozenset()
    return found


def asking_if_received_closes_nothing(clause: str, found: Intents) -> Intents:
    """ "Have you received my order?" asks; "received it, thanks" closes."""
    return found - {Intent.RECEIVED} if is_question(clause) else found


def logistics_questions_ask_for_availability(clause: str, found: Intents) -> Intents:
    """ "Do you deliver?" is a buying signal; "thanks for the delivery" is none."""
    return found | {Intent.AVAILABILITY} if is_question(clause) and LOGISTICS_QUESTION.search(clause) else found


CLAUSE_RULES: tuple[ClauseRule, ...] = (
    thanks_for_an_offer_asks_for_none,
    policy_questions_come_before_buying,
    amenity_questions_are_no_buying,
    asking_if_received_closes_nothing,
    logistics_questions_ask_for_availability,
)


@dataclass(frozen=True)
class Clause:
    text: str  # normalised
    intents: Intents

    @classmethod
    def of(cls, text: str) -> Clause:
        found = refusals_before_an_ask_dropped(said(text), is_question(text))
        for rule in CLAUSE_RULES:
            found = rule(text, found)
        return cls(text, found)

    @property
    def question(self) -> bool:
        return is_question(self.text)

    @property
    def asks(self) -> bool:
        return any(is_ask(intent, self.question) for intent in self.intents)
