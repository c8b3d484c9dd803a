"""`/fbsync` over signed HTTP to the Flask app, against the Slack stand-in, real PostgreSQL and Redis."""

from __future__ import annotations

import json
import time

import pytest

from conftest import ADMIN, MEMBER, QUIET_CHANNEL, SALES_CHANNEL, TEAM_ID, serve_app, signed_slack_post
from core import jobs
from core.jobs import JobStatus
from sandbox.graph_sim import SimPage
from sandbox.slack_stub import block_errors
from support import buttons, visible_text

SHOP = SimPage(
    page_id="600000000000001",
    name="Bluebird Coffee Roasters",
    token="bluebird-token-77ab",
    messenger_count=30,
    instagram_count=5,
    instagram_account_id="17841400000000600",
    instagram_username="bluebird",
    seed=9,
)


@pytest.fixture
def page(sim, connect_page):
    """The page connected to the test workspace's organization."""
    sim.add_page(SHOP)
    return connect_page(SHOP, team=TEAM_ID)


def jobs_of(pool, page) -> list[jobs.SyncJob]:
    with pool.connection() as conn:
        return jobs.latest_jobs(conn, page.id, 10)


def test_help_is_answered_in_the_ack(slash):
    ack, _ = slash("help", expect_reply=False)
    assert ack.status_code == 200
    assert "/fbsync sync" in ack.text


def test_a_typo_gets_a_suggestion_and_nothing_is_enqueued(slash, sync_queue):
    ack, _ = slash("stauts", expect_reply=False)
    assert "Did you mean" in ack.text and "status" in ack.text
    assert sync_queue.count == 0


def test_a_wrong_signature_is_refused(web, slack, sync_queue, page):
    response = signed_slack_post(
        web,
        {
            "command": "/fbsync",
            "text": "sync bluebird",
            "team_id": TEAM_ID,
            "user_id": ADMIN,
            "channel_id": SALES_CHANNEL,
            "response_url": slack.response_url(),
        },
        secret="not-the-secret",
    )
    assert response.status_code == 401
    assert sync_queue.count == 0 and slack.calls_to("chat.postMessage") == []


def test_pages_lists_the_workspaces_pages(slash, page):
    _, reply = slash("pages", user=MEMBER)
    assert "Bluebird Coffee Roasters" in visible_text(reply) and SHOP.page_id in visible_text(reply)
    assert SHOP.token not in json.dumps(reply)  # anywhere in the payload, not only in what is shown


def test_another_workspace_does_not_see_the_page(slash, page):
    _, reply = slash("pages", team="T0OTHER")
    assert "Bluebird" not in json.dumps(reply)
    _, reply = slash("sync bluebird", team="T0OTHER")
    assert "no connected page" in visible_text(reply)


def test_a_member_may_read_but_not_start_a_sync(slash, pool, page, sync_queue):
    _, reply = slash("sync bluebird", user=MEMBER)
    assert "Only workspace admins" in visible_text(reply)
    assert jobs_of(pool, page) == [] and sync_queue.count == 0


def test_sync_posts_a_parent_with_cancel_and_enqueues_one_job(slash, slack, pool, page, sync_queue, dispatch):
    _, reply = slash("sync bluebird full")
    assert dispatch() == 1 and dispatch() == 0

    [job] = jobs_of(pool, page)
    assert job.status is JobStatus.PENDING and job.full_sync and job.requested_by == ADMIN
    [parent] = slack.messages(SALES_CHANNEL)
    assert (job.slack_channel, job.slack_thread_ts) == (SALES_CHANNEL, parent["ts"])
    assert "Bluebird Coffee Roasters" in parent["text"] and f"<@{ADMIN}>" in visible_text(parent)
    assert [(b["action_id"], b["value"]) for b in buttons(parent)] == [("fbsync_cancel", str(job.id))]
    [queued] = sync_queue.get_jobs()
    assert queued.func_name == "worker.jobs.run_sync" and queued.args == (job.id,)
    assert "Bluebird Coffee Roasters" in visible_text(reply)


def test_a_second_sync_links_the_running_one_instead(slash, slack, pool, page, sync_queue, dispatch):
    slash("sync bluebird")
    _, reply = slash("bluebird")  # shorthand
    dispatch()

    assert len(jobs_of(pool, page)) == 1 and sync_queue.count == 1
    assert "already running" in visible_text(reply)
    assert "https://fbsync-test.slack.com/archives/C0SALES/p" in visible_text(reply)


