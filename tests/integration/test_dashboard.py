"""core.dashboard against the database: which pages, their sync history and backlog (the App Home's
read model; its counts are checked against the tables in test_slack_home.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import TEAM_ID
from core import backlog, pages
from core.dashboard import dashboard
from sandbox.graph_sim import SimPage


def page_named(connect_page, name: str, number: int, team: str = TEAM_ID) -> pages.Page:
    sim_page = SimPage(page_id=f"6000000000003{number:02d}", name=name, token=f"dash-{number}", messenger_count=0)
    return connect_page(sim_page, team=team)


def add_jobs(pool, page: pages.Page, *rows: tuple[str, str, str]) -> None:
    """(status, how long it ran, how long ago it was created) per job."""
    with pool.connection() as conn:
        for status, took, ago in rows:
            conn.execute(
                "INSERT INTO sync_jobs (facebook_page_id, status, created_at, started_at, completed_at)"
                " VALUES (%(page)s, %(status)s, now() - %(ago)s::interval, now() - %(ago)s::interval,"
                " CASE WHEN %(status)s IN ('PENDING', 'IN_PROGRESS') THEN NULL"
                "  ELSE now() - %(ago)s::interval + %(took)s::interval END)",
                {"page": page.id, "status": status, "took": took, "ago": ago},
            )


def test_the_workspaces_active_pages_by_name_the_rest_counted(pool, connect_page):
    names = ["Delta", "Alpha", "Charlie", "Bravo", "Echo"]
    made = [page_named(connect_page, name, i) for i, name in enumerate(names)]
    page_named(connect_page, "Aardvark", 9, team="T0OTHER")
    with pool.connection() as conn:
        pages.deactivate(conn, made[4].id)  # Echo
        organization = made[0].organization_id
        board = dashboard(conn, organization, datetime.now(UTC), most_pages=2)
        everything = dashboard(conn, organization, datetime.now(UTC), most_pages=10)
    assert [page.page.name for page in board.pages] == ["Alpha", "Bravo"]  # by name
    assert board.more_pages == 2
    assert [page.page.name for page in everything.pages] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert everything.more_pages == 0


def test_sync_history_of_the_last_30_days(pool, connect_page):
    page = page_named(connect_page, "Bluebird", 1)
    add_jobs(
        pool,
        page,
        ("COMPLETED", "2 minutes", "1 day"),
        ("COMPLETED", "4 minutes", "2 days"),
        ("FAILED", "10 seconds", "3 days"),
        ("CANCELLED", "1 minute", "4 days"),  # a person's choice: neither success nor failure
        ("COMPLETED", "1 hour", "40 days"),  # too old
        ("IN_PROGRESS", "0 seconds", "1 minute"),
    )
    with pool.connection() as conn:
        (board,) = dashboard(conn, page.organization_id, datetime.now(UTC), most_pages=4).pages
    assert (board.history.finished, board.history.completed) == (3, 2)
    assert board.history.success_rate == 2 / 3
    assert board.history.average_seconds == 180.0
    assert [job.status.value for job in board.recent_jobs] == ["IN_PROGRESS", "COMPLETED", "COMPLETED"]


def test_a_page_without_anything_yet(pool, connect_page):
    page = page_named(connect_page, "Quiet", 2)
    with pool.connection() as conn:
        (board,) = dashboard(conn, page.organization_id, datetime.now(UTC), most_pages=4).pages
        assert board.backlog == backlog.backlog_size(conn, page.id) == 0
    assert (board.contacts, board.analysed, board.unplaced, board.hottest) == (0, 0, 0, [])
    assert [stage.contacts for stage in board.stages] == [0] * len(board.stages) and board.stages
    assert board.history.success_rate is None and board.history.average_seconds is None
    assert board.analysis_rate is None and board.backlog_eta_seconds() is None
