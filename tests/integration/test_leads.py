"""Leads as a team sees them, on real PostgreSQL: a person's stage outlasts analyses, lookups fold
case and accents and stay in their workspace."""

from __future__ import annotations

from conftest import synced_page
from core import jobs, leads, pages, pipeline
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="620000000000001", name="Fig Bakery", token="fig-bakery-token-1q2w3e", messenger_count=12, seed=31
)
OTHER = SimPage(
    page_id="620000000000002", name="Rye Bakery", token="rye-bakery-token-4r5t6y", messenger_count=3, seed=32
)


def full_sync(pool, settings, page) -> None:
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=True, stale_after_seconds=600)
    assert SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id).status is JobStatus.COMPLETED


def stage_named(pool, page, name: str) -> pipeline.Stage:
    with pool.connection() as conn:
        return leads.resolve_stage(conn, page.id, name)


def a_placed_lead(pool, page) -> leads.Lead:
    with pool.connection() as conn:
        found = leads.hottest_leads(conn, page.id, limit=1)
    assert found and found[0].stage is not None
    return found[0]


def test_a_stage_a_person_sets_survives_a_full_sync_in_update_mode(pool, sim, settings, connect_page):
    page = synced_page(pool, sim, settings, connect_page, SHOP)
    with pool.connection() as conn:
        target = pipeline.auto_pipeline_of(conn, page.id)
        assert target is not None
        pipeline.set_auto_pipeline(conn, page.id, target.pipeline, pipeline.AutoMode.UPDATE_EXISTING)
    lead = a_placed_lead(pool, page)
    won = stage_named(pool, page, "won")
    assert lead.stage_id != won.id

    with pool.connection() as conn:
        moved = leads.set_stage(conn, lead.contact_id, won.id, "U0SALES1", "T0SHOP")
    assert (moved.stage, moved.stage_set_by, moved.lead_status) == ("Won", "U0SALES1", "WON")

    full_sync(pool, settings, page)

    with pool.connection() as conn:
        after = leads.get_lead(conn, lead.contact_id)
        trail = conn.execute(
            "SELECT type, to_stage_id, details FROM contact_activities WHERE contact_id = %s ORDER BY id",
            (lead.contact_id,),
        ).fetchall()
    assert after is not None
    assert (after.stage, after.stage_set_by) == ("Won", "U0SALES1")
    assert after.ai_stage == lead.stage and after.ai_disagrees  # the analysis still says where it would go
    assert after.summary and after.evidence
    set_rows = [row for row in trail if row["type"] == "STAGE_SET"]
    assert [(row["to_stage_id"], row["details"]["set_by"]) for row in set_rows] == [(won.id, "U0SALES1")]
    assert all(row["to_stage_id"] == won.id for row in trail[trail.index(set_rows[0]) :])


def test_accepting_the_suggestion_hands_the_stage_back_to_the_analysis(pool, sim, settings, connect_page):
    page = synced_page(pool, sim, settings, connect_page, SHOP)
    lead = a_placed_lead(pool, page)
    lost = stage_named(pool, page, "lost")
    with pool.connection() as conn:
        leads.set_stage(conn, lead.contact_id, lost.id, "U0SALES1", "T0SHOP")
        accepted = leads.accept_suggestion(conn, lead.contact_id, "U0SALES2", "T0SHOP")
    assert (accepted.stage, accepted.stage_set_by, accepted.ai_disagrees) == (lead.stage, None, False)


def test_a_stage_of_another_pipeline_is_refused_and_nothing_changes(pool, sim, settings, connect_page):
    page = synced_page(pool, sim, settings, connect_page, SHOP)
    lead = a_placed_lead(pool, page)
    with pool.connection() as conn:
        other = pipeline.create_pipeline(conn, page.organization_id, "Hiring", ["Applied", "Hired"])
        try:
            leads.set_stage(conn, lead.contact_id, other.stages[0].id, "U0SALES1", "T0SHOP")
        except leads.StageRefused:
            pass
        else:
            raise AssertionError("a stage of a pipeline the page does not use was accepted")
        assert leads.get_lead(conn, lead.contact_id) == lead


def test_find_folds_case_and_accents_matches_parts_and_stays_in_its_workspace(pool, sim, settings, connect_page):
    page = synced_page(pool, sim, settings, connect_page, SHOP)
    sim.add_page(OTHER)
    elsewhere = connect_page(OTHER, team="T0ELSEWHERE")
    with pool.connection() as conn:
        ids = [
            row["id"]
            for row in conn.execute("SELECT id FROM contacts WHERE facebook_page_id = %s ORDER BY id", (page.id,))
        ]
        conn.execute("UPDATE contacts SET first_name = 'José', last_name = 'Núñez' WHERE id = %s", (ids[0],))
        conn.execute("UPDATE contacts SET first_name = '100%%', last_name = 'Real' WHERE id = %s", (ids[1],))
        conn.execute(
            "INSERT INTO contacts (facebook_page_id, messenger_psid, first_name, has_messenger)"
            " VALUES (%s, '99', 'Jose', true)",
            (elsewhere.id,),
        )
        org = pages.ensure_organization(conn, pages.LOCAL_TEAM_ID)

        def names(text: str) -> list[str]:
            return [lead.name for lead in leads.find_leads(conn, org, text)]

        assert names("jose") == names("JOSÉ") == names("nune") == names("sé n") == ["José Núñez"]
        assert names("100%") == ["100% Real"] and names("%") == ["100% Real"] and names("_") == []
        assert names("   ") == []
