"""sync and cancel: the job, its thread's parent in the channel (or by DM), the job owed to the workers,
and Slack refusing along the way."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import views
from bot.listeners.commands import handle_fbsync
from conftest import ADMIN, QUIET_CHANNEL, SALES_CHANNEL
from core import jobs
from core.jobs import JobStatus
from support import buttons, visible_text


def refused(error: str) -> SlackApiError:
    """What the WebClient raises when Slack answers {"ok": false, "error": error}."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


def only_job(pool, page) -> jobs.SyncJob:
    with pool.connection() as conn:
        [job] = jobs.latest_jobs(conn, page.id)
    return job


def owed_syncs(pool) -> list[int]:
    """The sync jobs owed to the workers (the dispatcher queues them)."""
    with pool.connection() as conn:
        rows = conn.execute("SELECT subject_id FROM pending_work WHERE kind = 'sync' ORDER BY subject_id").fetchall()
    return [row["subject_id"] for row in rows]


def test_sync_posts_the_parent_here_and_queues_one_job(slack, pool, page):
    handle_fbsync(**slack.command("sync bluebird full"))

    answer = slack.answer()
    assert visible_text(answer) == (
        ":arrows_counterclockwise: Starting a sync of *Bluebird Coffee*; progress will appear in this channel."
    )
    job = only_job(pool, page)
    assert (job.status, job.full_sync, job.requested_by) == (JobStatus.PENDING, True, ADMIN)
    assert (job.slack_channel, job.slack_thread_ts) == (SALES_CHANNEL, slack.PARENT_TS)
    parent = slack.client.chat_postMessage.call_args.kwargs
    assert parent["channel"] == SALES_CHANNEL
    assert [(b["action_id"], b["value"]) for b in buttons(parent)] == [(views.CANCEL_ACTION, str(job.id))]
    assert owed_syncs(pool) == [job.id]


def test_a_second_sync_links_the_running_one(slack, pool, page):
    slack.client.chat_getPermalink.return_value = {"permalink": "https://fbsync-test.slack.com/archives/C0SALES/p1"}
    handle_fbsync(**slack.command("sync bluebird"))
    slack.forget()

    handle_fbsync(**slack.command("bluebird"))

    text = visible_text(slack.answer())
    assert "A sync of *Bluebird Coffee* is already running" in text
    assert "<https://fbsync-test.slack.com/archives/C0SALES/p1|Follow it in its thread>" in text
    slack.client.chat_getPermalink.assert_called_once_with(channel=SALES_CHANNEL, message_ts=slack.PARENT_TS)
    assert owed_syncs(pool) == [only_job(pool, page).id] and only_job(pool, page).status is JobStatus.PENDING


def test_without_the_bot_in_the_channel_progress_goes_by_dm(slack, pool, page):
    def post(channel: str, **_: object) -> dict:
        if channel == QUIET_CHANNEL:
            raise refused("not_in_channel")
        return {"channel": channel, "ts": slack.PARENT_TS}

    slack.client.chat_postMessage.side_effect = post

    handle_fbsync(**slack.command("sync bluebird", channel=QUIET_CHANNEL))

    assert visible_text(slack.answer()) == (
        ":arrows_counterclockwise: Starting a sync of *Bluebird Coffee*.\n"
        f":information_source: I'm not a member of <#{QUIET_CHANNEL}>, so sync progress comes to you by direct"
        " message. To get it in the channel, invite me there with `/invite @fbsync`."
    )
    slack.client.conversations_open.assert_called_once_with(users=ADMIN)
    assert only_job(pool, page).slack_channel == "D0" + ADMIN


def test_slack_refusing_the_parent_is_logged_and_the_sync_still_starts(slack, pool, page, caplog):
    slack.client.chat_postMessage.side_effect = refused("internal_error")

    with caplog.at_level(logging.WARNING):
        handle_fbsync(**slack.command("sync bluebird"))

    assert "progress will appear in this channel" in visible_text(slack.answer())
    assert "could not post sync parent error=internal_error" in caplog.text
    job = only_job(pool, page)
    assert job.slack_thread_ts is None and owed_syncs(pool) == [only_job(pool, page).id]
    slack.client.conversations_open.assert_not_called()


def test_no_channel_and_no_dm_is_logged_and_the_sync_still_starts(slack, pool, page, caplog):
    slack.client.chat_postMessage.side_effect = refused("not_in_channel")
    slack.client.conversations_open.side_effect = refused("cannot_dm_bot")

    with caplog.at_level(logging.WARNING):
        handle_fbsync(**slack.command("sync bluebird", channel=QUIET_CHANNEL))

    assert "progress will appear in this channel" in visible_text(slack.answer())
    assert "slack call failed" in caplog.text and "error=cannot_dm_bot" in caplog.text
    assert only_job(pool, page).slack_thread_ts is None and owed_syncs(pool) == [only_job(pool, page).id]


def test_cancel_a_queued_sync_then_there_is_nothing_to_cancel(slack, pool, page):
    handle_fbsync(**slack.command("sync bluebird"))
    slack.forget()

    handle_fbsync(**slack.command("cancel bluebird"))
    assert "Cancelled the queued sync of *Bluebird Coffee* before it started." in visible_text(slack.answer())
    assert only_job(pool, page).status is JobStatus.CANCELLED

    slack.forget()
    handle_fbsync(**slack.command("cancel bluebird"))
    assert "No sync of *Bluebird Coffee* is running, so there is nothing to cancel." in visible_text(slack.answer())
