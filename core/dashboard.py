"""A workspace's pages at a glance, as the App Home shows them: each page's funnel, AI coverage and
analysis backlog, its syncs of the last 30 days, token trouble and hottest leads.

Read set-based: the pages with their totals and sync history in one statement, the backlogs in one,
the funnels in one; then per page shown only its latest syncs and its hottest leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.backlog import backlog_sizes
from core.db import Conn
from core.jobs import SyncJob, latest_jobs
from core.leads import Lead, hottest_leads
from core.pages import PAGE_COLUMNS, Page
from core.stats import StageCount
from core.token_health import EXPIRY_WARNING

HISTORY_DAYS = 30
RECENT_SYNCS = 3
HOTTEST_LEADS = 5


@dataclass(frozen=True)
class SyncHistory:
    """The page's syncs created in the last HISTORY_DAYS days. Cancelled ones are a person's choice:
    they count for neither success nor failure."""

    finished: int  # completed or failed
    completed: int
    average_seconds: float | None  # of the completed ones

    @property
    def success_rate(self) -> float | None:
        return self.completed / self.finished if self.finished else None


@dataclass(frozen=True)
class PageDashboard:
    page: Page
    contacts: int
    analysed: int  # contacts with an AI summary
    unplaced: int  # contacts in no stage
    stages: list[StageCount]  # the page's pipeline in order, then any other stage its contacts are in
    backlog: int  # contacts waiting for analysis
    analysis_rate: float | None  # analyses per minute, as the latest sync's analysis measured it
    history: SyncHistory
    recent_jobs: list[SyncJob]  # newest first
    hottest: list[Lead]

    @property
    def ai_coverage(self) -> float:
        return self.analysed / self.contacts if self.contacts else 0.0

    def backlog_eta_seconds(self) -> float | None:
        """How long the backlog takes at the measured rate; None without a backlog or a rate."""
        if not self.backlog or not self.analysis_rate:
            return None
        return self.backlog / self.analysis_rate * 60

    def token_expiring(self, now: datetime) -> bool:
        """Meta said when the token lapses, and that is within EXPIRY_WARNING (or past)."""
        expires = self.page.token_expires_at
        return not self.page.needs_reauth and expires is not None and expires - now <= EXPIRY_WARNING


@dataclass(frozen=True)
class Dashboard:
    pages: list[PageDashboard]  # by name, at most the `most_pages` asked for
    more_pages: int  # the workspace's active pages beyond those


_PAGES = f"""
SELECT p.*, t.contacts, t.analysed, t.unplaced, h.finished, h.completed, h.average_seconds,
  (SELECT j.analysis_rate FROM sync_jobs j WHERE j.facebook_page_id = p.id ORDER BY j.id DESC LIMIT 1) AS analysis_rate
FROM (
  -- The pages shown first, and how many there are: only those shown are counted below.
  SELECT {PAGE_COLUMNS}, count(*) OVER () AS pages_total FROM facebook_pages
  WHERE organization_id = %(org)s AND is_active ORDER BY name, id LIMIT %(most)s) p
CROSS JOIN LATERAL (
  SELECT count(*) AS contacts, count(*) FILTER (WHERE c.ai_context IS NOT NULL) AS analysed,
    count(*) FILTER (WHERE c.stage_id IS NULL) AS unplaced
  FROM contacts c WHERE c.facebook_page_id = p.id) t
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE j.status IN ('COMPLETED', 'FAILED')) AS finished,
    count(*) FILTER (WHERE j.status = 'COMPLETED') AS completed,
    avg(extract(epoch FROM j.completed_at - j.started_at)) FILTER (WHERE j.status = 'COMPLETED') AS average_seconds
  FROM sync_jobs j WHERE j.facebook_page_id = p.id AND j.created_at >= %(since)s) h
ORDER BY p.name, p.id
"""

# As core.stats.page_stats counts them, for several pages at once.
_STAGES = """
SELECT p.id AS page_pk, s.name, count(c.id) AS contacts, avg(c.lead_score) AS average_score
FROM facebook_pages p
JOIN pipeline_stages s ON s.pipeline_id = p.auto_pipeline_id
  OR s.id IN (SELECT stage_id FROM contacts WHERE facebook_page_id = p.id)
LEFT JOIN contacts c ON c.stage_id = s.id AND c.facebook_page_id = p.id
WHERE p.id = ANY(%s)
GROUP BY p.id, s.id, s.pipeline_id, s.position, s.name ORDER BY p.id, s.pipeline_id, s.position
"""

_TOTALS = ("pages_total", "contacts", "analysed", "unplaced", "finished", "completed", "average_seconds")


def dashboard(conn: Conn, organization_id: int, now: datetime, *, most_pages: int) -> Dashboard:
    """The organization's active pages, the first `most_pages` of them by name in full."""
    rows = conn.execute(
        _PAGES, {"org": organization_id, "since": now - timedelta(days=HISTORY_DAYS), "most": most_pages}
    ).fetchall()
    if not rows:
        return Dashboard([], 0)
    page_pks = [row["id"] for row in rows]
    total = rows[0]["pages_total"]
    backlogs = backlog_sizes(conn, page_pks)
    stages: dict[int, list[StageCount]] = {pk: [] for pk in page_pks}
    for row in conn.execute(_STAGES, (page_pks,)).fetchall():
        average = float(row["average_score"]) if row["average_score"] is not None else None
        stages[row["page_pk"]].append(StageCount(row["name"], row["contacts"], average))
    boards = []
    for row in rows:
        totals = {name: row.pop(name) for name in _TOTALS}
        rate = row.pop("analysis_rate")
        page = Page(**row)
        average = totals["average_seconds"]
        boards.append(
            PageDashboard(
                page=page,
                contacts=totals["contacts"],
                analysed=totals["analysed"],
                unplaced=totals["unplaced"],
                stages=stages[page.id],
                backlog=backlogs.get(page.id, 0),
                analysis_rate=float(rate) if rate is not None else None,
                history=SyncHistory(
                    totals["finished"], totals["completed"], float(average) if average is not None else None
                ),
                recent_jobs=latest_jobs(conn, page.id, RECENT_SYNCS),
                hottest=hottest_leads(conn, page.id, limit=HOTTEST_LEADS),
            )
        )
    return Dashboard(boards, total - len(boards))
