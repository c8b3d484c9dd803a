"""The rules analyzer's words: summaries and reasoning that say what happened, and the evidence quoted."""

from __future__ import annotations

import re

import pytest
from test_rules_analyzer import CASE_IDS, CASES, analyze, chat

from core.analysis.model import Analysis
from core.analysis.rules import RulesAnalyzer


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_summary_names_the_contact_and_invents_no_numbers(case, transcript, stage, status):
    summary = analyze(transcript).summary
    assert "Ana Souza" in summary
    said = " ".join(line.text for line in transcript.lines)
    assert set(re.findall(r"\d+", summary)) <= set(re.findall(r"\d+", said))


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_summarize_gives_the_same_summary_alone(case, transcript, stage, status):
    assert RulesAnalyzer().summarize(transcript) == Analysis(summary=analyze(transcript).summary)


@pytest.mark.parametrize("replied, stage", [(False, "New Lead"), (True, "Qualified Lead")])
def test_the_business_reply_moves_a_buying_signal_on(replied, stage):
    turns = ["c: Could you send a quote for 40 units?"] + ["p: Happy to, what's it for?"] * replied
    result = analyze(chat(*turns))
    assert result.recommended_stage == stage
    assert ("not replied" in result.reasoning) is not replied


def test_offer_then_silence_is_still_a_proposal_and_says_so():
    result = analyze(chat("c: Quote for 40 units please", "p: For 40 units: $30 each, $1,200 total"))
    assert result.recommended_stage == "Proposal Sent"
    assert "no answer since" in result.summary and "no answer since" in result.reasoning


def test_summary_quotes_the_ask_and_the_state():
    result = analyze(chat("c: Hi! Could you send a quote for 40 units? It's for our café."))
    assert result.summary == (
        'Ana Souza asked for a quote ("Could you send a quote for 40 units?"). Bluebird Coffee has not replied yet.'
    )
    assert result.reasoning == "The contact sent a quote request and a quantity; the business has not replied yet."


def test_summary_mentions_an_overturned_signal():
    result = analyze(chat("c: Not interested", "p: No problem!", "c: Actually, I'll take 2 bags"))
    assert "Earlier they declined." in result.summary
    assert "after a refusal earlier" in result.reasoning


def test_a_nameless_contact_is_called_the_contact():
    assert analyze(chat("c: Hi", name=" ")).summary.startswith("The contact only sent a greeting")


def test_the_evidence_quotes_what_decided_the_stage():
    result = analyze(chat("c: Can we come by Saturday for a tasting?", "p: Booked ✅ Saturday at 10am"))
    assert result.evidence == (
        "customer: Can we come by Saturday for a tasting?",
        "business: Booked ✅ Saturday at 10am",
    )
