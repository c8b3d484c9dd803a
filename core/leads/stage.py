"""A person setting a contact's stage: kept against later analyses, and on the audit trail."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from core import home
from core.analysis.model import LeadStatus
from core.db import Conn
from core.leads.model import Lead
from core.leads.queries import get_lead

# A stage a person picks also says where the lead stands, where its name is one of the defaults'.
_STATUS_OF_STAGE = {
    "new lead": LeadStatus.NEW,
    "contacted": LeadStatus.CONTACTED,
    "qualified lead": LeadStatus.QUALIFIED,
    "proposal sent": LeadStatus.PROPOSAL_SENT,
    "won": LeadStatus.WON,
    "lost": LeadStatus.LOST,
}


class StageRefused(ValueError):
    """The message is user-facing."""


def set_stage(conn: Conn, contact_id: int, stage_id: int, slack_user_id: str, slack_team_id: str) -> Lead:
    """Put the contact in a stage of its page's pipeline as `slack_user_id` chose: recorded in the
    audit trail, and never moved by an analysis afterwards (core/pipeline/assign.py)."""
    return _place(conn, contact_id, stage_id, slack_user_id, {"set_by": slack_user_id, "team": slack_team_id})


def accept_suggestion(conn: Conn, contact_id: int, slack_user_id: str, slack_team_id: str) -> Lead:
    """Move the contact to the stage the analysis recommends, and hand its stage back to the analysis."""
    lead = get_lead(conn, contact_id)
    if lead is None or lead.ai_stage_id is None:
        raise StageRefused("The analysis has no stage to suggest for this contact.")
    details = {"set_by": slack_user_id, "team": slack_team_id, "accepted_ai_stage": True}
    return _place(conn, contact_id, lead.ai_stage_id, None, details)


def _place(conn: Conn, contact_id: int, stage_id: int, set_by: str | None, details: dict[str, object]) -> Lead:
    with conn.transaction():
        row = conn.execute(
            "SELECT c.stage_id AS from_stage_id, c.stage_set_by, c.facebook_page_id, s.name, s.pipeline_id"
            " FROM contacts c"
            " JOIN facebook_pages p ON p.id = c.facebook_page_id"
            " JOIN pipeline_stages s ON s.id = %s AND s.pipeline_id = p.auto_pipeline_id"
            " WHERE c.id = %s FOR UPDATE OF c",
            (stage_id, contact_id),
        ).fetchone()
        if row is None:
            raise StageRefused(
                "That stage is not in this page's pipeline (it may have changed): look the lead up again."
            )
        status = _STATUS_OF_STAGE.get(row["name"].casefold())
        moved = row["from_stage_id"] != stage_id
        conn.execute(
            "UPDATE contacts SET pipeline_id = %(pipeline)s, stage_id = %(stage)s, stage_set_by = %(by)s,"
            " stage_entered_at = CASE WHEN %(moved)s THEN now() ELSE stage_entered_at END,"
            " lead_status = COALESCE(%(status)s, lead_status), updated_at = now() WHERE id = %(contact)s",
            {
                "pipeline": row["pipeline_id"],
                "stage": stage_id,
                "by": set_by,
                "moved": moved,
                "status": status.value if status else None,
                "contact": contact_id,
            },
        )
        conn.execute(
            "INSERT INTO contact_activities (contact_id, type, from_stage_id, to_stage_id, reasoning, details)"
            " VALUES (%s, 'STAGE_SET', %s, %s, %s, %s)",
            (contact_id, row["from_stage_id"], stage_id, f"set by <@{details['set_by']}> in Slack", Jsonb(details)),
        )
        home.owe_publish(conn, row["facebook_page_id"])  # the page's funnel and hottest leads moved
        lead = get_lead(conn, contact_id)
    assert lead is not None
    return lead
