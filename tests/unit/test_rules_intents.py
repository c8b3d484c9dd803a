"""A contact message's intents: its clauses', refusals scoped to a later ask, then each message rule."""

from __future__ import annotations

import pytest

from core.analysis.rules.clauses import Clause
from core.analysis.rules.intents import (
    MESSAGE_RULES,
    MessageRule,
    Reading,
    a_bare_greeting_is_a_greeting,
    a_no_outranks_interest,
    a_refund_from_an_insurer_is_no_refund,
    a_time_told_of_the_past_is_no_booking,
    an_answered_question_is_no_nevermind,
    detect,
    haggling_is_no_refusal,
    hesitating_over_the_price_is_no_refusal,
    refusals_yield_to_a_later_ask,
    spam_words_or_pitches_are_spam,
    still_choosing_is_no_refusal,
    thanks_but_is_a_polite_no,
)
from core.analysis.rules.vocabulary import Intent, normalise

HESITATION, NEVERMIND, OBJECTION = Intent.HESITATION, Intent.NEVERMIND, Intent.PRICE_OBJECTION
PURCHASE, REFUSAL, THANKS = Intent.PURCHASE, Intent.REFUSAL, Intent.THANKS


@pytest.mark.parametrize(
    ("later", "kept"),
    [
        (Clause("is the espresso in stock?", frozenset({Intent.AVAILABILITY})), set()),
        (Clause("the wrong size came", frozenset({Intent.AVAILABILITY})), {REFUSAL}),  # no ask
        (Clause("bye", frozenset()), {REFUSAL}),
    ],
)
def test_refusals_yield_to_a_later_ask(later: Clause, kept: set[Intent]) -> None:
    first, second = refusals_yield_to_a_later_ask([Clause("not interested in the decaf", frozenset({REFUSAL})), later])
    assert (first.intents, second) == (kept, later)


def test_a_reading_is_the_message_clause_by_clause() -> None:
    message = Reading.of(normalise("Not interested in the decaf, but is the espresso available?"))
    assert [c.text for c in message.clauses] == ["not interested in the decaf,", "is the espresso available?"]
    assert message.intents == {Intent.AVAILABILITY}


# (rule, message, intents found so far, intents after the rule; None: left as they are)
RULE_CASES = [
    (spam_words_or_pitches_are_spam, "Earn $500/day from home", set(), {Intent.SPAM}),
    (spam_words_or_pitches_are_spam, "Boost your sales: our agency, free trial", set(), {Intent.SPAM}),
    (spam_words_or_pitches_are_spam, "Our services: www.grow.example", set(), {Intent.SPAM}),
    (spam_words_or_pitches_are_spam, "Do you do marketing for events?", set(), None),
    (a_bare_greeting_is_a_greeting, "Hi there!", set(), {Intent.GREETING}),
    (a_bare_greeting_is_a_greeting, "Hi, how much is it?", {Intent.PRICING}, None),
    (thanks_but_is_a_polite_no, "Thanks, but we'll pass", {THANKS}, {THANKS, NEVERMIND}),
    (thanks_but_is_a_polite_no, "In the end we went with another shop", {REFUSAL}, {REFUSAL, NEVERMIND}),
    (thanks_but_is_a_polite_no, "Thanks, but can I order 2?", {THANKS, PURCHASE}, None),
    (an_answered_question_is_no_nevermind, "Never mind, found it on your site", {NEVERMIND}, set()),
    (an_answered_question_is_no_nevermind, "Never mind", {NEVERMIND}, None),
    (haggling_is_no_refusal, "Isn't that too expensive?", {OBJECTION}, {HESITATION}),
    (haggling_is_no_refusal, "Too expensive, any discount?", {OBJECTION}, {HESITATION}),
    (haggling_is_no_refusal, "Cheaper elsewhere. Can you match it?", {Intent.ELSEWHERE}, None),  # not itself asked
    (haggling_is_no_refusal, "Too expensive", {OBJECTION}, None),
    (haggling_is_no_refusal, "A bit over what we budgeted, would you do £1,300?", {OBJECTION}, {HESITATION}),
    (
        a_refund_from_an_insurer_is_no_refund,
        "preciso da nota fiscal pra pedir o reembolso no meu plano",
        {Intent.REFUND},
        set(),
    ),
    (a_refund_from_an_insurer_is_no_refund, "I want a refund, the cake was stale", {Intent.REFUND}, None),
    (
        still_choosing_is_no_refusal,
        "we've narrowed it down to you and one other place",
        {REFUSAL},
        {HESITATION},
    ),
    (still_choosing_is_no_refusal, "we went with another place", {REFUSAL}, None),
    (
        a_time_told_of_the_past_is_no_booking,
        "Your launch night was still blasting music at 11:40pm",
        {Intent.BOOKING},
        set(),
    ),
    (a_time_told_of_the_past_is_no_booking, "I was hoping to book a table at 7pm", {Intent.BOOKING}, None),
    (a_time_told_of_the_past_is_no_booking, "was 5pm still free?", {Intent.BOOKING}, None),  # asked
    (hesitating_over_the_price_is_no_refusal, "Too expensive, let me think", {OBJECTION, HESITATION}, {HESITATION}),
    (hesitating_over_the_price_is_no_refusal, "Too expensive", {OBJECTION}, None),
    (a_no_outranks_interest, "I ordered 2 and want a refund", {PURCHASE, Intent.REFUND}, {Intent.REFUND}),
    (a_no_outranks_interest, "Thanks, I'll take 2", {PURCHASE, THANKS}, None),
]


@pytest.mark.parametrize(
    ("rule", "text", "found", "expected"),
    RULE_CASES,
    ids=[f"{case[0].__name__}: {case[1]}" for case in RULE_CASES],
)
def test_message_rule(rule: MessageRule, text: str, found: set[Intent], expected: set[Intent] | None) -> None:
    assert rule(Reading.of(normalise(text)), frozenset(found)) == (found if expected is None else expected)


def test_every_message_rule_is_tested() -> None:
    assert {case[0] for case in RULE_CASES} == set(MESSAGE_RULES)


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("Hi! How much is the V60?", (Intent.PRICING,)),
        ("Too expensive, can you do $45?", (PURCHASE, Intent.PRICING)),
        ("Thanks, but we'll pass", (REFUSAL, NEVERMIND, THANKS)),
        ("Paid, but the box came damaged and I want a refund", (Intent.REFUND, Intent.COMPLAINT)),
        ("Congratulations! Earn $500/day, click here", (Intent.SPAM,)),
        ("are u guys open on bank hol monday or nah", ()),  # a question's tail, no refusal
        ("totally fair, let me talk to Jamie and I'll get back to you", (HESITATION,)),  # no purchase
        ("it's more than we can stretch to right now", (OBJECTION,)),
        ("Trang của bạn đã bị báo cáo vi phạm bản quyền và sẽ bị vô hiệu hóa", (Intent.SPAM, Intent.COMPLAINT)),
        ("Su página será desactivada en 24 horas, verifique aquí", (Intent.SPAM,)),
    ],
)
def test_detect_gives_the_intents_in_priority_order(text: str, intents: tuple[Intent, ...]) -> None:
    assert detect(normalise(text)) == intents
