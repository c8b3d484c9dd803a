"""Messages fbsync posts unasked: scheduled summaries, token warnings, stage-change notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import views
from core.jobs import JobStatus
from core.refresh import StageChange
from support import JOB, NOW, PAGE, TRICKY, visible_text

CHANGE = StageChange(
    contact_name="Ana <Ruiz>",
    from_stage="New Lead",
    to_stage="Won",
    lead_score=88,
    summary="Ordered 3 bags & a grinder",
)


def test_a_stage_change_is_one_line_of_plain_text():
    notice = views.stage_change_notice(CHANGE)
    assert notice == {"text": "Ana &lt;Ruiz&gt; -> Won (score 88): Ordered 3 bags &amp; a grinder"}
    assert visible_text(notice) == notice["text"]  # no blocks: Slack shows the text itself


def test_a_stage_change_summary_is_clipped_and_the_score_is_optional():
    notice = views.stage_change_notice(replace(CHANGE, lead_score=None, summary="x" * 500))
    assert notice["text"] == "Ana &lt;Ruiz&gt; -> Won: " + "x" * 139 + "…"


def test_scheduled_summary_counts_what_changed():
    message = views.scheduled_summary(PAGE, replace(JOB, failed_contacts=0, stage_changes=1), 1)
    assert visible_text(message) == ":calendar: Scheduled sync of *Bluebird Coffee*: 1 new contact, 1 stage change"
    with_failures = views.scheduled_summary(PAGE, JOB, 3)
    assert "3 new contacts, 12 stage changes, 5 failed" in visible_text(with_failures)


def test_a_failed_scheduled_sync_says_why_and_asks_for_a_reconnect_when_the_token_died():
    dead = replace(JOB, status=JobStatus.FAILED, failure_reason="token expired", token_expired=True)
    text = visible_text(views.scheduled_summary(TRICKY, dead, 0))
    assert text == (
        ":warning: Scheduled sync of *&lt;Tom &amp; Jerry&gt;* failed: token expired. Reconnect with `/fbsync connect`."
    )
    cancelled = views.scheduled_summary(PAGE, replace(JOB, status=JobStatus.CANCELLED), 0)
    assert "failed: cancelled." in visible_text(cancelled) and "Reconnect" not in visible_text(cancelled)


def test_token_warnings():
    expiring = views.token_warning(PAGE, True, NOW + timedelta(days=5, hours=2), NOW)
    assert "expires on 2025-03-19 (in 5 days). Reconnect it with `/fbsync connect`." in visible_text(expiring)
    assert expiring["text"] == "Reconnect Bluebird Coffee"
    dead = views.token_warning(PAGE, False, None, NOW)
    assert "no longer accepts the token of *Bluebird Coffee*: syncs and updates have stopped." in visible_text(dead)
