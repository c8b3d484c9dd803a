"""Which leads to show: a page's hottest open ones, those of a stage, or people found by name."""

from __future__ import annotations

from collections.abc import Sequence

from core.db import Conn
from core.leads.model import Lead
from core.pipeline import Stage, auto_pipeline_of
from core.pipeline.matching import MatchRule, match_stage

# Won and Lost are closed: a hot lead is neither. Matched by the default stages' names, as the
# analyzer and every custom pipeline built from them name them.
CLOSED_STAGES = ("won", "lost")

LEAD_SELECT = """
SELECT c.id AS contact_id, p.id AS page_pk, p.page_id, p.name AS page_name, c.messenger_psid, c.instagram_sid,
  c.first_name, c.last_name, c.instagram_username, c.pipeline_id, c.stage_id, s.name AS stage, c.stage_set_by,
  c.ai_stage_id, ai.name AS ai_stage, c.lead_score, c.lead_status, c.ai_confidence AS confidence,
  c.ai_context AS summary, c.ai_evidence AS evidence, c.last_interaction, c.stage_entered_at
FROM contacts c
JOIN facebook_pages p ON p.id = c.facebook_page_id
LEFT JOIN pipeline_stages s ON s.id = c.stage_id
LEFT JOIN pipeline_stages ai ON ai.id = c.ai_stage_id
"""

# The same folding as contacts.search_name (migration 015), applied to what a person typed.
_FOLD = "regexp_replace(normalize(lower(%(text)s), NFD), '[\\u0300-\\u036f]', '', 'g')"


def get_lead(conn: Conn, contact_id: int) -> Lead | None:
    row = conn.execute(LEAD_SELECT + " WHERE c.id = %s", (contact_id,)).fetchone()
    return Lead.from_row(row) if row else None


def leads_by_id(conn: Conn, contact_ids: Sequence[int]) -> dict[int, Lead]:
    """These contacts as leads, by contact id (one query); those gone are absent."""
    rows = conn.execute(LEAD_SELECT + " WHERE c.id = ANY(%s)", (list(contact_ids),)).fetchall()
    return {row["contact_id"]: Lead.from_row(row) for row in rows}


def hottest_leads(conn: Conn, page_pk: int, *, limit: int = 10, offset: int = 0) -> list[Lead]:
    """Open leads (not Won or Lost), highest score first, the most recent first among equals."""
    rows = conn.execute(
        LEAD_SELECT + " WHERE c.facebook_page_id = %(page)s AND (s.name IS NULL OR lower(s.name) <> ALL(%(closed)s))"
        " ORDER BY c.lead_score DESC, c.last_interaction DESC NULLS LAST, c.id LIMIT %(limit)s OFFSET %(offset)s",
        {"page": page_pk, "closed": list(CLOSED_STAGES), "limit": limit, "offset": offset},
    ).fetchall()
    return [Lead.from_row(row) for row in rows]


def leads_in_stage(conn: Conn, page_pk: int, stage_id: int, *, limit: int = 10, offset: int = 0) -> list[Lead]:
    rows = conn.execute(
        LEAD_SELECT + " WHERE c.facebook_page_id = %(page)s AND c.stage_id = %(stage)s"
        " ORDER BY c.lead_score DESC, c.last_interaction DESC NULLS LAST, c.id LIMIT %(limit)s OFFSET %(offset)s",
        {"page": page_pk, "stage": stage_id, "limit": limit, "offset": offset},
    ).fetchall()
    return [Lead.from_row(row) for row in rows]


def find_leads(conn: Conn, organization_id: int, text: str, *, limit: int = 10) -> list[Lead]:
    """People of the organization's pages whose name or Instagram username holds `text`, folded for
    case and accents ("jose" finds "José"), best leads first."""
    pattern = text.strip()
    if not pattern:
        return []
    # LIKE's own characters stand for themselves (folding leaves them as they are).
    literal = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        LEAD_SELECT + " WHERE p.organization_id = %(org)s AND c.search_name LIKE '%%' || " + _FOLD + " || '%%'"
        " ORDER BY c.lead_score DESC, c.last_interaction DESC NULLS LAST, c.id LIMIT %(limit)s",
        {"org": organization_id, "text": literal, "limit": limit},
    ).fetchall()
    return [Lead.from_row(row) for row in rows]


class StageNotFound(LookupError):
    """The message is user-facing."""


def resolve_stage(conn: Conn, page_pk: int, name: str) -> Stage:
    """A stage of the page's pipeline, by its name as a person types it ("qualified", "proposal")."""
    target = auto_pipeline_of(conn, page_pk)
    if target is None:
        raise StageNotFound("This page has no pipeline yet: set one with `/fbsync pipeline PAGE PIPELINE`.")
    stages = target.pipeline.stages
    folded = name.strip().casefold()
    starting = [s for s in stages if s.name.casefold().startswith(folded)]
    if len(starting) == 1:
        return starting[0]
    stage, rule = match_stage(name, stages)
    if rule is MatchRule.FALLBACK:
        names = ", ".join(s.name for s in stages)
        raise StageNotFound(f"No stage called “{name}” in {target.pipeline.name} (stages: {names}).")
    return stage
