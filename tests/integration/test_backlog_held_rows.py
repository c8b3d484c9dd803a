"""The analysis backlog and contacts whose rows another writer holds: left due, analysed once let go, and a
drain that still ends on time."""

from __future__ import annotations

import pytest

from conftest import synced_page
from core import jobs
from core.analysis.rules import RulesAnalyzer
from core.pages import Page
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="230000000000001",
    name="Corner Florist",
    token="florist-lock-token-77",
    messenger_count=24,
    instagram_count=0,
    seed=23,
)


@pytest.fixture
def page(pool, sim, service_settings, connect_page) -> Page:
    return synced_page(pool, sim, service_settings, connect_page, SHOP)


def busy_contacts(pool, sim, count: int) -> list[int]:
    """`count` customers write again, so their conversations are due for analysis."""
    ids = []
    for index in range(count):
        who = sim.customer(SHOP.page_id, "messenger", index)
        sim.touch(SHOP.page_id, "messenger", index, "Do you deliver on Sundays?")
        with pool.connection() as conn:
            ids.append(conn.execute("SELECT id FROM contacts WHERE messenger_psid = %s", (who["id"],)).fetchone()["id"])
    return ids


def due_conversations(pool, contact_ids: list[int]) -> int:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM conversations WHERE contact_id = ANY(%s)"
            " AND (analyzed_at IS NULL OR analyzed_at < updated_time)",
            (contact_ids,),
        ).fetchone()["n"]


def hold_rows(pool, contact_ids: list[int]):
    """Another writer in the middle of a transaction on these contacts (a sync storing them, a refresh
    applying its analysis): their rows are locked until it commits."""
    conn = pool.getconn()
    conn.execute("BEGIN")
    conn.execute("SELECT id FROM contacts WHERE id = ANY(%s) FOR UPDATE", (contact_ids,))

    def let_go() -> None:
        if not conn.closed and conn.info.transaction_status.name != "IDLE":
            conn.execute("COMMIT")
            pool.putconn(conn)

    return let_go


def test_contacts_another_writer_holds_are_analysed_once_it_lets_go(pool, sim, service_settings, page):
    from core.backlog import AnalysisBacklog

    held_ids = busy_contacts(pool, sim, 3)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    # The Graph pass stores them; their analysis is left to the backlog (as with a job queue).
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer()), request_analysis=lambda page_pk: None).run(job.id)
    let_go = hold_rows(pool, held_ids[:2])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        """The drainer leaves busy contacts due and comes back for them: the other writer finishes meanwhile."""
        waits.append(seconds)
        let_go()

    result = AnalysisBacklog(pool, Qualifier(RulesAnalyzer()), sleep=sleep).drain(page.id)

    assert result.complete and result.analyzed == 3 and waits  # never waited on a row lock, came back
    assert due_conversations(pool, held_ids) == 0


def test_contacts_held_all_along_are_left_due_and_the_drain_ends_on_time(pool, sim, service_settings, page):
    from core.backlog import AnalysisBacklog

    held_ids = busy_contacts(pool, sim, 4)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer()), request_analysis=lambda page_pk: None).run(job.id)
    let_go = hold_rows(pool, held_ids[:2])
    clock = iter(range(1000))
    try:
        result = AnalysisBacklog(
            pool, Qualifier(RulesAnalyzer()), sleep=lambda s: None, clock=lambda: float(next(clock))
        ).drain(page.id, deadline=20.0)
    finally:
        let_go()

    assert (result.complete, result.analyzed) == (False, 2)  # its continuation comes back for the others
    assert due_conversations(pool, held_ids[:2]) == 2 and due_conversations(pool, held_ids[2:]) == 0
