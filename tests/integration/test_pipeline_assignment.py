"""Analysis and automatic pipeline assignment on a real PostgreSQL, through the sync engine."""

from __future__ import annotations

import pytest

from core import jobs
from core.analysis.model import Analysis, LeadStatus
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.pipeline import (
    DEFAULT_DEFINITIONS,
    DEFAULT_STAGES,
    AutoMode,
    apply_analysis,
    auto_pipeline_of,
    list_pipelines,
    set_auto_pipeline,
)
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="400000000000001",
    name="Lakeside Yoga",
    token="lakeside-token-55aa66bb77cc",
    messenger_count=64,
    instagram_count=16,
    instagram_account_id="17841400000000444",
    instagram_username="lakesideyoga",
    seed=3,
)


@pytest.fixture
def qualifier():
    q = Qualifier(RulesAnalyzer(), workers=4)
    yield q
    q.close()


@pytest.fixture
def sync(pool, settings, qualifier):
    def run(page, *, full: bool = False) -> jobs.SyncJob:
        with pool.connection() as conn:
            job = jobs.create_job(conn, page.id, full=full, stale_after_seconds=600)
        return SyncEngine(pool, settings, qualifier, sleep=lambda s: None).run(job.id)

    return run


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


def scalar(pool, query: str, *params):
    with pool.connection() as conn:
        return next(iter(conn.execute(query, params).fetchone().values()))


def set_mode(pool, page, mode: AutoMode) -> None:
    with pool.connection() as conn:
        current = auto_pipeline_of(conn, page.id)
        assert current is not None
        set_auto_pipeline(conn, page.id, current.pipeline, mode)


def test_a_new_organization_has_the_default_pipeline_and_a_new_page_uses_it(pool, page):
    with pool.connection() as conn:
        [pipeline] = list_pipelines(conn, page.organization_id)
        target = auto_pipeline_of(conn, page.id)
    assert pipeline.stage_names == list(DEFAULT_STAGES)
    assert pipeline.definitions == DEFAULT_DEFINITIONS
    assert target.pipeline == pipeline and target.mode is AutoMode.SKIP_EXISTING


def test_sync_places_every_contact_with_an_audit_entry(pool, page, sync):
    job = sync(page)

    assert (job.status, job.synced_contacts, job.analyzed_contacts) == (JobStatus.COMPLETED, 80, 80)
    assert job.stage_changes == 80
    assert scalar(pool, "SELECT count(*) FROM contacts WHERE ai_context IS NULL OR stage_id IS NULL") == 0
    # A plausible pipeline, not everyone in one stage.
    assert scalar(pool, "SELECT count(DISTINCT stage_id) FROM contacts") >= 4
    assert (
        scalar(
            pool,
            "SELECT count(*) FROM contact_activities WHERE type = 'STAGE_CHANGED'"
            " AND from_stage_id IS NULL AND reasoning IS NOT NULL AND confidence IS NOT NULL",
        )
        == 80
    )
    assert scalar(pool, "SELECT count(*) FROM conversations WHERE analyzed_at IS DISTINCT FROM updated_time") == 0
    # Each placement keeps the customer's words that decided it.
    assert (
        scalar(pool, "SELECT count(*) FROM contact_activities WHERE details->'evidence'->>0 LIKE 'customer: %%'") == 80
    )


@pytest.mark.parametrize("mode", list(AutoMode))
def test_rerunning_on_unchanged_conversations_writes_no_new_activity(pool, page, sync, mode):
    set_mode(pool, page, mode)
    sync(page)
    activities = scalar(pool, "SELECT count(*) FROM contact_activities")
    with pool.connection() as conn:
        conn.execute("UPDATE contacts SET ai_context = 'stale'")

    incremental = sync(page)
    full = sync(page, full=True)
    again = sync(page, full=True)

    assert incremental.analyzed_contacts == 0
    assert full.analyzed_contacts == again.analyzed_contacts == 80
    assert full.stage_changes == again.stage_changes == 0
    assert scalar(pool, "SELECT count(*) FROM contact_activities") == activities
    # The summary is still refreshed.
    assert scalar(pool, "SELECT count(*) FROM contacts WHERE ai_context = 'stale'") == 0


def test_a_new_score_in_the_same_stage_is_recorded_once(pool, page, sync):
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    sync(page)
    with pool.connection() as conn:
        target = auto_pipeline_of(conn, page.id)
        contact = conn.execute(
            "SELECT c.id, s.name, c.lead_score, c.lead_status FROM contacts c"
            " JOIN pipeline_stages s ON s.id = c.stage_id ORDER BY c.id LIMIT 1"
        ).fetchone()
    rescored = Analysis(
        summary="Asked again",
        recommended_stage=contact["name"],
        lead_score=(contact["lead_score"] + 7) % 100,
        lead_status=LeadStatus(contact["lead_status"]),
        confidence=70,
        reasoning="a second question",
    )
    before = scalar(pool, "SELECT count(*) FROM contact_activities WHERE contact_id = %s", contact["id"])

    for _ in range(2):
        with pool.connection() as conn, conn.transaction():
            assert apply_analysis(conn, contact["id"], rescored, target, "test") is None

    assert (
        scalar(
            pool,
            "SELECT count(*) FROM contact_activities WHERE contact_id = %s AND type = 'AI_ANALYZED'",
            contact["id"],
        )
        == 1
    )
    assert scalar(pool, "SELECT count(*) FROM contact_activities WHERE contact_id = %s", contact["id"]) == before + 1


