"""The sync thread: its parent, the progress it shows and the replies under it."""

from __future__ import annotations

from dataclasses import replace

from bot import views
from core.jobs import JobStatus
from support import ERRORS, JOB, NOW, PAGE, PROGRESS, buttons, visible_text


def test_sync_started_has_the_cancel_button():
    message = views.sync_started(PAGE, "U123", 42, full=True)
    text = visible_text(message)
    assert "Syncing *Bluebird Coffee* — started by <@U123>" in text
    assert "Full sync" in text
    [button] = buttons(message)
    assert button["action_id"] == views.CANCEL_ACTION == "fbsync_cancel"
    assert button["value"] == "42"
    assert button["style"] == "danger"
    assert button["text"]["text"] == "Cancel"
    assert "Full" not in visible_text(views.sync_started(PAGE, "U123", 42, full=False))


def test_sync_progress():
    text = visible_text(views.sync_progress(PROGRESS, NOW))
    for expected in (
        "*347* contacts synced",
        "5 failed",
        "Messenger",
        "360 conversations",
        "300 analysed",
        "12 stage changes",
        "2m10s",
        "160 contacts/min",
    ):
        assert expected in text
    assert "later" not in text
    deferred = replace(PROGRESS, analysis_deferred=9, analysis_backlog=9, platform=None)
    assert "9 to be analysed later (AI quota)" in visible_text(views.sync_progress(deferred, NOW))


def test_analysis_progress_gives_the_time_left_at_the_measured_rate():
    following = replace(PROGRESS, analyzed=1230, analysis_backlog=2770, analysis_rate=90.0)
    assert "1,230 of 4,000 analysed · about 31 min left at 90/min" in visible_text(views.sync_progress(following, NOW))


def test_the_final_message_says_when_analysis_is_complete():
    running = replace(
        JOB,
        analysis_backlog=40,
        analysis_rate=20.0,
        analysis_deferred_reason="every Gemini API key is out of quota (daily quota) for 3600s more",
    )
    text = visible_text(views.sync_finished(PAGE, "U123", running, [], NOW))
    assert "of" in text and "about 2 min left at 20/min" in text and "analysis paused: every Gemini" in text
    assert "Analysis complete" not in text
    done = replace(JOB, analysis_completed_at=NOW)
    assert "Analysis complete (12:00 UTC)" in visible_text(views.sync_finished(PAGE, "U123", done, [], NOW))


def test_sync_progress_at_the_very_start_has_no_rate():
    text = visible_text(views.sync_progress(replace(PROGRESS, started_at=NOW, synced=0), NOW))
    assert "0s" in text and "— contacts/min" in text


def test_platform_done():
    message = views.platform_done(replace(PROGRESS, platform="instagram", contacts_by_platform={"instagram": 120}), NOW)
    assert "Instagram done: 120 contacts" in visible_text(message)
    assert "Instagram done: 120 contacts" in message["text"]


def test_error_digest_lists_the_first_errors_and_counts_the_rest():
    job = replace(JOB, errors=ERRORS, failed_contacts=9)
    text = visible_text(views.error_digest(job, limit=5))
    assert text.count("• Messenger") == 5
    assert "`24511230000000`" in text and "profile unavailable (code 100)" in text
    assert "24511230000005" not in text
    assert "…and 4 more" in text  # 9 failures, 5 shown
    assert "9 contacts with errors" in text


def test_error_digest_without_a_code():
    job = replace(JOB, errors=[{"platform": "instagram", "id": "1", "error": "bad", "code": None}], failed_contacts=1)
    text = visible_text(views.error_digest(job))
    assert "Instagram `1`: bad" in text and "code" not in text and "more" not in text


def test_sync_finished_completed():
    job = replace(JOB, analysis_deferred=12, analysis_backlog=12)
    message = views.sync_finished(PAGE, "U123", job, [("New Lead", 200), ("Contacted", 100)], NOW)
    text = visible_text(message)
    assert "Synced 347 contacts of *Bluebird Coffee*, 5 failed (2m10s)" in text
    assert "New Lead: 200" in text and "Contacted: 100" in text
    assert "300 of 312 analysed" in text and "12 stage changes" in text
    assert "12 to be analysed later (AI quota)" in text
    assert "<@U123>" in text
    assert "Synced 347 contacts" in message["text"]
    assert buttons(message) == []


def test_sync_finished_of_a_job_that_never_started_or_was_not_started_from_slack():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="queue unreachable", started_at=None, synced_contacts=0)
    message = views.sync_finished(PAGE, "", job, [], NOW)
    assert "failed after 0 contacts: queue unreachable" in visible_text(message)
    assert "<@" not in visible_text(message)
    assert "<@" not in visible_text(views.sync_started(PAGE, "", 1, full=False))


def test_sync_finished_cancelled():
    job = replace(JOB, status=JobStatus.CANCELLED, synced_contacts=120)
    text = visible_text(views.sync_finished(PAGE, "U123", job, [], NOW))
    assert "cancelled after 120 contacts" in text


def test_sync_finished_failed_gives_the_reason():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="Graph API rate limit: waited 300 s")
    message = views.sync_finished(PAGE, "U123", job, [], NOW)
    assert "failed" in visible_text(message) and "Graph API rate limit: waited 300 s" in visible_text(message)
    assert "rate limit" in message["text"]


def test_sync_finished_token_expired_asks_for_a_reconnect():
    job = replace(JOB, status=JobStatus.FAILED, token_expired=True, failure_reason="token expired")
    message = views.sync_finished(PAGE, "U123", job, [], NOW)
    assert "Reconnect required" in visible_text(message) and "`/fbsync connect`" in visible_text(message)
    assert "Reconnect required" in message["text"]
