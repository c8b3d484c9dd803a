"""Webhook deliveries refreshing contacts: delivered signed to the Flask app, refreshed by the real
job function, against the Graph simulator, the Slack stand-in, PostgreSQL and Redis."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import APP_SECRET, SALES_CHANNEL, TEAM_ID, expand_webhooks
from core import jobs, pages
from core.analysis.rules import RulesAnalyzer
from core.locks import ContactLocks
from core.pipeline import AutoMode, auto_pipeline_of, set_auto_pipeline
from core.qualify import Qualifier
from core.refresh import RefreshStatus
from core.sync import SyncEngine
from sandbox import meta_webhooks
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="910000000000001",
    name="Lakeside Yoga",
    token="lakeside-refresh-token-3",
    messenger_count=40,
    instagram_count=10,
    instagram_account_id="17841400000000910",
    instagram_username="lakesideyoga",
    seed=13,
)


@pytest.fixture
def page(sim, pool, service_settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP, team=TEAM_ID)
    with pool.connection() as conn, conn.transaction():
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer())).run(job.id)
    with pool.connection() as conn:
        return pages.get_page(conn, page.id)


def set_mode(pool, page, mode: AutoMode) -> None:
    with pool.connection() as conn:
        current = auto_pipeline_of(conn, page.id)
        assert current is not None
        set_auto_pipeline(conn, page.id, current.pipeline, mode)


def contact(pool, external_id: str) -> dict:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT c.*, s.name AS stage FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
            " WHERE c.messenger_psid = %s OR c.instagram_sid = %s",
            (external_id, external_id),
        ).fetchone()


def customer_not_won(sim, pool) -> dict:
    for index in range(SHOP.messenger_count):
        who = sim.customer(SHOP.page_id, "messenger", index)
        if who["name"] and contact(pool, who["id"])["stage"] not in ("Won", "Lost"):
            return {**who, "index": index}
    raise AssertionError("every demo contact is already won or lost")


def write_and_deliver(web, pool, sim, who: dict, text: str) -> None:
    """The customer writes: Meta's inbox changes, Meta delivers the webhook, and the cron drain
    expands it."""
    sent = sim.touch(SHOP.page_id, "messenger", who["index"], text)
    item = meta_webhooks.messenger_message(
        SHOP.page_id, who["id"], text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
    )
    response = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
    )
    assert response.status_code == 200
    expand_webhooks(pool)


def refresh(pool, page, external_id: str) -> str:
    from worker.jobs import run_refresh

    return run_refresh(page.id, contact(pool, external_id)["id"])


def test_an_existing_contact_moves_stage_and_the_channel_hears_of_it(web, sim, slack, pool, page, worker_env):
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])

    write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")
    status = refresh(pool, page, who["id"])

    after = contact(pool, who["id"])
    assert status == RefreshStatus.REFRESHED.value
    assert before["stage"] != "Won" and after["stage"] == "Won"
    assert after["last_interaction"] > before["last_interaction"]
    [notice] = slack.messages(SALES_CHANNEL)
    first = who["name"].split()[0]
    assert notice["text"].startswith(f"{first}") and f"-> Won (score {after['lead_score']})" in notice["text"]
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NULL").fetchone()["n"] == 0


def test_skip_existing_refreshes_the_summary_but_keeps_the_stage(web, sim, slack, pool, page, worker_env):
    who = customer_not_won(sim, pool)
    before = contact(pool, who["id"])

    write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")
    refresh(pool, page, who["id"])

    after = contact(pool, who["id"])
    assert after["stage"] == before["stage"]
    assert after["ai_context"] != before["ai_context"] and "paid" in after["ai_context"]
    assert slack.messages(SALES_CHANNEL) == []


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


def test_a_new_sender_becomes_a_named_contact_with_their_conversation(web, sim, pool, page, worker_env):
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

    refresh(pool, page, "24511299990001")

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


def test_a_new_instagram_sender_gets_their_profile_name(web, sim, pool, page, worker_env):
    deliver_new_sender(
        web, pool, sim, "instagram", "6543210000000077", "do you have mats for sale?", username="mat.hunter"
    )
    refresh(pool, page, "6543210000000077")
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
def test_a_new_sender_is_named_as_the_sync_names_people(web, sim, pool, page, worker_env, name, expected, source):
    platform, sender = (
        ("instagram", "6543210000000123") if source == "instagram profile" else ("messenger", "24511299990123")
    )
    who = {"username": "ivan.p", "name": name} if platform == "instagram" else {"name": name}
    deliver_new_sender(web, pool, sim, platform, sender, "hello, do you have classes on saturday?", **who)
    if source == "conversation":
        sim.inject_profile_error(SHOP.page_id, sender, 230)

    refresh(pool, page, sender)

    stored = contact(pool, sender)
    assert (stored["first_name"], stored["last_name"]) == expected


@pytest.mark.parametrize("code", [2018218, 230, 10])
def test_profile_errors_leave_the_name_empty_but_still_qualify(web, sim, pool, page, worker_env, code):
    deliver_new_sender(
        web, pool, sim, "messenger", "24511299990002", "how much is a drop-in class?"
    )  # no name anywhere
    sim.inject_profile_error(SHOP.page_id, "24511299990002", code)

    status = refresh(pool, page, "24511299990002")

    who = contact(pool, "24511299990002")
    assert status == RefreshStatus.REFRESHED.value
    assert who["first_name"] is None and who["last_name"] is None  # never invented
    assert who["ai_context"] is not None


def test_without_a_profile_the_name_comes_from_the_conversation(web, sim, pool, page, worker_env):
    deliver_new_sender(
        web, pool, sim, "messenger", "24511299990004", "is the sauna open on sundays?", name="Ada Lovelace"
    )
    sim.inject_profile_error(SHOP.page_id, "24511299990004", 230)

    refresh(pool, page, "24511299990004")

    who = contact(pool, "24511299990004")
    assert (who["first_name"], who["last_name"]) == ("Ada", "Lovelace")


def test_a_dead_token_marks_the_page_and_stops_refreshing(web, sim, pool, page, worker_env):
    deliver_new_sender(web, pool, sim, "messenger", "24511299990003", "hello?", name="Alan Turing")
    sim.inject_profile_error(SHOP.page_id, "24511299990003", 190)

    assert refresh(pool, page, "24511299990003") == RefreshStatus.TOKEN_DEAD.value
    with pool.connection() as conn:
        assert pages.get_page(conn, page.id).needs_reauth
    assert refresh(pool, page, "24511299990003") == RefreshStatus.PAGE_INACTIVE.value


def test_a_refresh_waits_for_a_sync_writing_the_same_contact(web, sim, pool, page, worker_env, service_settings):
    """The sync holds the contact's lock while it analyses; the refresh runs after it commits, so the
    webhook's newer message is what the contact ends up with."""
    import redis

    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    who = customer_not_won(sim, pool)
    locks = ContactLocks(redis.Redis.from_url(service_settings.redis_url))
    contact_id = contact(pool, who["id"])["id"]
    sync_wrote, sync_holds_lock = threading.Event(), threading.Event()

    def slow_sync_write() -> None:
        with locks.hold([contact_id]):
            sync_holds_lock.set()
            time.sleep(1.0)  # a slow analysis
            with pool.connection() as conn:
                conn.execute("UPDATE contacts SET ai_context = 'written by the sync' WHERE id = %s", (contact_id,))
            sync_wrote.set()

    sync = threading.Thread(target=slow_sync_write)
    sync.start()
    assert sync_holds_lock.wait(10)
    write_and_deliver(web, pool, sim, who, "I've just paid the invoice for the 10-class pass, thanks!")
    refresh(pool, page, who["id"])
    sync.join()

    assert sync_wrote.is_set()
    final = contact(pool, who["id"])
    assert final["ai_context"] != "written by the sync" and "paid" in final["ai_context"]
    assert final["stage"] == "Won"


