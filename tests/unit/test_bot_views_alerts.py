"""Lead alerts as Slack shows them: a card each, one digest for a burst, and what `alerts` answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.views.alerts import DIGEST_SHOWN, alert_digest, alerts_settings, carded, lead_alert
from core.alerts import Alert
from core.leads import Lead
from core.pipeline.matching import Stage
from support import NOW, PAGE, TRICKY, assert_slack_accepts, visible_text

STAGES = tuple(
    Stage(i + 1, name, i)
    for i, name in enumerate(["New Lead", "Contacted", "Qualified Lead", "Proposal Sent", "Won", "Lost"])
)
# The biggest card there is: a summary, three quotes, a person's stage the analysis disagrees with.
LEAD = Lead(
    contact_id=7,
    page_pk=PAGE.id,
    page_id=PAGE.page_id,
    page_name=PAGE.name,
    messenger_psid="24511230000123",
    instagram_sid=None,
    first_name="Ana",
    last_name="<Ruiz>",
    instagram_username=None,
    pipeline_id=1,
    stage_id=3,
    stage="Qualified Lead",
    stage_set_by="U0ADA",
    ai_stage_id=4,
    ai_stage="Proposal Sent",
    lead_score=88,
    lead_status="QUALIFIED",
    confidence=80,
    summary="Wants 3 bags & a grinder " * 100,
    evidence=("how much for 3 bags?" * 30, "can you ship friday?", "I'll take the grinder too"),
    last_interaction=NOW - timedelta(hours=2),
    stage_entered_at=NOW - timedelta(hours=1),
)


def alerts(count: int, stage: str = "Qualified Lead") -> list[Alert]:
    return [Alert(contact_id=i, stage_id=3, stage=stage) for i in range(count)]


def test_one_alert_is_a_header_over_the_lead_card_with_its_actions():
    message = lead_alert(TRICKY, "Qualified Lead", LEAD, STAGES)

    assert_slack_accepts(message)
    text = visible_text(message)
    assert text.startswith(":fire: New *Qualified Lead* on *&lt;Tom &amp; Jerry&gt;*")
    assert "*Ana &lt;Ruiz&gt;*" in text
    assert message["text"] == "🔥 New Qualified Lead on &lt;Tom &amp; Jerry&gt;: Ana &lt;Ruiz&gt;"
    assert message["blocks"][-1]["type"] == "actions"


def test_a_burst_is_one_digest_of_the_top_ten_within_slacks_fifty_blocks():
    burst = alerts(400) + alerts(100, "Proposal Sent")
    shown = [replace(LEAD, contact_id=a.contact_id) for a in carded(burst)]
    assert len(shown) == DIGEST_SHOWN

    message = alert_digest(TRICKY, burst, shown, STAGES)

    assert_slack_accepts(message)
    assert len(message["blocks"]) <= 50
    text = visible_text(message)
    assert text.startswith(
        ":fire: *500 new leads* on *&lt;Tom &amp; Jerry&gt;*: 400 Qualified Lead · 100 Proposal Sent."
        " The top 10 by score:"
    )
    assert text.count("*Ana &lt;Ruiz&gt;*") == 10
    assert sum(block["type"] == "actions" for block in message["blocks"]) == 10  # each card keeps its actions
    assert text.endswith(
        '…and 490 more: `/fbsync leads "&lt;Tom &amp; Jerry&gt;" "Qualified Lead"`'
        ' · `/fbsync leads "&lt;Tom &amp; Jerry&gt;" "Proposal Sent"`'
    )


def test_a_few_alerts_go_alone():
    assert carded(alerts(3)) == alerts(3)
    assert len(carded(alerts(4))) == 4 and len(carded(alerts(40))) == DIGEST_SHOWN


def test_the_alerts_answer_says_which_stages_and_where():
    on = alerts_settings(PAGE, ("Qualified Lead", "Proposal Sent"), "C0SALES")
    no_channel = alerts_settings(PAGE, ("Won",), None)
    off = alerts_settings(PAGE, (), "C0SALES")

    for message in (on, no_channel, off):
        assert_slack_accepts(message)
    assert "into *Qualified Lead* and *Proposal Sent* are announced in <#C0SALES>" in visible_text(on)
    assert '`/fbsync notify "Bluebird Coffee"` in the channel that should get them' in visible_text(no_channel)
    assert visible_text(off).startswith(":no_bell: Lead alerts for *Bluebird Coffee* are off.")
