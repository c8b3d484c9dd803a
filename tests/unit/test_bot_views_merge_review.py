"""Merge review as Slack shows it: a pair of cards with the reasons and the two buttons, a digest for
many within Slack's limits, a decision replacing only its pair, and the Unmerge button of a merged card."""

from __future__ import annotations

from dataclasses import replace

from test_bot_views_alerts import LEAD, STAGES

from bot.views.lead_card import UNMERGE_ACTION, lead_card
from bot.views.merge_review import (
    DIGEST_SHOWN,
    NOT_SAME_ACTION,
    SAME_PERSON_ACTION,
    decided,
    merge_digest,
    merge_suggestion,
    pair_key,
    read_pair_value,
)
from core.merge import Suggestion
from support import PAGE, TRICKY, assert_slack_accepts, buttons, visible_text

MESSENGER = replace(LEAD, contact_id=1, first_name="Grace", last_name="Hopper", stage_set_by=None)
INSTAGRAM = replace(
    LEAD,
    contact_id=2,
    messenger_psid=None,
    instagram_sid="9300000000000888",
    first_name="grace.hopper",
    last_name=None,
    instagram_username="grace.hopper",
    stage="New Lead",
    stage_set_by=None,
)


def pair(n: int = 0) -> Suggestion:
    return Suggestion(
        2 * n + 1,
        2 * n + 2,
        f"24511230000{n:03d}",
        f"93000000000{n:03d}",
        0.91,
        ("same name: Grace Hopper", "same phone number", "Instagram @grace.hopper matches the name"),
    )


def leads_for(pairs: list[Suggestion]) -> dict:
    leads = {}
    for s in pairs:
        leads[s.messenger_contact_id] = replace(MESSENGER, contact_id=s.messenger_contact_id)
        leads[s.instagram_contact_id] = replace(INSTAGRAM, contact_id=s.instagram_contact_id)
    return leads


def test_a_pair_is_both_cards_the_reasons_and_two_buttons():
    suggestion = pair()
    message = merge_suggestion(TRICKY, suggestion, leads_for([suggestion]))

    assert_slack_accepts(message)
    text = visible_text(message)
    assert "*Same person?*" in text and "&lt;Tom &amp; Jerry&gt;" in text
    assert "same phone number" in text and "score 0.91" in text
    assert [b["action_id"] for b in buttons(message)] == [SAME_PERSON_ACTION, NOT_SAME_ACTION]
    assert read_pair_value(buttons(message)[0]["value"]) == (
        TRICKY.id,
        suggestion.messenger_psid,
        suggestion.instagram_sid,
    )
    # The cards carry no controls of their own: the decision comes first.
    assert len(buttons(message)) == 2


def test_many_pairs_are_one_digest_within_slacks_fifty_blocks():
    pairs = [pair(n) for n in range(30)]
    message = merge_digest(PAGE, pairs, leads_for(pairs))

    assert_slack_accepts(message)
    assert len(message["blocks"]) <= 50
    assert len([b for b in buttons(message) if b["action_id"] == SAME_PERSON_ACTION]) == DIGEST_SHOWN
    assert "*30 possible duplicates*" in visible_text(message)
    assert f"…and {30 - DIGEST_SHOWN} more" in visible_text(message) and "/fbsync merges" in visible_text(message)


def test_no_pairs_says_so():
    message = merge_digest(PAGE, [], {}, listing=True)
    assert_slack_accepts(message)
    assert "await a merge review" in visible_text(message)


def test_a_decision_replaces_only_its_own_pair():
    pairs = [pair(n) for n in range(5)]
    message = merge_digest(PAGE, pairs, leads_for(pairs))

    blocks = decided(message["blocks"], pair_key(pairs[2]), "Merged by <@U0ADA>")

    assert blocks is not None
    remaining = [
        read_pair_value(b["value"]) for b in buttons({"blocks": blocks}) if b["action_id"] == SAME_PERSON_ACTION
    ]
    assert [r[1] for r in remaining if r] == [p.messenger_psid for n, p in enumerate(pairs) if n != 2]
    assert "Merged by <@U0ADA>" in visible_text({"blocks": blocks})
    assert_slack_accepts({"blocks": blocks})
    assert decided(message["blocks"], "1:2", "x") is None


def test_a_merged_contacts_card_offers_unmerge_and_others_do_not():
    merged = replace(MESSENGER, instagram_sid="9300000000000888", instagram_username="grace.hopper")
    card = {"blocks": lead_card(merged, STAGES)}
    assert_slack_accepts(card)
    assert UNMERGE_ACTION in [b["action_id"] for b in buttons(card)]
    assert "Messenger + Instagram" in visible_text(card)
    assert UNMERGE_ACTION not in [b["action_id"] for b in buttons({"blocks": lead_card(MESSENGER, STAGES)})]


def test_a_pair_value_from_anywhere_else_is_refused():
    assert read_pair_value("1:2") is None and read_pair_value("a:b:c") is None and read_pair_value("") is None
