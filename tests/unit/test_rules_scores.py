"""The rules analyzer's scores and confidence: the funnel's order, the nudges within a step, and time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_rules_analyzer import DEFAULT, PRICE_ASKED, PRICE_SENT, T0, analyze, chat

from core.analysis.rules import RulesAnalyzer


def test_scores_follow_the_funnel():
    ladder = [
        chat("c: I'd like 2 bags", "p: That's $48, here's the link", "c: Paid, thanks!"),  # won
        chat(PRICE_ASKED, PRICE_SENT),  # proposal
        chat(PRICE_ASKED, "p: Let me check"),  # qualified
        chat("c: Hi", "p: Hi Ana! How can we help?"),  # contacted
        chat("c: Hi"),  # new
        chat("c: No thanks, not interested"),  # lost
    ]
    scores = [analyze(transcript).lead_score for transcript in ladder]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


# (why, stronger, weaker): same step, the first scores higher
SCORE_NUDGES = [
    ("a quantity", chat("c: How much for 40 units?", "p: Let me check"), chat(PRICE_ASKED, "p: Let me check")),
    (
        "a quote request beats a stock question",
        chat("c: Quote for 40 units?", "p: Checking"),
        chat("c: Is it in stock?", "p: Checking"),
    ),
    ("a complaint", chat(PRICE_ASKED, PRICE_SENT), chat(PRICE_ASKED, PRICE_SENT, "c: Last order was late though")),
    (
        "silence after the offer",
        chat(PRICE_ASKED, PRICE_SENT, "c: Ok, and is it in stock?"),
        chat(PRICE_ASKED, PRICE_SENT),
    ),
    ("a lost lead that once wanted to buy", chat(PRICE_ASKED, PRICE_SENT, "c: No thanks"), chat("c: No thanks")),
]


@pytest.mark.parametrize("why, stronger, weaker", SCORE_NUDGES, ids=[nudge[0] for nudge in SCORE_NUDGES])
def test_score_nudges(why, stronger, weaker):
    strong, weak = analyze(stronger), analyze(weaker)
    assert strong.recommended_stage == weak.recommended_stage
    assert strong.lead_score > weak.lead_score


def test_confidence_follows_how_clear_the_signal_is():
    greeting = analyze(chat("c: Hi")).confidence
    pricing = analyze(chat(PRICE_ASKED, "p: Let me check")).confidence
    payment = analyze(chat("c: Paid, thanks!", "p: Received 🙌")).confidence
    assert greeting < 40 < pricing < payment and payment >= 90


def test_nothing_from_the_contact_is_low_confidence_not_an_error():
    for transcript in (chat(), chat("p: Hi! Our new roast is out")):
        result = analyze(transcript)
        assert result.confidence <= 20 and result.lead_score <= 15


def test_without_now_only_the_transcript_matters():
    turns = (PRICE_ASKED, PRICE_SENT)
    assert analyze(chat(*turns)) == analyze(chat(*turns, start=T0 - timedelta(days=400)))


def test_with_now_a_long_silence_costs_score():
    transcript = chat(PRICE_ASKED, PRICE_SENT)
    fresh = RulesAnalyzer(now=T0 + timedelta(hours=2)).analyze(transcript, DEFAULT)
    stale = RulesAnalyzer(now=T0 + timedelta(days=60)).analyze(transcript, DEFAULT)
    assert fresh.recommended_stage == stale.recommended_stage == "Proposal Sent"
    assert stale.lead_score < fresh.lead_score
    assert "nothing has happened for 59 days" in stale.reasoning


def test_naive_now_with_aware_times_does_not_raise():
    result = RulesAnalyzer(now=datetime(2024, 8, 1)).analyze(chat(PRICE_ASKED), DEFAULT)
    assert result.recommended_stage == "New Lead"
