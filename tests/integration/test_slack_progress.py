"""Sync progress in Slack: the live thread reply, its throttle, milestones and the final parent message."""
from __future__ import annotations

import itertools
import json

import pytest

from bot import views
from bot.progress import MIN_UPDATE_INTERVAL, SlackProgressReporter
from bot.slack_client import web_client
from conftest import ADMIN, SALES_CHANNEL
from core import jobs
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.stats import stage_breakdown
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(page_id="700000000000001", name="Harbour Bikes", token="harbour-token-slack-1",
               messenger_count=260, instagram_count=40, instagram_account_id="17841400000000700",
               instagram_username="harbourbikes", seed=21)


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


@pytest.fixture
def run_with_slack(pool, service_settings, slack, page):
    """Runs a sync of `page` the way a worker does, reporting to a parent message in #sales."""

    def run(*, clock=None, before_sync=lambda: None) -> jobs.SyncJob:
        client = web_client(service_settings)
        with pool.connection() as conn:
            job = jobs.create_job(conn, page.id, requested_by=ADMIN, slack_channel=SALES_CHANNEL,
                                  stale_after_seconds=600)
            parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, False))
            jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])
            job = jobs.get_job(conn, job.id)

        def breakdown():
            with pool.connection() as conn:
                return stage_breakdown(conn, page.id)

        reporter = SlackProgressReporter(client, page, job, breakdown, **({"clock": clock} if clock else {}))
        before_sync()
        return SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer()), reporter=reporter,
                          sleep=lambda s: None).run(job.id)

    return run


def parent_message(slack) -> dict:
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["thread_ts"] in (None, m["ts"])]
    return parent


def progress_updates(slack) -> list[dict]:
    parent = parent_message(slack)
    progress_reply = slack.thread(SALES_CHANNEL, parent["ts"])[0]
    return [c for c in slack.calls_to("chat.update") if c["args"]["ts"] == progress_reply["ts"]]


def test_a_slow_sync_updates_progress_at_least_every_ten_contacts(run_with_slack, slack):
    slow_clock = itertools.count(step=MIN_UPDATE_INTERVAL + 1).__next__  # every reading 3 s later

    job = run_with_slack(clock=slow_clock)

    assert job.status is JobStatus.COMPLETED and job.synced_contacts == 300
    assert len(progress_updates(slack)) >= 300 // 10


def test_a_fast_sync_never_updates_faster_than_the_throttle(run_with_slack, slack):
    job = run_with_slack()

    updates = progress_updates(slack)
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(updates, updates[1:-1])]
    assert all(gap >= MIN_UPDATE_INTERVAL * 0.95 for gap in gaps)
    assert len(updates) < 300 // 10
    # The final state is always written.
    parent = parent_message(slack)
    assert slack.thread(SALES_CHANNEL, parent["ts"])[0]["text"].endswith(f"{job.synced_contacts} contacts synced")


def test_thread_has_milestones_and_the_parent_the_outcome(run_with_slack, slack):
    job = run_with_slack()

    parent = parent_message(slack)
    replies = [reply["text"] for reply in slack.thread(SALES_CHANNEL, parent["ts"])]
    assert any("Messenger" in text and "260" in text for text in replies)
    assert any("Instagram" in text and "40" in text for text in replies)
    assert "300" in parent["text"] and parent["updates"] >= 1
    final = json.dumps(parent["blocks"], ensure_ascii=False)
    assert "fbsync_cancel" not in final  # no Cancel button on a finished sync
    assert "New Lead" in final or "Won" in final  # the stage breakdown
    assert job.status is JobStatus.COMPLETED


def test_slack_rate_limits_are_waited_out_and_never_fail_the_sync(run_with_slack, slack):
    slack.rate_limit("chat.update", times=1, retry_after=1)

    job = run_with_slack()

    assert job.status is JobStatus.COMPLETED
    assert [c["status"] for c in slack.calls_to("chat.update")].count(429) == 1
    assert "300" in parent_message(slack)["text"]


def test_a_dead_token_ends_with_reconnect_required(run_with_slack, slack, sim):
    sim.inject(SHOP.page_id, "token_invalid", on_call=2, permanent=True)

    job = run_with_slack()

    assert job.status is JobStatus.FAILED and job.token_expired
    parent = parent_message(slack)
    assert "Reconnect" in parent["text"] or "reconnect" in json.dumps(parent["blocks"])
    assert SHOP.token not in json.dumps(slack.calls)


def test_slack_errors_do_not_fail_the_sync(run_with_slack, slack):
    def slack_breaks() -> None:
        slack.fail("chat.postMessage", "internal_error", times=100)
        slack.fail("chat.update", "internal_error", times=100)

    job = run_with_slack(before_sync=slack_breaks)

    assert (job.status, job.synced_contacts) == (JobStatus.COMPLETED, 300)
    assert slack.calls_to("chat.update")  # it tried, and carried on
