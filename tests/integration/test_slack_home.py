"""The App Home over the signed Slack events endpoint and the home job, against the Slack stand-in
(which checks views.publish and the uploads as Slack does), real PostgreSQL and Redis."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import redis
from rq import Queue, SimpleWorker

from conftest import ADMIN, MEMBER, SIGNING_SECRET, TEAM_ID
from core import home, jobs, pages
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.leads import set_stage
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage
from sandbox.processes import wait_for
from sandbox.slack_requests import post_signed_event
from support import visible_text
from worker.queues import REFRESH_QUEUE

OTHER_TEAM = "T0OTHER"


def shop(number: int, name: str, conversations: int = 12) -> SimPage:
    return SimPage(
        page_id=f"6000000000002{number:02d}",
        name=name,
        token=f"home-token-{number}",
        messenger_count=conversations,
        instagram_count=0,
        seed=number,
    )


BLUEBIRD = shop(1, "Bluebird Coffee")
RIVAL = shop(2, "Rival Roasters")


def sync(pool, settings, page: pages.Page) -> None:
    """A sync in this process, as a worker runs it (the rules analyzer, the backlog drained inline)."""
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    assert SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id).status is JobStatus.COMPLETED


def open_home(web: str, user: str = ADMIN, team: str = TEAM_ID, tab: str = "home") -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab, "event_ts": "1733570000.000100"}
    assert post_signed_event(web, team, event, SIGNING_SECRET).status_code == 200


def home_of(slack: Any, user: str, previous: Any = None) -> dict[str, Any]:
    """The user's home once the stand-in holds one (other than `previous`): Bolt acks events first and
    handles them just after."""
    return wait_for(
        lambda: (view := slack.home_view(user)) is not None and view != previous and view, 20, f"{user}'s home"
    )


def shown_counts(view: dict[str, Any], page_name: str) -> dict[str, int]:
    """Contacts per stage as the page's text bars say them."""
    text = visible_text(view)
    start = text.index(f"*{page_name}*")
    table = text[text.index("*Contacts per stage*", start) :].split("Not in a pipeline", 1)[0]
    return {name: int(count.replace(",", "")) for name, count in re.findall(r"` (.+?): ([\d,]+)", table)}