def test_update_existing_moves_a_contact_back_and_says_why(pool, page, sync):
    sync(page)
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    contact_id, ai_stage = _move_one_contact_by_hand(pool)

    job = sync(page, full=True)

    assert job.stage_changes == 1
    assert scalar(pool, "SELECT stage_id FROM contacts WHERE id = %s", contact_id) == ai_stage
    assert (
        scalar(
            pool,
            "SELECT count(*) FROM contact_activities WHERE type = 'STAGE_CHANGED'"
            " AND contact_id = %s AND to_stage_id = %s AND from_stage_id <> %s",
            contact_id,
            ai_stage,
            ai_stage,
        )
        == 1
    )


def test_skip_existing_keeps_the_stage_but_refreshes_the_ai_context(pool, page, sync):
    sync(page)
    contact_id, ai_stage = _move_one_contact_by_hand(pool)
    with pool.connection() as conn:
        conn.execute("UPDATE contacts SET ai_context = 'stale' WHERE id = %s", (contact_id,))

    job = sync(page, full=True)

    assert job.stage_changes == 0
    assert scalar(pool, "SELECT stage_id FROM contacts WHERE id = %s", contact_id) != ai_stage
    assert scalar(pool, "SELECT ai_context FROM contacts WHERE id = %s", contact_id) != "stale"


def test_new_activity_is_analysed_by_an_incremental_sync(pool, sim, page, sync):
    sync(page)
    set_mode(pool, page, AutoMode.UPDATE_EXISTING)
    sim.touch(SHOP.page_id, "messenger", 40, "I've just paid the invoice for the 10-class pass, thanks!")

    job = sync(page)

    assert job.synced_contacts == 1 and job.analyzed_contacts == 1
    won = scalar(
        pool,
        "SELECT s.name FROM contacts c JOIN conversations v ON v.contact_id = c.id"
        " JOIN messages m ON m.conversation_id = v.id JOIN pipeline_stages s ON s.id = c.stage_id"
        " WHERE m.text LIKE 'I''ve just paid%%'",
    )
    assert won == "Won"


def test_without_an_auto_pipeline_contacts_get_summaries_only(pool, page, sync):
    with pool.connection() as conn:
        set_auto_pipeline(conn, page.id, None, AutoMode.SKIP_EXISTING)

    job = sync(page)

    assert job.analyzed_contacts == 80 and job.stage_changes == 0
    assert scalar(pool, "SELECT count(*) FROM contacts WHERE ai_context IS NOT NULL AND stage_id IS NULL") == 80
    assert scalar(pool, "SELECT count(*) FROM contact_activities") == 0


@pytest.mark.parametrize(
    "recommended, stage, rule",
    [
        ("Qualified Lead", "Qualified Lead", "exact"),
        ("Qualified", "Qualified Lead", "fuzzy"),
        ("Negotiating", "New Lead", "fallback"),
    ],
)
def test_the_activity_says_which_matching_rule_placed_the_contact(pool, page, sync, recommended, stage, rule):
    with pool.connection() as conn:
        target = auto_pipeline_of(conn, page.id)
        set_auto_pipeline(conn, page.id, None, AutoMode.SKIP_EXISTING)
    sync(page)  # contacts stored and summarised, none placed
    contact_id = scalar(pool, "SELECT min(id) FROM contacts")
    analysis = Analysis(
        summary="Asked for a quote",
        recommended_stage=recommended,
        lead_score=140,
        lead_status=LeadStatus.QUALIFIED,
        confidence=70,
        reasoning="quote request",
    )

    with pool.connection() as conn, conn.transaction():
        moved = apply_analysis(conn, contact_id, analysis, target, "test")

    assert moved
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT s.name, c.lead_score, c.lead_status, a.details->>'rule' AS rule FROM contacts c"
            " JOIN pipeline_stages s ON s.id = c.stage_id JOIN contact_activities a ON a.contact_id = c.id"
            " WHERE c.id = %s",
            (contact_id,),
        ).fetchone()
    assert (row["name"], row["rule"], row["lead_score"], row["lead_status"]) == (stage, rule, 100, "QUALIFIED")


def _move_one_contact_by_hand(pool) -> tuple[int, int]:
    """A salesperson drags a contact to another stage; returns (contact id, the stage the AI chose)."""
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT c.id, c.stage_id, (SELECT s.id FROM pipeline_stages s WHERE s.pipeline_id = c.pipeline_id"
            "  AND s.id <> c.stage_id ORDER BY s.position LIMIT 1) AS other FROM contacts c ORDER BY c.id LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE contacts SET stage_id = %s WHERE id = %s", (row["other"], row["id"]))
    return row["id"], row["stage_id"]
