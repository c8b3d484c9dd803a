"""Applying an analysis to a contact: AI context always; stage, score and status per the page's mode.

An audit row (`contact_activities`) is written only when the stage, score or status changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg.types.json import Jsonb

from core.analysis.model import Analysis, clamp_score
from core.db import Conn
from core.pipeline.matching import MatchRule, Stage, match_stage
from core.pipeline.pipelines import AutoMode, AutoPipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageMove:
    from_stage_id: int | None
    to: Stage


def apply_analysis(
    conn: Conn, contact_id: int, analysis: Analysis, target: AutoPipeline | None, analyzer: str
) -> StageMove | None:
    """Write the analysis to the contact (inside the caller's transaction); the move, if its stage changed."""
    current = conn.execute(
        "SELECT pipeline_id, stage_id, lead_score, lead_status FROM contacts WHERE id = %s FOR UPDATE",
        (contact_id,),
    ).fetchone()
    if current is None:
        raise LookupError(f"no contact {contact_id}")
    placed = current["pipeline_id"] is not None
    if target is None or analysis.recommended_stage is None or (placed and target.mode is AutoMode.SKIP_EXISTING):
        _refresh_summary(conn, contact_id, analysis)
        return None

    stage, rule = match_stage(analysis.recommended_stage, target.pipeline.stages)
    if rule is MatchRule.FALLBACK:
        log.warning(
            "recommended stage not in pipeline, using first stage contact_id=%s recommended=%r pipeline=%s",
            contact_id,
            analysis.recommended_stage,
            target.pipeline.id,
        )
    moved = current["pipeline_id"] != target.pipeline.id or current["stage_id"] != stage.id
    score = clamp_score(analysis.lead_score)
    status = analysis.lead_status.value if analysis.lead_status else None
    rescored = score not in (None, current["lead_score"]) or status not in (None, current["lead_status"])
    if not moved and not rescored:
        # The audit trail records changes: the same verdict again is not one.
        _refresh_summary(conn, contact_id, analysis)
        return None
    conn.execute(
        "UPDATE contacts SET ai_context = %(summary)s, ai_context_updated_at = now(),"
        " pipeline_id = %(pipeline)s, stage_id = %(stage)s,"
        " stage_entered_at = CASE WHEN %(moved)s THEN now() ELSE stage_entered_at END,"
        " lead_score = COALESCE(%(score)s, lead_score), lead_status = COALESCE(%(status)s, lead_status),"
        " updated_at = now() WHERE id = %(id)s",
        {
            "id": contact_id,
            "summary": analysis.summary,
            "pipeline": target.pipeline.id,
            "stage": stage.id,
            "moved": moved,
            "score": score,
            "status": status,
        },
    )
    conn.execute(
        "INSERT INTO contact_activities (contact_id, type, from_stage_id, to_stage_id, lead_score, confidence,"
        " reasoning, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            contact_id,
            "STAGE_CHANGED" if moved else "AI_ANALYZED",
            current["stage_id"],
            stage.id,
            score,
            clamp_score(analysis.confidence),
            analysis.reasoning,
            Jsonb(
                {
                    "rule": rule.value,
                    "recommended_stage": analysis.recommended_stage,
                    "lead_status": status,
                    "analyzer": analyzer,
                    "mode": target.mode.value,
                    "evidence": list(analysis.evidence),
                }
            ),
        ),
    )
    return StageMove(current["stage_id"], stage) if moved else None


def _refresh_summary(conn: Conn, contact_id: int, analysis: Analysis) -> None:
    conn.execute(
        "UPDATE contacts SET ai_context = %s, ai_context_updated_at = now(), updated_at = now() WHERE id = %s",
        (analysis.summary, contact_id),
    )