def database_counts(pool, page: pages.Page) -> dict[str, int]:
    """The same, counted here from the tables: every stage of the page's pipeline."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT s.name, count(c.id) AS n FROM facebook_pages p"
            " JOIN pipeline_stages s ON s.pipeline_id = p.auto_pipeline_id"
            " LEFT JOIN contacts c ON c.stage_id = s.id AND c.facebook_page_id = p.id"
            " WHERE p.id = %s GROUP BY s.name",
            (page.id,),
        ).fetchall()
    return {row["name"]: row["n"] for row in rows}


def contacts_of(pool, page: pages.Page) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM contacts WHERE facebook_page_id = %s", (page.id,)).fetchone()[
            "n"
        ]


def pictures(view: dict[str, Any]) -> list[str]:
    return [block["slack_file"]["id"] for block in view["blocks"] if block["type"] == "image"]


def organization(pool, team: str = TEAM_ID) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT id FROM organizations WHERE slack_team_id = %s", (team,)).fetchone()["id"]


@pytest.fixture
def run_home_job(pool, redis_url, dispatch, worker_env):
    """Makes the workspace's owed home due now (its debounce is not waited out), and runs it as the
    dispatcher and a worker would. Returns what the job returned."""
    connection = redis.Redis.from_url(redis_url)
    queue = Queue(REFRESH_QUEUE, connection=connection)

    def run(organization_id: int) -> Any:
        with pool.connection() as conn:
            owed = conn.execute(
                "UPDATE pending_work SET due_at = now() WHERE kind = 'home' AND subject_id = %s RETURNING 1",
                (organization_id,),
            ).fetchone()
        assert owed, "no home owed"
        assert dispatch() == 1
        (job,) = queue.jobs
        SimpleWorker([queue], connection=connection).work(burst=True)
        return job.return_value()

    return run


def test_the_home_shows_the_workspaces_pages_with_the_databases_counts(web, slack, pool, sim, settings, connect_page):
    sim.add_page(BLUEBIRD)
    sim.add_page(RIVAL)
    bluebird = connect_page(BLUEBIRD, team=TEAM_ID)
    rival = connect_page(RIVAL, team=OTHER_TEAM)
    sync(pool, settings, bluebird)
    sync(pool, settings, rival)

    open_home(web)
    view = home_of(slack, ADMIN)
    assert shown_counts(view, BLUEBIRD.name) == database_counts(pool, bluebird)
    assert sum(shown_counts(view, BLUEBIRD.name).values()) > 0
    assert f"*{BLUEBIRD.name}* · {contacts_of(pool, bluebird)} contacts" in visible_text(view)
    assert "*Hottest leads*" in visible_text(view)
    # Another workspace's page appears nowhere, not even in ids or alt texts.
    assert RIVAL.name not in json.dumps(view) and RIVAL.page_id not in json.dumps(view)
    # The picture: one upload, private to the app (shared nowhere), shown by its id.
    (uploaded,) = slack.uploaded_files()
    assert pictures(view) == [uploaded["id"]] and uploaded["channel"] is None

    # The other workspace's home has its own page only.
    open_home(web, user=MEMBER, team=OTHER_TEAM)
    theirs = home_of(slack, MEMBER)
    assert shown_counts(theirs, RIVAL.name) == database_counts(pool, rival)
    assert BLUEBIRD.name not in json.dumps(theirs)
    with pool.connection() as conn:
        assert home.audience(conn, organization(pool)) == [ADMIN]
        assert home.audience(conn, organization(pool, OTHER_TEAM)) == [MEMBER]


def test_the_messages_tab_is_not_the_home(web, slack, pool):
    open_home(web, tab="messages")
    open_home(web, user=MEMBER)  # a later event, handled after the first
    home_of(slack, MEMBER)
    assert slack.home_view(ADMIN) is None


def test_after_a_sync_the_home_is_published_again_with_the_new_counts(
    web, slack, pool, sim, settings, connect_page, run_home_job
):
    sim.add_page(BLUEBIRD)
    bluebird = connect_page(BLUEBIRD, team=TEAM_ID)
    open_home(web)
    before = home_of(slack, ADMIN)
    assert f"*{BLUEBIRD.name}* · 0 contacts" in visible_text(before) and pictures(before) == []
    with pool.connection() as conn:  # someone who has not looked for longer than a month
        conn.execute(
            "INSERT INTO slack_home_tabs (organization_id, slack_user_id, opened_at)"
            " VALUES (%s, 'U0AWAY', now() - interval '31 days')",
            (bluebird.organization_id,),
        )

    sync(pool, settings, bluebird)
    with pool.connection() as conn:
        owed = conn.execute(
            "SELECT due_at - pending_since AS debounce FROM pending_work WHERE kind = 'home' AND subject_id = %s",
            (bluebird.organization_id,),
        ).fetchone()
    # Owed by the first change, due a debounce later: the sync's other batches and its end joined it.
    assert owed["debounce"].total_seconds() == home.PUBLISH_DEBOUNCE
    assert slack.home_view(ADMIN) == before  # nothing published by the sync itself

    assert run_home_job(bluebird.organization_id) == "published 1"
    after = slack.home_view(ADMIN)
    assert shown_counts(after, BLUEBIRD.name) == database_counts(pool, bluebird)
    assert f"*{BLUEBIRD.name}* · {contacts_of(pool, bluebird)} contacts" in visible_text(after)
    assert len(pictures(after)) == 1
    assert slack.home_view("U0AWAY") is None
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'home'").fetchone()["n"] == 0
        assert home.audience(conn, bluebird.organization_id) == [ADMIN]  # the one away is forgotten


def test_the_funnel_picture_is_uploaded_once_per_change_of_its_counts(
    web, slack, pool, sim, settings, connect_page, run_home_job
):
    sim.add_page(BLUEBIRD)
    bluebird = connect_page(BLUEBIRD, team=TEAM_ID)
    sync(pool, settings, bluebird)
    open_home(web)
    first = home_of(slack, ADMIN)
    open_home(web, user=MEMBER)
    second = home_of(slack, MEMBER)
    with pool.connection() as conn:
        home.owe_publish(conn, bluebird.id)
    run_home_job(bluebird.organization_id)
    assert len(slack.uploaded_files()) == 1
    assert pictures(first) == pictures(second) == pictures(slack.home_view(ADMIN)) == pictures(slack.home_view(MEMBER))

    with pool.connection() as conn:  # a contact leaves the pipeline: the funnel changes
        conn.execute(
            "UPDATE contacts SET stage_id = NULL WHERE id = (SELECT min(id) FROM contacts"
            " WHERE facebook_page_id = %s AND stage_id IS NOT NULL)",
            (bluebird.id,),
        )
        home.owe_publish(conn, bluebird.id)
    run_home_job(bluebird.organization_id)
    assert len(slack.uploaded_files()) == 2
    newest = slack.uploaded_files()[-1]["id"]
    assert pictures(slack.home_view(ADMIN)) == pictures(slack.home_view(MEMBER)) == [newest]
    assert shown_counts(slack.home_view(ADMIN), BLUEBIRD.name) == database_counts(pool, bluebird)


def test_many_pages_stay_within_a_views_100_blocks(web, slack, pool, sim, settings, connect_page):
    shops = [shop(10 + i, f"Shop {i}", conversations=8) for i in range(7)]
    for each in shops:
        sim.add_page(each)
        sync(pool, settings, connect_page(each, team=TEAM_ID))
    open_home(web)
    view = home_of(slack, ADMIN)  # the stand-in refuses a view of more than 100 blocks, as Slack does
    assert len(view["blocks"]) <= 100
    text = visible_text(view)
    shown = [each.name for each in shops if f"*{each.name}*" in text]
    assert shown == [each.name for each in shops[: len(shown)]] and shown  # by name
    assert text.rstrip().endswith(f"…and {len(shops) - len(shown)} more pages: `/fbsync pages`")


def test_a_person_moving_a_lead_owes_the_home_too(web, slack, pool, sim, settings, connect_page, run_home_job):
    sim.add_page(BLUEBIRD)
    bluebird = connect_page(BLUEBIRD, team=TEAM_ID)
    sync(pool, settings, bluebird)
    open_home(web)
    before = shown_counts(home_of(slack, ADMIN), BLUEBIRD.name)
    with pool.connection() as conn:
        moved = conn.execute(
            "SELECT c.id AS contact, s.id AS stage FROM contacts c JOIN facebook_pages p ON p.id = c.facebook_page_id"
            " JOIN pipeline_stages s ON s.pipeline_id = p.auto_pipeline_id AND s.id IS DISTINCT FROM c.stage_id"
            " WHERE p.id = %s ORDER BY c.id, s.position LIMIT 1",
            (bluebird.id,),
        ).fetchone()
        set_stage(conn, moved["contact"], moved["stage"], ADMIN, TEAM_ID)
    assert run_home_job(bluebird.organization_id) == "published 1"
    after = shown_counts(slack.home_view(ADMIN), BLUEBIRD.name)
    assert after == database_counts(pool, bluebird) != before