def test_a_contact_held_past_the_wait_postpones_the_refresh_and_keeps_its_events(
    web, sim, pool, page, service_settings
):
    """A refresh that cannot get the contact is no failed job: it says so, and the contact's webhook
    events stay pending for the next refresh."""
    import redis

    from core.graph import GraphClient
    from core.refresh import Refresher

    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "Can I book a class for Saturday?")
    contact_id = contact(pool, who["id"])["id"]
    client = redis.Redis.from_url(service_settings.redis_url)
    refresher = Refresher(
        pool,
        Qualifier(RulesAnalyzer()),
        ContactLocks(client, wait_seconds=0.2),
        lambda _page: GraphClient.for_page(service_settings, SHOP.token),
    )

    with ContactLocks(client).hold([contact_id]):
        result = refresher.refresh(page.id, contact_id)

    assert result.status is RefreshStatus.CONTACT_BUSY
    with pool.connection() as conn:
        pending = conn.execute(
            "SELECT count(*) AS n FROM webhook_events WHERE contact_id = %s AND processed_at IS NULL", (contact_id,)
        ).fetchone()["n"]
    assert pending == 1
    [still_owed] = owed(pool)
    assert still_owed["enqueued_at"] is None  # released for the drain to queue again shortly
    assert refresher.refresh(page.id, contact_id).status is RefreshStatus.REFRESHED
    assert owed(pool) == []


def test_a_new_instagram_sender_keeps_their_profile_name_not_their_username(web, sim, pool, page, worker_env):
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

    refresh(pool, page, "6543210000000078")

    grace = contact(pool, "6543210000000078")
    assert (grace["first_name"], grace["last_name"], grace["instagram_username"]) == ("Grace", "Hopper", "grace.h")
    with pool.connection() as conn, conn.transaction():
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    from core.config import Settings

    SyncEngine(pool, Settings.from_env(), Qualifier(RulesAnalyzer())).run(job.id)  # a later sync sees "grace.h"
    assert contact(pool, "6543210000000078")["first_name"] == "Grace"