def test_without_the_bot_in_the_channel_progress_goes_by_dm(slash, slack, pool, page):
    _, reply = slash("sync bluebird", channel=QUIET_CHANNEL)

    [job] = jobs_of(pool, page)
    assert job.slack_channel.startswith("D") and slack.messages(job.slack_channel)
    # The reply is one Slack accepts (the stand-in refuses what Slack would), and says where progress goes.
    assert reply is not None and block_errors(reply["blocks"]) == []
    assert visible_text(reply) == (
        ":arrows_counterclockwise: Starting a sync of *Bluebird Coffee Roasters*.\n"
        f":information_source: I'm not a member of <#{QUIET_CHANNEL}>, so sync progress comes to you"
        " by direct message. To get it in the channel, invite me there with `/invite @fbsync`."
    )


def test_cancel_command_cancels_a_queued_sync(slash, pool, page):
    slash("sync bluebird")
    _, reply = slash("cancel bluebird")

    [job] = jobs_of(pool, page)
    assert job.status is JobStatus.CANCELLED
    assert "Bluebird" in visible_text(reply)
    _, again = slash("cancel bluebird")
    assert "nothing to cancel" in visible_text(again)


def test_cancel_button_cancels_the_job(web, slash, slack, pool, page):
    slash("sync bluebird")
    [job] = jobs_of(pool, page)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fbsync-test"},
        "user": {"id": ADMIN, "team_id": TEAM_ID},
        "api_app_id": "A0FBSYNC",
        "token": "x",
        "container": {"type": "message", "message_ts": job.slack_thread_ts, "channel_id": SALES_CHANNEL},
        "trigger_id": "1.2.3",
        "channel": {"id": SALES_CHANNEL},
        "response_url": slack.response_url(),
        "actions": [
            {
                "action_id": "fbsync_cancel",
                "block_id": "b",
                "value": str(job.id),
                "type": "button",
                "action_ts": "1732530000.1",
            }
        ],
    }
    response = signed_slack_post(web, {"payload": json.dumps(payload)})
    assert response.status_code == 200
    deadline = time.monotonic() + 10
    while jobs_of(pool, page)[0].status is not JobStatus.CANCELLED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs_of(pool, page)[0].status is JobStatus.CANCELLED


def test_pipeline_commands(slash, pool, page):
    _, listed = slash("pipelines", user=MEMBER)
    assert "Qualified Lead" in visible_text(listed)

    _, reply = slash("pipeline bluebird Sales update")
    assert "Sales" in visible_text(reply)
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT auto_pipeline_mode, auto_pipeline_id FROM facebook_pages WHERE id = %s", (page.id,)
        ).fetchone()
    assert row["auto_pipeline_mode"] == "UPDATE_EXISTING" and row["auto_pipeline_id"] is not None

    slash("pipeline bluebird off")
    with pool.connection() as conn:
        assert (
            conn.execute("SELECT auto_pipeline_id FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()[
                "auto_pipeline_id"
            ]
            is None
        )

    _, unknown = slash("pipeline bluebird Nonexistent")
    assert "no pipeline named" in visible_text(unknown)


def test_status_and_stats_after_a_sync(slash, pool, page, service_settings):
    from core.analysis.rules import RulesAnalyzer
    from core.qualify import Qualifier
    from core.sync import SyncEngine

    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer())).run(job.id)

    _, status = slash("status", user=MEMBER)  # the workspace's only page
    _, stats = slash("stats bluebird", user=MEMBER)

    assert ":white_check_mark: *Completed*" in visible_text(status) and "35 synced" in visible_text(status)
    assert "Won" in visible_text(stats) and "35 contacts" in visible_text(stats)


