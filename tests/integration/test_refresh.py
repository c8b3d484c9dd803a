"""Webhook deliveries refreshing contacts: delivered signed to the Flask app, expanded by the real drain,
queued by the real dispatcher and refreshed by the real job function, against the Graph simulator, the
Slack stand-in, PostgreSQL and Redis. PostgreSQL's `pending_work` (kind 'refresh', subject_id = the
contact) is the only record of a refresh owed (core/work.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pytest
from refreshing import (  # noqa: F401 - fixtures, requested by name
    NOT_OWED,
    ROOT,
    SHOP,
    backdate,
    contact,
    customer_not_won,
    due_now,
    fixture_page,
    fixture_refresh,
    fixture_refreshes,
    owed,
    owed_to,
    pending_events,
    redis_came_back_empty,
    run_job,
    run_queued,
    set_mode,
    started,
    write_and_deliver,
)

from conftest import APP_SECRET, SALES_CHANNEL, TEAM_ID, expand_webhooks
from core import jobs, pages
from core.analysis.model import Analysis, AnalysisUnavailable, Transcript
from core.analysis.rules import RulesAnalyzer
from core.config import Settings
from core.pipeline import AutoMode
from core.qualify import Qualifier
from core.refresh import DEFER_SECONDS, RefreshStatus
from core.sync import SyncEngine
from sandbox import meta_webhooks


def test_an_existing_contact_moves_stage_and_the_channel_hears_of_it(web, sim, slack, pool, page, refresh):
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])

    write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")
    status = refresh(who["id"])

    after = contact(pool, who["id"])
    assert status == RefreshStatus.REFRESHED.value
    assert before["stage"] != "Won" and after["stage"] == "Won"
    assert after["last_interaction"] > before["last_interaction"]
    [notice] = slack.messages(SALES_CHANNEL)
    first = who["name"].split()[0]
    assert notice["text"].startswith(f"{first}") and f"-> Won (score {after['lead_score']})" in notice["text"]
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NULL").fetchone()["n"] == 0
    assert owed(pool) == []


def test_skip_existing_refreshes_the_summary_but_keeps_the_stage(web, sim, slack, pool, page, refresh):
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])

    write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")
    refresh(who["id"])

    after = contact(pool, who["id"])
    assert after["stage"] == before["stage"]
    assert after["ai_context"] != before["ai_context"] and "paid" in after["ai_context"]
    assert slack.messages(SALES_CHANNEL) == []


def test_a_burst_of_messages_becomes_one_refresh_after_the_debounce(
    web, sim, slack, pool, page, worker_env, dispatch, refreshes
):
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    who = customer_not_won(sim, pool)
    debounce = 1.5
    for text in ("hi! quick question", "do you do 10-class passes?", "I've just paid the invoice for one, thanks!"):
        write_and_deliver(web, pool, sim, who, text, debounce_seconds=debounce)
    contact_id = contact(pool, who["id"])["id"]

    [row] = owed(pool)
    with pool.connection() as conn:
        last = conn.execute(
            "SELECT max(received_at) AS at FROM webhook_events WHERE contact_id = %s", (contact_id,)
        ).fetchone()["at"]
    assert (row["contact_id"], row["version"]) == (contact_id, 3)  # one refresh, moved by each message
    assert row["due_at"] == last + timedelta(seconds=debounce)
    assert dispatch() == 0  # the person may still be typing
    deadline = time.monotonic() + 30
    while not dispatch():
        assert time.monotonic() < deadline, "the refresh never became due"
        time.sleep(0.05)
    queued_at = time.time()
    assert queued_at >= last.timestamp() + debounce

    ran = run_queued(refreshes)

    assert list(ran.values()) == [RefreshStatus.REFRESHED.value]
    assert contact(pool, who["id"])["stage"] == "Won" and len(slack.messages(SALES_CHANNEL)) == 1
    assert owed(pool) == [] and pending_events(pool, contact_id) == 0
    assert dispatch() == 0


def deliver_new_sender(web, pool, sim, platform: str, sender_id: str, text: str, **who) -> None:
    sent = sim.new_sender(SHOP.page_id, platform, sender_id, text, **who)
    if platform == "messenger":
        item = meta_webhooks.messenger_message(
            SHOP.page_id, sender_id, text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
        )
        payload = meta_webhooks.delivery("page", [(SHOP.page_id, [item])])
    else:
        assert SHOP.instagram_account_id is not None
        item = meta_webhooks.instagram_message(
            SHOP.instagram_account_id, sender_id, text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
        )
        payload = meta_webhooks.delivery("instagram", [(SHOP.instagram_account_id, [item])])
    assert meta_webhooks.post(f"{web}/webhooks/facebook", payload, APP_SECRET).status_code == 200
    expand_webhooks(pool)


def test_a_new_sender_becomes_a_named_contact_with_their_conversation(web, sim, pool, page, refresh):
    deliver_new_sender(
        web,
        pool,
        sim,
        "messenger",
        "24511299990001",
        "Hi! Could I get a quote for 40 class passes?",
        name="Grace Brewster Hopper",
    )
    assert contact(pool, "24511299990001")["first_name"] is None  # stored at delivery, named by the refresh

    refresh("24511299990001")

    grace = contact(pool, "24511299990001")
    assert (grace["first_name"], grace["last_name"]) == ("Grace", "Brewster Hopper")
    assert grace["ai_context"] and grace["stage"] is not None
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT count(*) AS n, count(conversation_id) AS linked FROM messages WHERE contact_id = %s", (grace["id"],)
        ).fetchone()
        conversations = conn.execute(
            "SELECT count(*) AS n FROM conversations WHERE contact_id = %s", (grace["id"],)
        ).fetchone()["n"]
    assert (rows["n"], rows["linked"], conversations) == (1, 1, 1)  # the webhook's message, not a copy


def test_a_new_instagram_sender_gets_their_profile_name(web, sim, pool, page, refresh):
    deliver_new_sender(
        web, pool, sim, "instagram", "6543210000000077", "do you have mats for sale?", username="mat.hunter"
    )
    refresh("6543210000000077")
    who = contact(pool, "6543210000000077")
    assert who["instagram_username"] == "mat.hunter" and who["first_name"] is not None


NAMES = [
    ("Иван Петров", ("Иван", "Петров")),
    ("Νίκος Παπαδόπουλος", ("Νίκος", "Παπαδόπουλος")),
    ("Nia 💕", ("Nia", None)),
    ("李小龙", ("李小龙", None)),
    ("สมชาย ใจดี", ("สมชาย ใจดี", None)),
]


@pytest.mark.parametrize("name, expected", NAMES)
@pytest.mark.parametrize("source", ["messenger profile", "instagram profile", "conversation"])
def test_a_new_sender_is_named_as_the_sync_names_people(web, sim, pool, page, refresh, name, expected, source):
    platform, sender = (
        ("instagram", "6543210000000123") if source == "instagram profile" else ("messenger", "24511299990123")
    )
    who = {"username": "ivan.p", "name": name} if platform == "instagram" else {"name": name}
    deliver_new_sender(web, pool, sim, platform, sender, "hello, do you have classes on saturday?", **who)
    if source == "conversation":
        sim.inject_profile_error(SHOP.page_id, sender, 230)

    refresh(sender)

    stored = contact(pool, sender)
    assert (stored["first_name"], stored["last_name"]) == expected


@pytest.mark.parametrize("code", [2018218, 230, 10])
def test_profile_errors_leave_the_name_empty_but_still_qualify(web, sim, pool, page, refresh, code):
    deliver_new_sender(
        web, pool, sim, "messenger", "24511299990002", "how much is a drop-in class?"
    )  # no name anywhere
    sim.inject_profile_error(SHOP.page_id, "24511299990002", code)

    status = refresh("24511299990002")

    who = contact(pool, "24511299990002")
    assert status == RefreshStatus.REFRESHED.value
    assert who["first_name"] is None and who["last_name"] is None  # never invented
    assert who["ai_context"] is not None


def test_without_a_profile_the_name_comes_from_the_conversation(web, sim, pool, page, refresh):
    deliver_new_sender(
        web, pool, sim, "messenger", "24511299990004", "is the sauna open on sundays?", name="Ada Lovelace"
    )
    sim.inject_profile_error(SHOP.page_id, "24511299990004", 230)

    refresh("24511299990004")

    who = contact(pool, "24511299990004")
    assert (who["first_name"], who["last_name"]) == ("Ada", "Lovelace")


def test_a_dead_token_marks_the_page_and_keeps_the_refresh_owed_until_it_is_reconnected(
    web, sim, pool, page, refresh, dispatch, connect_page
):
    deliver_new_sender(web, pool, sim, "messenger", "24511299990003", "hello?", name="Alan Turing")
    sim.inject_profile_error(SHOP.page_id, "24511299990003", 190)
    alan = contact(pool, "24511299990003")["id"]

    assert refresh("24511299990003") == RefreshStatus.TOKEN_DEAD.value
    with pool.connection() as conn:
        assert pages.get_page(conn, page.id).needs_reauth
    [row] = owed(pool)
    assert row["dispatched_at"] is None and row["attempts"] == 0  # released, not failed
    assert pending_events(pool, alan) == 1
    assert dispatch() == 0  # nothing is queued for a page awaiting reconnection

    sim.clear_profile_errors()
    connect_page(SHOP, team=TEAM_ID)  # reconnected, with a fresh token

    assert refresh("24511299990003") == RefreshStatus.REFRESHED.value
    assert contact(pool, "24511299990003")["first_name"] == "Alan" and owed(pool) == []


@pytest.mark.parametrize("how", ["needs reconnecting", "disconnected"])
def test_a_refresh_queued_before_its_page_stopped_keeps_it_owed(web, sim, pool, page, worker_env, dispatch, how):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "hello again")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)
    with pool.connection() as conn:
        (pages.mark_needs_reauth if how == "needs reconnecting" else pages.deactivate)(conn, page.id)

    assert run_job(page, contact_id, row["dispatch_id"]) == RefreshStatus.PAGE_INACTIVE.value

    [kept] = owed(pool)
    assert kept["version"] == row["version"] and kept["dispatched_at"] is None
    assert pending_events(pool, contact_id) == 1
    assert dispatch() == 0


def test_refreshes_of_a_page_awaiting_reconnection_wait_for_it(
    web, sim, pool, page, worker_env, dispatch, connect_page
):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "hello again")
    due_now(pool)
    with pool.connection() as conn:
        pages.mark_needs_reauth(conn, page.id)
    assert dispatch() == 0 and len(owed(pool)) == 1  # kept, not lost

    connect_page(SHOP, team=TEAM_ID)

    assert dispatch() == 1


def test_the_analysis_quota_spent_defers_the_refresh_a_minute(web, sim, pool, page, worker_env, dispatch, monkeypatch):
    """Every AI key out of quota: the refresh is owed again a minute later, its events still pending."""

    class OutOfQuota:
        name = "out-of-quota"

        def summarize(self, transcript: Transcript) -> Analysis:
            raise AnalysisUnavailable("every key is out of quota", retry_after=20)

        def analyze(
            self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
        ) -> Analysis:
            raise AnalysisUnavailable("every key is out of quota", retry_after=20)

    monkeypatch.setattr("worker.jobs.build_analyzer", lambda settings, **_: OutOfQuota())
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])
    write_and_deliver(web, pool, sim, who, "could you hold two mats for me until friday?")
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)

    assert run_job(page, before["id"], row["dispatch_id"]) == RefreshStatus.ANALYSIS_DEFERRED.value

    [deferred] = owed(pool)
    with pool.connection() as conn:
        wait = conn.execute("SELECT %s::timestamptz - now() AS wait", (deferred["due_at"],)).fetchone()["wait"]
    assert DEFER_SECONDS - 5 < wait.total_seconds() <= DEFER_SECONDS
    assert deferred["dispatched_at"] is None and deferred["version"] == row["version"]
    assert pending_events(pool, before["id"]) == 1
    assert contact(pool, who["id"])["ai_context"] == before["ai_context"]
    assert dispatch() == 0  # not before the minute is up
    backdate(pool, "due_at", DEFER_SECONDS)
    assert dispatch() == 1


def test_a_refresh_for_a_contact_deleted_since_is_forgotten(web, sim, pool, page, worker_env, dispatch):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "hello?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)
    with pool.connection() as conn:
        conn.execute("DELETE FROM contacts WHERE id = %s", (contact_id,))

    assert run_job(page, contact_id, row["dispatch_id"]) == RefreshStatus.CONTACT_GONE.value
    assert owed(pool) == [] and dispatch() == 0


def test_a_new_instagram_sender_keeps_their_profile_name_not_their_username(web, sim, pool, page, refresh):
    """The profile says "Grace Hopper"; the conversation only knows the username, which must not win."""
    deliver_new_sender(
        web,
        pool,
        sim,
        "instagram",
        "6543210000000078",
        "hi! do you sell mats?",
        name="Grace Hopper",
        username="grace.h",
    )

    refresh("6543210000000078")

    grace = contact(pool, "6543210000000078")
    assert (grace["first_name"], grace["last_name"], grace["instagram_username"]) == ("Grace", "Hopper", "grace.h")
    with pool.connection() as conn, conn.transaction():
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    SyncEngine(pool, Settings.from_env(), Qualifier(RulesAnalyzer())).run(job.id)  # a later sync sees "grace.h"
    assert contact(pool, "6543210000000078")["first_name"] == "Grace"


# --- owed once, done once: pending_work, dispatch ids and the job's claim ---------------------------


def test_a_refresh_settles_what_it_owed_and_a_second_run_does_nothing(web, sim, pool, page, worker_env, dispatch):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "could you hold two mats for me until friday?")
    contact_id = contact(pool, who["id"])["id"]
    [row] = owed(pool)
    assert row["dispatch_id"] is None  # owed, not queued: the debounce is not over
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)

    assert run_job(page, contact_id, row["dispatch_id"]) == RefreshStatus.REFRESHED.value
    assert owed(pool) == [] and pending_events(pool, contact_id) == 0
    after = contact(pool, who["id"])
    assert run_job(page, contact_id, row["dispatch_id"]) == NOT_OWED  # the same job run twice
    assert contact(pool, who["id"])["ai_context_updated_at"] == after["ai_context_updated_at"]
    assert dispatch() == 0


def test_a_delivery_during_a_refresh_leaves_another_refresh_owed(
    web, sim, pool, page, worker_env, dispatch, monkeypatch
):
    """The customer writes again while the refresh analyses: that analysis, made without the new
    message, is not applied, and the contact stays owed a refresh, which then runs with it."""

    class WritesAgainMidAnalysis:
        name = "rules"

        def __init__(self) -> None:
            self.rules = RulesAnalyzer()
            self.transcripts: list[Transcript] = []

        def summarize(self, transcript: Transcript) -> Analysis:
            self._analysing(transcript)
            return self.rules.summarize(transcript)

        def analyze(
            self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
        ) -> Analysis:
            self._analysing(transcript)
            return self.rules.analyze(transcript, stages, definitions)

        def _analysing(self, transcript: Transcript) -> None:
            self.transcripts.append(transcript)
            if len(self.transcripts) == 1:
                write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")

    analyzer = WritesAgainMidAnalysis()
    monkeypatch.setattr("worker.jobs.build_analyzer", lambda settings, **_: analyzer)
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])
    write_and_deliver(web, pool, sim, who, "do you have a beginners' class?")
    due_now(pool)
    assert dispatch() == 1
    [first] = owed(pool)

    run_job(page, before["id"], first["dispatch_id"])

    [again] = owed(pool)
    assert again["version"] == first["version"] + 1 and again["dispatched_at"] is None
    assert pending_events(pool, before["id"]) == 2
    assert contact(pool, who["id"])["ai_context"] == before["ai_context"]  # made without "paid": dropped
    due_now(pool)
    assert dispatch() == 1
    [second] = owed(pool)
    assert run_job(page, before["id"], second["dispatch_id"]) == RefreshStatus.REFRESHED.value
    assert [t.lines[-1].text for t in analyzer.transcripts] == [
        "do you have a beginners' class?",
        "I've just paid the invoice for the 10-class pass, thanks!",
    ]
    after = contact(pool, who["id"])
    assert "paid" in after["ai_context"] and after["stage"] == "Won"
    assert owed(pool) == [] and pending_events(pool, before["id"]) == 0
