"""`/fbsync status` and `/fbsync stats`: the numbers a sales team reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import views
from core.jobs import JobStatus
from support import ERRORS, JOB, NOW, PAGE, STATS, visible_text


def test_status_message_newest_first_with_errors_digest():
    failed = replace(
        JOB,
        id=43,
        status=JobStatus.FAILED,
        failure_reason="worker lost: no heartbeat for 600 s",
        errors=ERRORS,
        failed_contacts=7,
        completed_at=NOW - timedelta(minutes=1),
    )
    running = replace(
        JOB,
        id=44,
        status=JobStatus.IN_PROGRESS,
        completed_at=None,
        full_sync=True,
        started_at=NOW - timedelta(seconds=45),
    )
    text = visible_text(views.status_message(PAGE, [running, failed, JOB], NOW))
    assert (
        text.index(":arrows_counterclockwise: *Running*")
        < text.index(":x: *Failed*")
        < text.index(":white_check_mark: *Completed*")
    )
    assert "full sync" in text and "45s" in text
    assert "347 synced · 5 failed · 300 analysed" in text
    assert "Reason: worker lost: no heartbeat for 600 s" in text
    assert "code 100" in text and "code 102" in text and "code 103" not in text
    assert "…and 4 more" in text
    assert "2 min ago · 2m10s" in text  # JOB took 2m10s and finished 2m50s ago


def test_status_message_without_jobs():
    assert "No syncs yet" in visible_text(views.status_message(PAGE, [], NOW))


def test_status_message_reconnect():
    job = replace(JOB, status=JobStatus.FAILED, token_expired=True)
    text = visible_text(views.status_message(replace(PAGE, needs_reauth=True), [job], NOW))
    assert "Reconnect required" in text and "`/fbsync connect`" in text


def test_stats_message():
    message = views.stats_message(STATS, NOW)
    text = visible_text(message)
    assert "467 contacts" in text
    assert "*Messenger*\n347" in text and "*Instagram*\n120" in text
    assert "*Average lead score*\n62" in text
    assert "90%" in text  # 420 of 467 analysed
    assert "`██████████` New Lead: 200 · avg score 35" in text
    assert "`█████░░░░░` Contacted: 100 · avg score 58" in text
    assert "`░░░░░░░░░░` Won: 0" in text
    assert "Not in a pipeline: 167" in text
    assert "Completed" in text and "347 synced" in text


def test_stats_message_of_an_empty_page():
    empty = replace(
        STATS,
        contacts=0,
        messenger=0,
        instagram=0,
        analysed=0,
        average_score=None,
        stages=[],
        unplaced=0,
        recent_jobs=[],
    )
    text = visible_text(views.stats_message(empty, NOW))
    assert "0 contacts" in text and "0%" in text and "No pipeline stages" in text