def test_redis_down_at_the_command_the_sync_waits_and_starts_once_it_is_back(
    pool, page, service_settings, slack, sync_queue, dispatch
):
    from dataclasses import replace

    broken = replace(service_settings, redis_url="unix:///nonexistent/redis.sock")
    with serve_app(broken) as web:
        signed_slack_post(
            web,
            {
                "team_id": TEAM_ID,
                "team_domain": "fbsync-test",
                "channel_id": SALES_CHANNEL,
                "user_id": ADMIN,
                "command": "/fbsync",
                "text": "sync bluebird",
                "response_url": slack.response_url(),
            },
        )
        deadline = time.monotonic() + 10
        while not slack.responses and time.monotonic() < deadline:
            time.sleep(0.02)

    [job] = jobs_of(pool, page)
    assert job.status is JobStatus.PENDING and "Bluebird Coffee Roasters" in visible_text(slack.responses[-1]["body"])
    assert sync_queue.count == 0
    assert dispatch() == 1  # Redis is back: the dispatcher queues what PostgreSQL held
    [queued] = sync_queue.get_jobs()
    assert queued.args == (job.id,)


def test_notify_sets_the_channel_for_stage_notices(slash, pool, page):
    _, reply = slash("notify bluebird")
    assert f"<#{SALES_CHANNEL}>" in visible_text(reply)
    with pool.connection() as conn:
        assert (
            conn.execute("SELECT notify_channel FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()[
                "notify_channel"
            ]
            == SALES_CHANNEL
        )
    slash("notify bluebird off")
    with pool.connection() as conn:
        assert (
            conn.execute("SELECT notify_channel FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()[
                "notify_channel"
            ]
            is None
        )
    _, denied = slash("notify bluebird", user=MEMBER)
    assert "Only workspace admins" in visible_text(denied)


@pytest.mark.parametrize("signature", ["v0=" + "0" * 64, None])
def test_a_refused_slack_request_is_logged_without_its_body(web, slack, caplog, signature):
    """A bad or missing signature: 401, and the log says so without the verification token or response_url."""
    import logging

    import requests

    from sandbox.slack_requests import slash_command_form

    form = slash_command_form(
        "sync bluebird",
        team_id=TEAM_ID,
        user_id=ADMIN,
        channel_id=SALES_CHANNEL,
        response_url="https://hooks.slack.com/commands/T0FBSYNC/1234/sEcReTpart",
    )
    form["token"] = "legacy-verification-token-42"
    headers = {"X-Slack-Request-Timestamp": str(int(time.time()))}
    if signature:
        headers["X-Slack-Signature"] = signature
    with caplog.at_level(logging.DEBUG):
        answer = requests.post(f"{web}/slack/events", data=form, headers=headers, timeout=10)

    assert answer.status_code == 401 and slack.responses == []
    assert any("slack request refused" in record.getMessage() for record in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "legacy-verification-token-42" not in logged and "sEcReTpart" not in logged
    assert "hooks.slack.com" not in logged


def click(web, slack, action_id: str, value: str, *, team: str = TEAM_ID) -> dict:
    """A signed button click from `team`; returns the ephemeral answer the clicker got."""
    before = len(slack.responses)
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "ws"},
        "user": {"id": ADMIN, "team_id": team},
        "api_app_id": "A0FBSYNC",
        "token": "x",
        "trigger_id": "1.2.3",
        "channel": {"id": SALES_CHANNEL},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": SALES_CHANNEL},
        "response_url": slack.response_url(),
        "actions": [
            {"action_id": action_id, "block_id": "b", "value": value, "type": "button", "action_ts": "1732530000.1"}
        ],
    }
    assert signed_slack_post(web, {"payload": json.dumps(payload)}).status_code == 200
    deadline = time.monotonic() + 10
    while len(slack.responses) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    return slack.responses[-1]["body"]


def test_another_workspaces_buttons_cannot_cancel_or_disconnect_the_page(web, slash, slack, pool, page):
    slash("sync bluebird")
    [job] = jobs_of(pool, page)

    cancel = click(web, slack, "fbsync_cancel", str(job.id), team="T0OTHER")
    disconnect = click(web, slack, "fbsync_disconnect", str(page.id), team="T0OTHER")
    unknown = click(web, slack, "fbsync_disconnect", "999999", team="T0OTHER")

    for answer in (cancel, disconnect, unknown):
        assert "That page is not connected to this workspace." in visible_text(answer)
    [still] = jobs_of(pool, page)
    assert still.status is JobStatus.PENDING and not still.cancel_requested
    with pool.connection() as conn:
        assert conn.execute("SELECT is_active FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()["is_active"]
