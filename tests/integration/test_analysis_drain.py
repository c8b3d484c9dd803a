"""The analysis job's drain on real PostgreSQL with the offline rules analyzer: results applied a batch
at a time, a refused contact recorded alone, and the backlog count kept right batch by batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

import pytest

from core import jobs
from core.analysis.model import Analysis, Transcript
from core.analysis.rules import RulesAnalyzer
from core.backlog import AnalysisBacklog, backlog_size
from core.db import Pool
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="530000000000001", name="Pine Bakery", token="pine-bakery-token-7e6d5c4b", messenger_count=24, seed=5
)


class SmallBatches(RulesAnalyzer):
    """The rules, a few contacts per batch, so that one drain takes several."""

    offline_batch = 5


class Refusing(RulesAnalyzer):
    """The rules, except that one contact's summary is text the database will not store."""

    def __init__(self, refused_name: str, bad_summary: str) -> None:
        super().__init__()
        self.refused_name = refused_name
        self.bad_summary = bad_summary

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        analysis = super().analyze(transcript, stages, definitions)
        if transcript.contact_name == self.refused_name:
            return replace(analysis, summary=self.bad_summary)
        return analysis


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


@pytest.fixture
def stored(pool, settings, page):
    """The page synced as a worker does it: contacts stored, all of them due for analysis."""
    qualifier = Qualifier(RulesAnalyzer())
    try:
        with pool.connection() as conn:
            job = jobs.create_job(conn, page.id, full=True, stale_after_seconds=600)
        SyncEngine(pool, settings, qualifier, request_analysis=lambda page_pk: None, sleep=lambda s: None).run(job.id)
    finally:
        qualifier.close()
    assert due(pool, page) == SHOP.messenger_count
    return page


def due(pool: Pool, page) -> int:
    with pool.connection() as conn:
        return backlog_size(conn, page.id)


def rows(pool: Pool, query: str, *params):
    with pool.connection() as conn:
        return conn.execute(query, params).fetchall()


@contextmanager
def draining(pool: Pool, analyzer: RulesAnalyzer) -> Iterator[AnalysisBacklog]:
    qualifier = Qualifier(analyzer)
    try:
        yield AnalysisBacklog(pool, qualifier, sleep=lambda s: None)
    finally:
        qualifier.close()


@contextmanager
def refusing_constraint(pool: Pool) -> Iterator[str]:
    """A rule of the database's own that one contact's summary breaks."""
    with pool.connection() as conn:
        conn.execute(
            "ALTER TABLE contacts ADD CONSTRAINT test_refused_summary"
            " CHECK (ai_context IS NULL OR ai_context NOT LIKE '%%refuse me%%') NOT VALID"
        )
    try:
        yield "a summary to refuse me"
    finally:
        with pool.connection() as conn:
            conn.execute("ALTER TABLE contacts DROP CONSTRAINT test_refused_summary")


@pytest.mark.parametrize("refusal", ["constraint", "nul"])
def test_a_result_the_database_refuses_is_recorded_for_that_contact_and_the_others_are_stored(pool, stored, refusal):
    victim = rows(pool, "SELECT id, first_name, last_name, messenger_psid FROM contacts ORDER BY id LIMIT 1 OFFSET 3")[
        0
    ]
    name = f"{victim['first_name']} {victim['last_name']}".strip()
    with refusing_constraint(pool) if refusal == "constraint" else _text("text with a \x00 in it") as bad:
        with draining(pool, Refusing(name, bad)) as backlog:
            result = backlog.drain(stored.id)

    assert result.complete and result.analyzed == SHOP.messenger_count - 1
    job = jobs_latest(pool, stored)
    assert (job.analyzed_contacts, job.analysis_failed, job.analysis_backlog) == (SHOP.messenger_count - 1, 1, 0)
    [error] = [e for e in job.errors if victim["messenger_psid"] in str(e)]
    assert "could not store the analysis" in str(error)
    assert "refuse me" not in str(job.errors)  # the database's message, not the row it quotes
    others = rows(pool, "SELECT count(*) AS n FROM contacts WHERE ai_context IS NOT NULL AND id <> %s", victim["id"])
    assert others[0]["n"] == SHOP.messenger_count - 1
    [refused] = rows(pool, "SELECT ai_context, stage_id FROM contacts WHERE id = %s", victim["id"])
    assert (refused["ai_context"], refused["stage_id"]) == (None, None)
    assert rows(pool, "SELECT count(*) AS n FROM contact_activities WHERE contact_id = %s", victim["id"])[0]["n"] == 0
    assert due(pool, stored) == 0  # like an AI failure: asked again when the person writes again


