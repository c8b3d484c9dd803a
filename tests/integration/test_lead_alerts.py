"""Hot-lead alerts: an analysis (a webhook refresh, a sync) moving a contact into one of its page's alert
stages posts the contact's lead card in the page's notify channel once per contact and stage, or one
digest for a burst. Driven as in production: the real drain, dispatcher, refresh and alert jobs, against
the Graph simulator, the Slack stand-in, PostgreSQL and Redis. The analyzer is a stub that says which
stage, so that each test decides where its contacts go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from refreshing import (  # noqa: F401 - fixtures, requested by name
    SHOP,
    contact,
    customer_not_won,
    fixture_page,
    fixture_refresh,
    fixture_refreshes,
    run_queued,
    set_mode,
    write_and_deliver,
)

from bot.views import escape
from conftest import ADMIN, SALES_CHANNEL, TEAM_ID
from core import alerts, jobs, pages, work
from core.analysis.model import Analysis, Transcript
from core.leads import leads_in_stage, resolve_stage, set_stage
from core.pipeline import AutoMode
from core.qualify import Qualifier
from core.refresh import RefreshStatus
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage
from support import assert_slack_accepts, visible_text
from worker.alerts import post_lead_alerts


class Says:
    """An analyzer whose verdict the test sets: every contact in `stage`, scored by its name."""

    name = "says"

    def __init__(self, stage: str) -> None:
        self.stage = stage

    def summarize(self, transcript: Transcript) -> Analysis:
        return Analysis(f"{transcript.contact_name} wrote")

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        score = 40 + sum(map(ord, transcript.contact_name)) % 60
        return Analysis(f"{transcript.contact_name} wants a class pass", self.stage, score, confidence=80)


@pytest.fixture(name="says")
def fixture_says(monkeypatch, pool, page) -> Says:
    """The refresh job's analyzer; the page lets analyses move placed contacts."""
    analyzer = Says("Qualified Lead")
    monkeypatch.setattr("worker.jobs.build_analyzer", lambda settings, **_: analyzer)
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    return analyzer


def run_alert_jobs(pool, dispatch, refreshes) -> list[str]:
    """The page's alerts once their gathering delay has passed: dispatched and run as a worker does."""
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'alerts'")
    dispatch()
    return [result for job_id, result in run_queued(refreshes).items() if job_id.startswith("alerts-")]


