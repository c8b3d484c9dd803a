"""A contact message's intents: its clauses' (`clauses`), then the message's rules in order, each one
thing a whole message can mean (spam, a bare greeting, a polite no, haggling...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from core.analysis.rules.clauses import POSITIVE_OUTCOMES, Clause, Intents
from core.analysis.rules.vocabulary import (
    CLAUSE_BREAK,
    IN_THE_END,
    LINK,
    MEANINGS,
    NEGATIVE,
    NEGOTIATE,
    OBJECTIONS,
    PATTERNS,
    PITCH,
    REFUND_ELSEWHERE,
    RESOLVED,
    SCOPED_REFUSALS,
    STILL_CHOOSING,
    THANKS_BUT,
    TIME_OF_DAY,
    TOLD_OF_PAST,
    Intent,
)


def refusals_yield_to_a_later_ask(clauses: Sequence[Clause]) -> tuple[Clause, ...]:
    """ "Not interested in the decaf, but is the espresso available?": a no followed by an ask in a later
    clause refuses only what it named; "my screen is cracked, can you fix it?" is what they want done."""
    return tuple(
        replace(clause, intents=clause.intents - set(SCOPED_REFUSALS))
        if any(later.asks for later in clauses[index + 1 :])
        else clause
        for index, clause in enumerate(clauses)
    )


@dataclass(frozen=True)
class Reading:
    """A contact message as its rules read it: the normalised text, and its clauses with their intents."""

    text: str
    clauses: tuple[Clause, ...]

    @classmethod
    def of(cls, text: str) -> Reading:
        clauses = [Clause.of(c) for c in CLAUSE_BREAK.split(text) if c and c.strip()]
        return cls(text, refusals_yield_to_a_later_ask(clauses))

    @property
    def intents(self) -> Intents:
        return frozenset().union(*(clause.intents for clause in self.clauses))


# What a message makes of the intents found in it so far.
MessageRule = Callable[[Reading, Intents], Intents]


def spam_words_or_pitches_are_spam(message: Reading, found: Intents) -> Intents:
    """Spam's own words, or unsolicited pitches: three different ones, or one with a link."""
    pitches = len({m.group(0) for m in PITCH.finditer(message.text)})
    if PATTERNS[Intent.SPAM].search(message.text) or pitches >= 3 or (pitches and LINK.search(message.text)):
        return found | {Intent.SPAM}
    return found


def a_bare_greeting_is_a_greeting(message: Reading, found: Intents) -> Intents:
    return found | {Intent.GREETING} if PATTERNS[Intent.GREETING].search(message.text) else found


def thanks_but_is_a_polite_no(message: Reading, found: Intents) -> Intents:
    """ "Thanks, but ...", "in the end ...", with nothing asked for or done: they went another way."""
    polite_no = THANKS_BUT.search(message.text) or IN_THE_END.search(message.text)
    if polite_no and not any(MEANINGS[i].outcome in POSITIVE_OUTCOMES for i in found):
        return found | {Intent.NEVERMIND}
    return found


def an_answered_question_is_no_nevermind(message: Reading, found: Intents) -> Intents:
    """ "Never mind, found it on your site": the question is answered, the deal is not lost."""
    return found - {Intent.NEVERMIND} if RESOLVED.search(message.text) else found


def haggling_is_no_refusal(message: Reading, found: Intents) -> Intents:
    """ "Too expensive, can you do $50?", "cheaper elsewhere, can you match it?": an objection asked, or
    with a haggling word, is hesitation, not a refusal."""
    objections = found & set(OBJECTIONS)
    if not objections:
        return found
    asked = any(clause.intents & objections and clause.question for clause in message.clauses)
    if asked or NEGOTIATE.search(message.text):
        return (found - objections) | {Intent.HESITATION}
    return found


def a_refund_from_an_insurer_is_no_refund(message: Reading, found: Intents) -> Intents:
    """ "I need the receipt to claim the refund from my insurance": the business's sale stands."""
    return found - {Intent.REFUND} if Intent.REFUND in found and REFUND_ELSEWHERE.search(message.text) else found


def still_choosing_is_no_refusal(message: Reading, found: Intents) -> Intents:
    """ "We've narrowed it down to you and one other place": the other place is no refusal of this one."""
    gone = found & {Intent.REFUSAL, Intent.ELSEWHERE}
    return (found - gone) | {Intent.HESITATION} if gone and STILL_CHOOSING.search(message.text) else found


def a_time_told_of_the_past_is_no_booking(message: Reading, found: Intents) -> Intents:
    """ "Your launch night was still blasting music at 11:40pm": a time in an account of what
    happened, with nothing else of a booking, asks for none."""
    if Intent.BOOKING not in found or any(c.question for c in message.clauses) or not TOLD_OF_PAST.search(message.text):
        return found
    rest = message.text
    for match in reversed(list(TIME_OF_DAY.finditer(rest))):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    return found if PATTERNS[Intent.BOOKING].search(rest) else found - {Intent.BOOKING}


def hesitating_over_the_price_is_no_refusal(message: Reading, found: Intents) -> Intents:
    """ "Too expensive, let me think": hesitation, not a refusal."""
    return found - {Intent.PRICE_OBJECTION} if Intent.HESITATION in found else found


def a_no_outranks_interest(message: Reading, found: Intents) -> Intents:
    """A refund, an opt-out or a complaint ends a sale or a lead: the message is no buying signal too."""
    if found & set(NEGATIVE):
        return frozenset(i for i in found if MEANINGS[i].outcome not in POSITIVE_OUTCOMES)
    return found


MESSAGE_RULES: tuple[MessageRule, ...] = (
    spam_words_or_pitches_are_spam,
    a_bare_greeting_is_a_greeting,
    thanks_but_is_a_polite_no,
    an_answered_question_is_no_nevermind,
    haggling_is_no_refusal,
    a_refund_from_an_insurer_is_no_refund,
    still_choosing_is_no_refusal,
    a_time_told_of_the_past_is_no_booking,
    hesitating_over_the_price_is_no_refusal,
    a_no_outranks_interest,
)


# A message is judged once, however many analyses read it (each participant of a group thread, each
# contact's re-analysis, the messages every inbox repeats: "how much?", "thanks!").
@lru_cache(maxsize=8192)
def detect(text: str) -> tuple[Intent, ...]:
    """The intents of one contact message, in priority order; `text` is normalised."""
    message = Reading.of(text)
    found = message.intents
    for rule in MESSAGE_RULES:
        found = rule(message, found)
    return tuple(i for i in Intent if i in found)
