"""Sync analytics for a page: contacts per stage, average lead score, AI coverage, recent syncs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.db import Conn
from core.jobs import SyncJob, latest_jobs
from core.pages import Page


@dataclass(frozen=True)
class StageCount:
    stage: str
    contacts: int
    average_score: float | None


@dataclass(frozen=True)
class PageStats:
    page: Page
    contacts: int
    messenger: int
    instagram: int
    analysed: int  # contacts with an AI summary
    average_score: float | None  # over placed contacts
    stages: list[StageCount]  # the auto pipeline's stages in order, then any other stage in use
    unplaced: int
    recent_jobs: list[SyncJob]

    @property
    def ai_coverage(self) -> float:
        return self.analysed / self.contacts if self.contacts else 0.0


def page_stats(conn: Conn, page: Page, recent: int = 5) -> PageStats:
    totals = conn.execute(
        "SELECT count(*) AS contacts, count(*) FILTER (WHERE has_messenger) AS messenger,"
        " count(*) FILTER (WHERE has_instagram) AS instagram,"
        " count(*) FILTER (WHERE ai_context IS NOT NULL) AS analysed,"
        " count(*) FILTER (WHERE stage_id IS NULL) AS unplaced,"
        " avg(lead_score) FILTER (WHERE stage_id IS NOT NULL) AS average_score"
        " FROM contacts WHERE facebook_page_id = %s",
        (page.id,),
    ).fetchone()
    assert totals is not None
    rows = conn.execute(
        "SELECT s.name, count(c.id) AS contacts, avg(c.lead_score) AS average_score"
        " FROM pipeline_stages s LEFT JOIN contacts c ON c.stage_id = s.id AND c.facebook_page_id = %(page)s"
        " WHERE s.pipeline_id = (SELECT auto_pipeline_id FROM facebook_pages WHERE id = %(page)s)"
        "  OR s.id IN (SELECT stage_id FROM contacts WHERE facebook_page_id = %(page)s)"
        " GROUP BY s.id, s.pipeline_id, s.position, s.name ORDER BY s.pipeline_id, s.position",
        {"page": page.id},
    ).fetchall()
    return PageStats(
        page=page,
        contacts=totals["contacts"],
        messenger=totals["messenger"],
        instagram=totals["instagram"],
        analysed=totals["analysed"],
        average_score=float(totals["average_score"]) if totals["average_score"] is not None else None,
        stages=[
            StageCount(r["name"], r["contacts"], float(r["average_score"]) if r["average_score"] is not None else None)
            for r in rows
        ],
        unplaced=totals["unplaced"],
        recent_jobs=latest_jobs(conn, page.id, recent),
    )


def stage_breakdown(conn: Conn, page_pk: int) -> list[tuple[str, int]]:
    """(stage name, contacts) for the stages the page's contacts are in, in pipeline order."""
    rows = conn.execute(
        "SELECT s.name, count(*) AS n FROM contacts c JOIN pipeline_stages s ON s.id = c.stage_id"
        " WHERE c.facebook_page_id = %s GROUP BY s.name, s.pipeline_id, s.position ORDER BY s.pipeline_id, s.position",
        (page_pk,),
    ).fetchall()
    return [(row["name"], row["n"]) for row in rows]


def contacts_created_since(conn: Conn, page_pk: int, since: datetime) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM contacts WHERE facebook_page_id = %s AND created_at >= %s", (page_pk, since)
    ).fetchone()
    return int(row["n"]) if row else 0
