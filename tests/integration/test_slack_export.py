"""`/fbsync export` over signed HTTP, then its job as a worker runs it, against the Slack stand-in and
real PostgreSQL and Redis: the file the requester gets by DM holds the database's rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis
from exporting import SHOP, database_rows, make_awkward, parse_export
from rq import Queue, SimpleWorker

from conftest import ADMIN, MEMBER, TEAM_ID
from core import jobs, leads, pages
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.leads import ExportStatus
from core.qualify import Qualifier
from core.sync import SyncEngine
from support import visible_text
from worker.queues import REFRESH_QUEUE

DM = "D" + ADMIN[1:]  # the stand-in's DM with a user, stable as Slack's


@pytest.fixture
def page(pool, sim, settings, connect_page):
    """The awkward shop, connected to the test workspace and synced once."""
    sim.add_page(SHOP)
    connected = connect_page(SHOP, team=TEAM_ID)
    with pool.connection() as conn:
        job = jobs.create_job(conn, connected.id, full=False, stale_after_seconds=600)
    assert SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id).status is JobStatus.COMPLETED
    make_awkward(pool, connected.id)
    with pool.connection() as conn:
        return pages.get_page(conn, connected.id)


@pytest.fixture
def run_jobs(redis_url, dispatch, worker_env):
    """The export jobs owed so far, run as the dispatcher and a worker run them."""
    connection = redis.Redis.from_url(redis_url)
    queue = Queue(REFRESH_QUEUE, connection=connection)

    def run() -> None:
        while dispatch() or queue.count:
            SimpleWorker([queue], connection=connection).work(burst=True)

    return run


def exports(pool) -> list[leads.LeadExport]:
    with pool.connection() as conn:
        ids = [r["id"] for r in conn.execute("SELECT id FROM lead_exports ORDER BY id").fetchall()]
        return [e for e in (leads.get_export(conn, i) for i in ids) if e]


def owed(pool) -> list[str]:
    """Work owed, but the merge review the page's sync owes (its own tests: test_merge_review.py)."""
    with pool.connection() as conn:
        return [r["kind"] for r in conn.execute("SELECT kind FROM pending_work WHERE kind <> 'merges'").fetchall()]


def test_an_export_reaches_the_requester_by_dm(slash, slack, pool, page, run_jobs):
    _, reply = slash("export fig won")
    assert "Exporting" in visible_text(reply) and "you'll get the file by DM" in visible_text(reply)
    [export] = exports(pool)
    assert (export.status, export.slack_user_id, export.slack_team_id, export.stage) == (
        ExportStatus.PENDING,
        ADMIN,
        TEAM_ID,
        "Won",
    )
    assert owed(pool) == ["export"]

    run_jobs()

    [file] = slack.uploaded_files()
    assert parse_export(file["content"]) == database_rows(pool, page.id, export.stage_id)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert file["name"] == f"fig-bakery-downtown-won-{today}.csv" and file["channel"] == DM
    [done] = exports(pool)
    rows = len(parse_export(file["content"]))
    assert (done.status, done.row_count, done.error) == (ExportStatus.COMPLETED, rows, None)
    assert owed(pool) == []
    [progress] = [m for m in slack.messages(DM) if "Export" in m["text"]]
    assert f"Export ready: {done.row_count:,} contacts" in visible_text(progress)


def test_every_stage_with_the_page_named_in_full(slash, slack, pool, page, run_jobs):
    slash('export "Fig Bakery, "Downtown""')  # a name with a comma and quotes
    slash("export Fig Bakery")  # "Bakery" is no stage: the words are all the page's name
    run_jobs()

    files = slack.uploaded_files()
    assert len(files) == 2
    for file in files:
        assert parse_export(file["content"]) == database_rows(pool, page.id)
    assert [e.status for e in exports(pool)] == [ExportStatus.COMPLETED] * 2


def test_a_member_may_not_export(slash, slack, pool, page):
    _, reply = slash("export fig", user=MEMBER)
    assert "Only workspace admins" in visible_text(reply)
    assert exports(pool) == [] and owed(pool) == []


def test_another_workspace_cannot_export_the_page(slash, pool, page):
    _, reply = slash("export fig", team="T0OTHER")
    assert "no connected page" in visible_text(reply)
    assert exports(pool) == [] and owed(pool) == []


def test_an_unknown_stage_is_said_and_nothing_is_owed(slash, pool, page):
    _, reply = slash("export fig nonexistent")
    assert "No stage called" in visible_text(reply)
    assert exports(pool) == [] and owed(pool) == []


def test_a_rate_limited_upload_is_tried_again_in_the_same_message(slash, slack, pool, page, run_jobs):
    # A Retry-After longer than the test: a slow machine's dispatcher must not find the retry due already.
    slack.rate_limit("files.completeUploadExternal", retry_after=300)
    slash("export fig")
    run_jobs()

    [export] = exports(pool)
    assert export.status is ExportStatus.IN_PROGRESS and owed(pool) == ["export"]
    with pool.connection() as conn:  # Retry-After passed (a test does not wait for it)
        conn.execute("UPDATE pending_work SET due_at = now()")
    run_jobs()

    assert [e.status for e in exports(pool)] == [ExportStatus.COMPLETED] and owed(pool) == []
    completed = [f for f in slack.uploaded_files() if f["completed"]]
    assert len(completed) == 1 and parse_export(completed[0]["content"]) == database_rows(pool, page.id)
    # One progress message, rewritten, not one per attempt.
    assert len([m for m in slack.messages(DM) if "Export" in m["text"]]) == 1


def test_a_refusal_no_retry_can_fix_fails_the_export_and_says_so(slash, slack, pool, page, run_jobs):
    slack.fail("files.getUploadURLExternal", "missing_scope")
    slash("export fig")
    run_jobs()

    [export] = exports(pool)
    assert export.status is ExportStatus.FAILED and export.error == "Slack refused the file: missing_scope"
    assert owed(pool) == [] and slack.uploaded_files() == []
    [progress] = [m for m in slack.messages(DM) if "export" in m["text"].lower()]
    assert "failed" in visible_text(progress) and "missing_scope" in visible_text(progress)
    assert SHOP.token not in visible_text(progress)


def test_a_page_moved_to_another_workspace_meanwhile_is_not_exported(slash, slack, pool, page, run_jobs):
    slash("export fig")
    with pool.connection() as conn, conn.transaction():
        other = pages.ensure_organization(conn, "T0OTHER")
        conn.execute("UPDATE facebook_pages SET organization_id = %s WHERE id = %s", (other, page.id))
    run_jobs()

    [export] = exports(pool)
    assert export.status is ExportStatus.FAILED and "no longer connected to this workspace" in (export.error or "")
    assert slack.uploaded_files() == [] and owed(pool) == []
    [told] = [m for m in slack.messages(DM) if "export" in m["text"].lower()]
    assert "failed" in visible_text(told)