def unsent(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM lead_alerts WHERE sent_at IS NULL").fetchone()["n"]


def alerts_owed(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute("SELECT * FROM pending_work WHERE kind = 'alerts'").fetchall()


def fresh_customers(sim, pool) -> list[dict]:
    """Customers (with a name) the first sync left outside the alert stages."""
    fresh = []
    for index in range(SHOP.messenger_count):
        who = sim.customer(SHOP.page_id, "messenger", index)
        if who["name"] and contact(pool, who["id"])["stage"] in ("New Lead", "Contacted"):
            fresh.append({**who, "index": index})
    return fresh


def fresh_customer(sim, pool) -> dict:
    fresh = fresh_customers(sim, pool)
    assert fresh, "no demo contact is new or contacted"
    return fresh[0]


def test_a_refresh_that_qualifies_a_contact_posts_its_card_once(
    web, sim, slack, pool, page, says, refresh, dispatch, refreshes
):
    who = fresh_customer(sim, pool)
    write_and_deliver(web, pool, sim, who, "how much is the 10-class pass? I'd like to start monday")

    assert refresh(who["id"]) == RefreshStatus.REFRESHED.value
    assert contact(pool, who["id"])["stage"] == "Qualified Lead"
    assert slack.messages(SALES_CHANNEL) == []  # no one-line notice: the card tells

    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 1 of 1"]

    [card] = slack.messages(SALES_CHANNEL)
    assert_slack_accepts(card)
    text = visible_text(card)
    first = who["name"].split()[0]
    assert text.startswith(":fire: New *Qualified Lead* on *Lakeside Yoga*") and f"*{first}" in text
    assert any(block["type"] == "actions" for block in card["blocks"])  # Move to…, Not a lead
    assert unsent(pool) == 0 and alerts_owed(pool) == []

    # Run again (a copy of the job, or the page owed again with nothing new): nothing is posted twice.
    with pool.connection() as conn:
        work.owe(conn, work.Kind.ALERTS, page.id, page_pk=page.id)
    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 0 of 0"]

    # Out of the stage and back in: the way out is a one-line notice, the way back nothing at all.
    says.stage = "Contacted"
    write_and_deliver(web, pool, sim, who, "actually let me think about it")
    refresh(who["id"])
    says.stage = "Qualified Lead"
    write_and_deliver(web, pool, sim, who, "ok, how much for the pass again?")
    refresh(who["id"])
    assert contact(pool, who["id"])["stage"] == "Qualified Lead"
    run_alert_jobs(pool, dispatch, refreshes)

    card_again, notice = slack.messages(SALES_CHANNEL)
    assert card_again == card and "-> Contacted" in notice["text"]
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_a_stale_job_copy_posts_nothing(web, sim, slack, pool, page, says, refresh, dispatch, refreshes, worker_env):
    who = fresh_customer(sim, pool)
    write_and_deliver(web, pool, sim, who, "how much is the 10-class pass?")
    refresh(who["id"])
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'alerts'")
    dispatch()
    [row] = alerts_owed(pool)

    assert post_lead_alerts(page.id, row["dispatch_id"]) == "sent 1 of 1"
    assert post_lead_alerts(page.id, row["dispatch_id"]) == "not owed"  # the queue delivered it twice

    assert len(slack.messages(SALES_CHANNEL)) == 1


def test_a_sync_into_alert_stages_posts_one_digest(
    sim, slack, pool, settings, connect_page, dispatch, refreshes, worker_env
):
    shop = SimPage(page_id="910000000000077", name="Fig Bakery", token="fig-token-7", messenger_count=60, seed=5)
    sim.add_page(shop)
    page = connect_page(shop, team=TEAM_ID)
    with pool.connection() as conn:
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    assert SyncEngine(pool, settings, Qualifier(Says("Qualified Lead"))).run(job.id).status is jobs.JobStatus.COMPLETED
    with pool.connection() as conn:
        top = leads_in_stage(conn, page.id, resolve_stage(conn, page.id, "qualified").id, limit=10)
    assert unsent(pool) == 60

    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 60 of 60"]

    assert len(slack.calls_to("chat.postMessage")) == 1
    [digest] = slack.messages(SALES_CHANNEL)
    assert_slack_accepts(digest)
    assert len(digest["blocks"]) <= 50
    text = visible_text(digest)
    assert text.startswith(":fire: *60 new leads* on *Fig Bakery*: 60 Qualified Lead. The top 10 by score:")
    headlines = [block["text"]["text"] for block in digest["blocks"] if "accessory" in block]
    assert [line.split("*")[1] for line in headlines] == [escape(lead.name) for lead in top]
    assert '…and 50 more: `/fbsync leads "Fig Bakery" "Qualified Lead"`' in text
    assert unsent(pool) == 0


def test_a_person_moving_a_contact_into_qualified_posts_nothing(sim, slack, pool, page, says, dispatch, refreshes):
    who = fresh_customer(sim, pool)
    contact_id = contact(pool, who["id"])["id"]
    with pool.connection() as conn:
        qualified = resolve_stage(conn, page.id, "qualified")
        set_stage(conn, contact_id, qualified.id, ADMIN, TEAM_ID)

    assert contact(pool, who["id"])["stage"] == "Qualified Lead"
    assert unsent(pool) == 0 and alerts_owed(pool) == []
    assert run_alert_jobs(pool, dispatch, refreshes) == []
    assert slack.calls_to("chat.postMessage") == []


def test_alerts_off_stops_them(web, sim, slack, pool, page, says, refresh, dispatch, refreshes):
    first, second = fresh_customers(sim, pool)[:2]
    write_and_deliver(web, pool, sim, first, "how much is the 10-class pass?")
    refresh(first["id"])
    assert unsent(pool) == 1

    with pool.connection() as conn:
        alerts.set_alert_stages(conn, page.id, [])
    # Owed before alerts were turned off: no longer news, withdrawn.
    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 0 of 0"]
    write_and_deliver(web, pool, sim, second, "how much is the 10-class pass?")
    refresh(second["id"])

    assert unsent(pool) == 0 and alerts_owed(pool) == []
    [notice] = slack.messages(SALES_CHANNEL)  # alerts off: the one-line notice, as before alerts
    assert "-> Qualified Lead" in notice["text"]


def test_slack_rate_limiting_is_waited_out_and_the_card_posted_once(
    web, sim, slack, pool, page, says, refresh, dispatch, refreshes
):
    who = fresh_customer(sim, pool)
    write_and_deliver(web, pool, sim, who, "how much is the 10-class pass?")
    refresh(who["id"])
    slack.rate_limit("chat.postMessage", retry_after=1)

    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 0 of 1"]
    assert unsent(pool) == 1 and slack.messages(SALES_CHANNEL) == []
    [row] = alerts_owed(pool)
    assert row["dispatch_id"] is None  # owed again, after Retry-After

    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 1 of 1"]
    assert [call["status"] for call in slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(slack.messages(SALES_CHANNEL)) == 1 and unsent(pool) == 0 and alerts_owed(pool) == []


def test_a_channel_the_bot_cannot_post_in_keeps_the_alerts_for_later(
    web, sim, slack, pool, page, says, refresh, dispatch, refreshes
):
    who = fresh_customer(sim, pool)
    write_and_deliver(web, pool, sim, who, "how much is the 10-class pass?")
    refresh(who["id"])
    slack.fail("chat.postMessage", "not_in_channel")

    assert run_alert_jobs(pool, dispatch, refreshes) == ["sent 0 of 1"]

    # Not retried in a loop (nobody has invited the bot yet): it goes with the page's next alert.
    assert alerts_owed(pool) == [] and unsent(pool) == 1


def test_a_person_s_stage_survives_a_webhook_refresh_the_analysis_disagrees_with(
    web, sim, slack, pool, page, says, refresh, dispatch, refreshes
):
    who = fresh_customer(sim, pool)
    contact_id = contact(pool, who["id"])["id"]
    with pool.connection() as conn:
        lost = resolve_stage(conn, page.id, "lost")
        set_stage(conn, contact_id, lost.id, ADMIN, TEAM_ID)

    write_and_deliver(web, pool, sim, who, "how much is the 10-class pass? I'd like to start monday")
    assert refresh(who["id"]) == RefreshStatus.REFRESHED.value

    with pool.connection() as conn:
        [lead] = [lead for lead in leads_in_stage(conn, page.id, lost.id, limit=1000) if lead.contact_id == contact_id]
    assert (lead.stage, lead.stage_set_by, lead.ai_stage) == ("Lost", ADMIN, "Qualified Lead")
    assert lead.summary == f"{lead.name} wants a class pass"  # the analysis's own, refreshed
    assert run_alert_jobs(pool, dispatch, refreshes) == [] and unsent(pool) == 0  # nobody moved: no alert