@contextmanager
def _text(value: str) -> Iterator[str]:
    yield value


def jobs_latest(pool: Pool, page) -> jobs.SyncJob:
    with pool.connection() as conn:
        job = jobs.latest_job(conn, page.id)
    assert job is not None
    return job


def test_each_batch_records_the_backlog_left_exactly(pool, stored):
    recorded: list[tuple[int, int, int]] = []

    def batch_done(job: jobs.SyncJob) -> None:
        recorded.append((job.analyzed_contacts, job.analysis_backlog, due(pool, stored)))

    with draining(pool, SmallBatches()) as backlog:
        result = backlog.drain(stored.id, on_batch=batch_done)

    assert result.complete and result.analyzed == SHOP.messenger_count
    assert len(recorded) >= SHOP.messenger_count // SmallBatches.offline_batch
    assert all(backlog_left == really_due for _, backlog_left, really_due in recorded)
    assert [analysed + left for analysed, left, _ in recorded] == [SHOP.messenger_count] * len(recorded)
    assert recorded[-1][:2] == (SHOP.messenger_count, 0)


def test_contacts_due_again_while_draining_are_analysed_before_it_completes(pool, stored):
    """A sync or a webhook can make an analysed contact due again, or add one, mid-drain: the drain
    reads the due list again before it calls the backlog empty."""
    first = rows(pool, "SELECT id FROM contacts ORDER BY id LIMIT 2")
    again: list[int] = []

    def batch_done(job: jobs.SyncJob) -> None:
        if again:
            return
        analysed = rows(
            pool,
            "SELECT DISTINCT contact_id FROM conversation_contacts WHERE analyzed_at IS NOT NULL ORDER BY contact_id",
        )
        again.extend(row["contact_id"] for row in analysed[:2])
        with pool.connection() as conn:
            conn.execute("UPDATE conversation_contacts SET analyzed_at = NULL WHERE contact_id = ANY(%s)", (again,))

    with draining(pool, SmallBatches()) as backlog:
        result = backlog.drain(stored.id, on_batch=batch_done)

    assert len(again) == 2 and first
    assert result.complete and result.analyzed == SHOP.messenger_count + 2
    assert due(pool, stored) == 0
    job = jobs_latest(pool, stored)
    assert (job.analyzed_contacts, job.analysis_backlog) == (SHOP.messenger_count + 2, 0)
    assert job.analysis_completed_at is not None


def test_a_contact_analysed_elsewhere_meanwhile_is_not_analysed_again(pool, stored):
    """Between reading the due list and reaching a contact, a webhook refresh may have analysed it."""
    newest_last = rows(
        pool,
        "SELECT cc.contact_id FROM conversation_contacts cc JOIN conversations v ON v.id = cc.conversation_id"
        " ORDER BY v.updated_time, cc.contact_id LIMIT 1",
    )[0]["contact_id"]
    done_elsewhere = False

    def batch_done(job: jobs.SyncJob) -> None:
        nonlocal done_elsewhere
        if not done_elsewhere:
            done_elsewhere = True
            with pool.connection() as conn:
                conn.execute(
                    "UPDATE conversation_contacts cc SET analyzed_at = v.updated_time FROM conversations v"
                    " WHERE v.id = cc.conversation_id AND cc.contact_id = %s",
                    (newest_last,),
                )

    with draining(pool, SmallBatches()) as backlog:
        result = backlog.drain(stored.id, on_batch=batch_done)

    assert result.complete and result.analyzed == SHOP.messenger_count - 1
    assert rows(pool, "SELECT ai_context FROM contacts WHERE id = %s", newest_last)[0]["ai_context"] is None
    assert jobs_latest(pool, stored).analysis_backlog == 0