def owed(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute("SELECT contact_id, enqueued_at, attempts, version FROM pending_refreshes").fetchall()


def test_a_refresh_settles_what_it_owed_and_a_second_run_does_nothing(web, sim, pool, page, worker_env):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "could you hold two mats for me until friday?")
    assert len(owed(pool)) == 1

    assert refresh(pool, page, who["id"]) == RefreshStatus.REFRESHED.value
    assert owed(pool) == []
    assert refresh(pool, page, who["id"]) == RefreshStatus.NOTHING_PENDING.value  # the same job run twice


def test_a_delivery_during_a_refresh_leaves_another_refresh_owed(web, sim, pool, page, worker_env):
    from core import refresh_outbox

    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "do you have a beginners' class?")
    contact_id = contact(pool, who["id"])["id"]
    with pool.connection() as conn:
        claim = refresh_outbox.owed(conn, contact_id)  # a refresh starts reading here
    assert claim is not None
    version = claim.version
    write_and_deliver(web, pool, sim, who, "actually, two of us would come")
    with pool.connection() as conn, conn.transaction():
        assert refresh_outbox.settle(conn, contact_id, version) is False

    [row] = owed(pool)
    assert row["enqueued_at"] is None and row["version"] == version + 1


def drain(sync_queue) -> int:
    from worker.jobs import queue_pending_refreshes

    return queue_pending_refreshes()


def due_now(pool) -> None:
    with pool.connection() as conn:
        conn.execute("UPDATE pending_refreshes SET due_at = now()")  # the debounce has passed


def test_refreshes_marked_enqueued_whose_jobs_vanished_are_queued_again(web, sim, pool, page, worker_env, sync_queue):
    """Redis restarted empty or flushed: PostgreSQL still says the refresh is owed, so it is queued again."""
    from rq import Queue

    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    due_now(pool)
    refreshes = Queue("refresh", connection=sync_queue.connection)
    assert drain(sync_queue) == 1 and len(refreshes) == 1
    assert drain(sync_queue) == 0  # its job is on the queue: nothing to do

    refreshes.empty()  # the job vanishes, as in a FLUSHALL

    assert drain(sync_queue) == 1 and len(refreshes) == 1
    [row] = owed(pool)
    assert row["attempts"] == 2


def test_a_claim_older_than_the_bound_is_queued_again_whatever_redis_says(
    web, sim, pool, page, worker_env, sync_queue, monkeypatch
):
    """Redis says the job is queued, but the queue no longer holds it (a partial loss): past the
    bound, the job is queued again rather than trusted."""
    from rq import Queue
    from rq.job import Job

    monkeypatch.setenv("FBSYNC_REFRESH_REQUEUE_AFTER", "60")
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    due_now(pool)
    assert drain(sync_queue) == 1
    refreshes = Queue("refresh", connection=sync_queue.connection)
    [job_id] = refreshes.get_job_ids()
    sync_queue.connection.delete(refreshes.key)  # the queue list is gone; the job hash says "queued"
    assert Job.fetch(job_id, connection=sync_queue.connection).get_status() == "queued"
    assert drain(sync_queue) == 0  # within the bound, Redis is believed
    with pool.connection() as conn:
        conn.execute("UPDATE pending_refreshes SET enqueued_at = now() - interval '61 seconds'")

    assert drain(sync_queue) == 1
    assert refreshes.get_job_ids() == [job_id]


def test_refreshes_of_a_page_awaiting_reconnection_wait_for_it(web, sim, pool, page, worker_env, sync_queue):
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "hello again")
    due_now(pool)
    with pool.connection() as conn:
        pages.mark_needs_reauth(conn, page.id)
    assert drain(sync_queue) == 0 and len(owed(pool)) == 1  # kept, not lost


def test_a_refresh_waiting_behind_a_long_sync_is_renewed_not_given_up(
    web, sim, pool, page, worker_env, sync_queue, monkeypatch
):
    """Its job still waits in the queue at every bound: the claim is renewed, not pushed again, and
    waiting is not a failed attempt."""
    from rq import Queue

    monkeypatch.setenv("FBSYNC_REFRESH_REQUEUE_AFTER", "60")
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    due_now(pool)
    assert drain(sync_queue) == 1
    for _ in range(12):
        with pool.connection() as conn:
            conn.execute("UPDATE pending_refreshes SET enqueued_at = now() - interval '61 seconds'")
        assert drain(sync_queue) == 0
    [row] = owed(pool)
    assert row["attempts"] == 1 and row["enqueued_at"] is not None
    assert Queue("refresh", connection=sync_queue.connection).count == 1
