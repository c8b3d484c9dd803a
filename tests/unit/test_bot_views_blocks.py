"""Every view is a message Slack accepts, within its limits, with user text escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot import views
from core.jobs import JobStatus
from core.pages import PageSummary
from core.pipeline.matching import Stage
from core.pipeline.pipelines import AutoMode
from support import ERRORS, JOB, NOW, PAGE, PROGRESS, SALES, STATS, TRICKY, assert_slack_accepts, visible_text


def everything() -> dict[str, dict]:
    """One of each message, to check all of them for what Slack requires."""
    return {
        "help": views.help_message(),
        "error": views.error_message("Unknown command `stauts`. Did you mean `status`?"),
        "denied": views.denied("only workspace admins can connect pages"),
        "pages": views.pages_message([PageSummary(PAGE, 347, 120, None), PageSummary(TRICKY, 1, 0, 7)], NOW),
        "pages_empty": views.pages_message([], NOW),
        "pipelines": views.pipelines_message([SALES]),
        "pipelines_empty": views.pipelines_message([]),
        "pipeline_set": views.pipeline_set(PAGE, SALES, AutoMode.UPDATE_EXISTING),
        "pipeline_off": views.pipeline_set(PAGE, None, AutoMode.SKIP_EXISTING),
        "status": views.status_message(PAGE, [replace(JOB, errors=ERRORS)], NOW),
        "status_empty": views.status_message(PAGE, [], NOW),
        "stats": views.stats_message(STATS, NOW),
        "started": views.sync_started(PAGE, "U123", 42, full=True),
        "progress": views.sync_progress(PROGRESS, NOW),
        "platform_done": views.platform_done(PROGRESS, NOW),
        "error_digest": views.error_digest(replace(JOB, errors=ERRORS)),
        "no_errors": views.error_digest(replace(JOB, failed_contacts=0)),
        "finished": views.sync_finished(PAGE, "U123", JOB, [("New Lead", 200)], NOW),
        "failed": views.sync_finished(PAGE, "U123", replace(JOB, status=JobStatus.FAILED, failure_reason="x"), [], NOW),
        "running": views.already_running(PAGE, replace(JOB, status=JobStatus.IN_PROGRESS), "https://x.slack.com/p1"),
        "queued": views.sync_queued(PAGE),
        "cancel": views.cancel_requested(PAGE, replace(JOB, status=JobStatus.IN_PROGRESS)),
        "nothing": views.nothing_to_cancel(PAGE),
        "dm": views.sync_queued(PAGE, not_in_channel="C0123"),
        "connect": views.connect_link("https://fbsync.example.com/connect/start?state=abc"),
        "disconnect": views.disconnect_confirm(PAGE),
        "disconnected": views.disconnected(PAGE),
        "notify": views.notify_set(PAGE, "C0123"),
        "notify_off": views.notify_set(PAGE, None),
        "schedule": views.schedule_set(PAGE, "6h"),
        "schedule_off": views.schedule_set(PAGE, None),
        "scheduled": views.scheduled_summary(PAGE, JOB, 3),
        "scheduled_failed": views.scheduled_summary(PAGE, replace(JOB, status=JobStatus.FAILED), 0),
        "token_expiring": views.token_warning(PAGE, True, NOW + timedelta(days=5), NOW),
        "token_dead": views.token_warning(PAGE, False, None, NOW),
    }


VALID_TYPES = {"section", "context", "divider", "actions"}


@pytest.mark.parametrize("name", list(everything()))
def test_every_message_is_one_slack_accepts(name):
    message = everything()[name]
    assert set(message) == {"text", "blocks"}
    assert message["text"].strip()
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        assert block["type"] in VALID_TYPES
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            assert len(block.get("text", {}).get("text", "")) <= 3000
    assert_slack_accepts(message)


def test_long_lists_stay_within_slacks_block_limit():
    summaries = [PageSummary(replace(PAGE, id=i, name=f"Page {i}"), i, 0, None) for i in range(120)]
    message = views.pages_message(summaries, NOW)
    assert len(message["blocks"]) <= 50
    assert "…and 80 more pages" in visible_text(message)


def test_section_text_is_clipped_to_3000_characters():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="x" * 5000)
    for block in views.sync_finished(PAGE, "U1", job, [], NOW)["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= 3000


def test_user_text_is_escaped_for_mrkdwn():
    messages = [
        views.pages_message([PageSummary(TRICKY, 1, 1, None)], NOW),
        views.sync_started(TRICKY, "U1", 1, full=False),
        views.sync_finished(TRICKY, "U1", JOB, [("<b>", 1)], NOW),
        views.status_message(TRICKY, [JOB], NOW),
        views.error_message("no page matches '<Tom & Jerry>'"),
        views.pipeline_set(TRICKY, replace(SALES, name="A&B", stages=(Stage(1, "<x>", 0),)), AutoMode.SKIP_EXISTING),
    ]
    for message in messages:
        for text in (visible_text(message), message["text"]):
            assert "<Tom & Jerry>" not in text and "<tj>" not in text and "<b>" not in text and "<x>" not in text
            assert "A&B" not in text
    assert "&lt;Tom &amp; Jerry&gt;" in visible_text(messages[0])
    assert "@&lt;tj&gt;" in visible_text(messages[0])
    assert "A&amp;B" in visible_text(messages[-1])
