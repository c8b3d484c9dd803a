"""The daily token check: Meta's debug_token over HTTP flags dead tokens and announces expiring ones."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from conftest import APP_ID, APP_SECRET, MEMBER, SALES_CHANNEL, TEAM_ID, due_in
from core import pages
from core.work import Kind
from sandbox.graph_sim import SimPage
from worker.scheduled import check_page_tokens

FINE = SimPage(page_id="960000000000001", name="Fine Page", token="EAAfine-token-1", messenger_count=1)
DEAD = SimPage(page_id="960000000000002", name="Dead Page", token="EAAdead-token-2", messenger_count=1)
DYING = SimPage(page_id="960000000000003", name="Dying Page", token="EAAdying-token-3", messenger_count=1)


def test_dead_and_expiring_tokens_are_flagged_and_announced(sim, pool, connect_page, service_settings, slack, slash):
    for shop in (FINE, DEAD, DYING):
        sim.add_page(shop)
        page = connect_page(shop, team=TEAM_ID)
        with pool.connection() as conn:
            pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
    sim.expire_token(DEAD.page_id, int(time.time()) - 60)  # Meta already expired it
    sim.expire_token(DYING.page_id, int(time.time()) + 3 * 86400)

    problems = check_page_tokens(pool, service_settings, datetime.now(UTC))

    assert problems == 2
    # Announced in each page's notify channel, by check_page_tokens itself.
    notices = slack.messages(SALES_CHANNEL)
    assert sorted(message["text"] for message in notices) == ["Reconnect Dead Page", "Reconnect Dying Page"]
    with pool.connection() as conn:
        flags = {p.page.name: (p.page.needs_reauth, p.page.token_expires_at) for p in pages.list_pages(conn)}
    assert flags["Dead Page"][0] and not flags["Fine Page"][0] and not flags["Dying Page"][0]
    assert flags["Dying Page"][1] is not None
    for message in notices:
        assert "/fbsync connect" in json.dumps(message["blocks"])
        assert all(shop.token not in json.dumps(message) for shop in (FINE, DEAD, DYING))

    _, listed = slash("pages", user=MEMBER)
    text = json.dumps(listed, ensure_ascii=False)
    assert "Needs reconnect" in text and "token expires" in text


def test_the_daily_check_runs_as_owed_work_and_is_owed_again_a_day_later(
    sim, pool, connect_page, slack, worker_env, monkeypatch, dispatch, sync_queue
):
    from rq import SimpleWorker

    from worker.jobs import TOKEN_CHECK_EVERY
    from worker.queues import refresh_queue

    monkeypatch.setenv("FB_APP_ID", APP_ID)
    monkeypatch.setenv("FB_APP_SECRET", APP_SECRET)
    sim.add_page(DEAD)
    page = connect_page(DEAD, team=TEAM_ID)
    with pool.connection() as conn:
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
        conn.execute("INSERT INTO pending_work (kind, subject_id) VALUES (%s, 0)", (Kind.TOKEN_CHECK.value,))
    sim.expire_token(DEAD.page_id, int(time.time()) - 60)

    assert dispatch() == 1
    SimpleWorker([refresh_queue(sync_queue.connection)], connection=sync_queue.connection).work(burst=True)

    assert [message["text"] for message in slack.messages(SALES_CHANNEL)] == ["Reconnect Dead Page"]
    with pool.connection() as conn:
        wait = due_in(conn, Kind.TOKEN_CHECK, 0)
    assert wait is not None and wait > timedelta(seconds=TOKEN_CHECK_EVERY - 60)
    assert dispatch() == 0
