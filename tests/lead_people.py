"""People put straight into a page's contacts, for the tests of the lead lists, lookups and cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.db import Pool
from core.leads import resolve_stage
from core.pages import Page

LAST_WEEK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    first_name: str
    score: int
    stage: str | None = None  # as typed: resolved against the page's pipeline
    ai_stage: str | None = None
    summary: str | None = None
    last_name: str | None = None


def add_people(pool: Pool, page: Page, people: list[Person]) -> list[int]:
    """Their contact ids, in the order given; the later a person in the list, the more recent their
    last message, so that order among equal scores is known."""
    ids = []
    with pool.connection() as conn:
        for n, person in enumerate(people):
            stage = resolve_stage(conn, page.id, person.stage) if person.stage else None
            ai_stage = resolve_stage(conn, page.id, person.ai_stage) if person.ai_stage else None
            row = conn.execute(
                "INSERT INTO contacts (facebook_page_id, messenger_psid, first_name, last_name, has_messenger,"
                " lead_score, pipeline_id, stage_id, ai_stage_id, ai_context, last_interaction)"
                " VALUES (%s, %s, %s, %s, true, %s, CASE WHEN %s THEN (SELECT auto_pipeline_id FROM facebook_pages"
                " WHERE id = %s) END, %s, %s, %s, %s) RETURNING id",
                (
                    page.id,
                    f"{page.page_id[-6:]}{n:04d}",
                    person.first_name,
                    person.last_name,
                    person.score,
                    stage is not None,
                    page.id,
                    stage.id if stage else None,
                    ai_stage.id if ai_stage else None,
                    person.summary,
                    LAST_WEEK + timedelta(minutes=n),
                ),
            ).fetchone()
            assert row is not None  # RETURNING always gives the row
            ids.append(row["id"])
    return ids
