"""Stage matching: exact, then fuzzy, then the first stage."""

from __future__ import annotations

import pytest

from core.pipeline import DEFAULT_STAGES, MatchRule, Stage, match_stage

DEFAULT = [Stage(i + 1, name, i) for i, name in enumerate(DEFAULT_STAGES)]


@pytest.mark.parametrize(
    "recommended, stage, rule",
    [
        ("Qualified Lead", "Qualified Lead", MatchRule.EXACT),
        ("qualified lead", "Qualified Lead", MatchRule.EXACT),
        ("Qualified", "Qualified Lead", MatchRule.FUZZY),
        ("QUALIFIED-LEAD", "Qualified Lead", MatchRule.FUZZY),
        ("Proposal", "Proposal Sent", MatchRule.FUZZY),
        ("Proposal sent.", "Proposal Sent", MatchRule.FUZZY),
        ("Contacted ", "Contacted", MatchRule.EXACT),
        ("Contactd", "Contacted", MatchRule.FUZZY),
        ("Negotiation", "New Lead", MatchRule.FALLBACK),
        ("", "New Lead", MatchRule.FALLBACK),
        (None, "New Lead", MatchRule.FALLBACK),
    ],
)
def test_match_stage(recommended, stage, rule):
    matched, used = match_stage(recommended, DEFAULT)
    assert (matched.name, used) == (stage, rule)


def test_ambiguous_partial_match_falls_back_rather_than_guessing():
    stages = [Stage(1, "Open", 0), Stage(2, "Closed Won", 1), Stage(3, "Closed Lost", 2)]
    assert match_stage("Closed", stages) == (stages[0], MatchRule.FALLBACK)
    assert match_stage("won", stages) == (stages[1], MatchRule.FUZZY)


def test_a_pipeline_without_stages_is_refused():
    with pytest.raises(ValueError):
        match_stage("Won", [])
