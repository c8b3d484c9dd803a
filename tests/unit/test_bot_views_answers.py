"""Short answers to commands: help, errors, refusals, a sync queued, running or cancelled."""

from __future__ import annotations

from dataclasses import replace

from bot import views
from core.jobs import JobStatus
from support import JOB, PAGE, STARTED, visible_text


def test_help_and_errors_show_the_usage():
    assert "/fbsync pages" in visible_text(views.help_message())
    text = visible_text(views.error_message("Which page?"))
    assert "Which page?" in text and "/fbsync pages" in text
    assert "only admins" in visible_text(views.denied("only admins"))


def test_already_running_links_to_the_thread():
    job = replace(JOB, status=JobStatus.IN_PROGRESS, completed_at=None)
    text = visible_text(views.already_running(PAGE, job, "https://acme.slack.com/archives/C1/p1"))
    assert "A sync of *Bluebird Coffee* is already running" in text
    assert f"<!date^{int(STARTED.timestamp())}^{{ago}}|" in text  # Slack shows "5 minutes ago" to each reader
    assert "<https://acme.slack.com/archives/C1/p1|" in text
    assert "https://" not in visible_text(views.already_running(PAGE, job, None))


def test_cancel_answers():
    running = replace(JOB, status=JobStatus.IN_PROGRESS, synced_contacts=80)
    assert "Stopping the sync of *Bluebird Coffee*" in visible_text(views.cancel_requested(PAGE, running))
    queued = replace(JOB, status=JobStatus.CANCELLED, started_at=None)
    assert "before it started" in visible_text(views.cancel_requested(PAGE, queued))
    assert "No sync of *Bluebird Coffee* is running" in visible_text(views.nothing_to_cancel(PAGE))


def test_sync_queued_and_dm_fallback():
    assert "Starting a sync of *Bluebird Coffee*" in visible_text(views.sync_queued(PAGE))
    text = visible_text(views.sync_queued(PAGE, not_in_channel="C0123"))
    assert "<#C0123>" in text and "`/invite @fbsync`" in text and "in this channel" not in text
