"""Applying analyses to contacts: AI context always; stage, score and status per the page's mode.

A stage a person set (`stage_set_by`) is never moved by an analysis: its summary, score, evidence and
recommended stage (`ai_stage_id`, shown as "AI suggests ...") are still stored. An audit row
(`contact_activities`) is written only when the stage, score or status changes. A batch of analyses
is applied with one statement per table. Moves into a page's alert stages owe its lead alerts
(core/pipeline/alerting.py): only here, so a stage a person sets is never announced back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from psycopg.types.json import Jsonb

from core.analysis.model import Analysis, clamp_score
from core.db import Conn
from core.pipeline.alerting import record_entries
from core.pipeline.matching import MatchRule, Stage, match_stage
from core.pipeline.pipelines import AutoMode, AutoPipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageMove:
    from_stage_id: int | None
    to: Stage
    alerted: bool = False  # into an alert stage of a page with a notify channel: its lead alert tells


@dataclass(frozen=True)
class _Change:
    """What one analysis does to its contact: the new values, and the audit row when anything changed."""

    contact_id: int
    summary: str
    confidence: int | None = None
    evidence: tuple[str, ...] = ()
    ai_stage_id: int | None = None  # None: the analysis recommended no stage of the page's pipeline
    pipeline_id: int | None = None  # None: stage, score and status stay as they are
    stage_id: int | None = None
    moved: bool = False
    score: int | None = None
    status: str | None = None
    activity: tuple[Any, ...] | None = None  # (type, from_stage_id, to_stage_id, score, confidence, reasoning, details)


def apply_analysis(
    conn: Conn, contact_id: int, analysis: Analysis, target: AutoPipeline | None, analyzer: str
) -> StageMove | None:
    """Write the analysis to the contact (inside the caller's transaction); the move, if its stage changed."""
    return apply_analyses(conn, [(contact_id, analysis)], target, analyzer)[contact_id]


def lock_contacts(conn: Conn, contact_ids: Sequence[int], *, skip_locked: bool = False) -> dict[int, dict[str, Any]]:
    """Lock the contacts' rows for the caller's transaction (in id order: two lockers never deadlock)
    and read what an analysis changes; with `skip_locked`, rows another transaction holds are left out."""
    rows = conn.execute(
        "SELECT id, pipeline_id, stage_id, stage_set_by, lead_score, lead_status FROM contacts WHERE id = ANY(%s)"
        " ORDER BY id FOR UPDATE" + (" SKIP LOCKED" if skip_locked else ""),
        (list(contact_ids),),
    ).fetchall()
    return {row["id"]: row for row in rows}


def apply_analyses(
    conn: Conn,
    analyses: Sequence[tuple[int, Analysis]],
    target: AutoPipeline | None,
    analyzer: str,
    locked: dict[int, dict[str, Any]] | None = None,
) -> dict[int, StageMove | None]:
    """Write each contact's analysis (inside the caller's transaction): one update and one insert of
    audit rows for them all. `locked` is what lock_contacts read of them, when the caller holds their
    locks already. Each contact's move, if its stage changed."""
    if not analyses:
        return {}
    current = locked if locked is not None else lock_contacts(conn, [contact_id for contact_id, _ in analyses])
    missing = [contact_id for contact_id, _ in analyses if contact_id not in current]
    if missing:
        raise LookupError(f"no contact {missing[0]}")
    changes: list[_Change] = []
    moves: dict[int, StageMove | None] = {}
    for contact_id, analysis in analyses:
        change, move = _change(contact_id, current[contact_id], analysis, target, analyzer)
        changes.append(change)
        moves[contact_id] = move
    alerted = _write(conn, changes)
    return {
        contact_id: replace(move, alerted=True) if move is not None and contact_id in alerted else move
        for contact_id, move in moves.items()
    }


def _change(
    contact_id: int, current: dict[str, Any], analysis: Analysis, target: AutoPipeline | None, analyzer: str
) -> tuple[_Change, StageMove | None]:
    said = _Change(contact_id, analysis.summary, clamp_score(analysis.confidence), analysis.evidence)
    if target is None or analysis.recommended_stage is None:
        return said, None
    stage, rule = match_stage(analysis.recommended_stage, target.pipeline.stages)
    if rule is MatchRule.FALLBACK:
        log.warning(
            "recommended stage not in pipeline, using first stage contact_id=%s recommended=%r pipeline=%s",
            contact_id,
            analysis.recommended_stage,
            target.pipeline.id,
        )
    said = replace(said, ai_stage_id=stage.id)
    placed = current["pipeline_id"] is not None
    if placed and target.mode is AutoMode.SKIP_EXISTING:
        return said, None
    # A person's stage stands (one of this pipeline's); the analysis still rescores the contact there.
    kept = {s.id: s for s in target.pipeline.stages}.get(current["stage_id"])
    by_person = kept is not None and current["stage_set_by"] is not None
    stage = kept if kept is not None and by_person else stage
    moved = not by_person and (current["pipeline_id"] != target.pipeline.id or current["stage_id"] != stage.id)
    score = clamp_score(analysis.lead_score)
    status = analysis.lead_status.value if analysis.lead_status and not by_person else None
    rescored = score not in (None, current["lead_score"]) or status not in (None, current["lead_status"])
    if not moved and not rescored:
        # The audit trail records changes: the same verdict again is not one.
        return said, None
    details = {
        "rule": rule.value,
        "recommended_stage": analysis.recommended_stage,
        "lead_status": status,
        "analyzer": analyzer,
        "mode": target.mode.value,
        "evidence": list(analysis.evidence),
    }
    if by_person:
        details["stage_set_by"] = current["stage_set_by"]
    activity = (
        "STAGE_CHANGED" if moved else "AI_ANALYZED",
        current["stage_id"],
        stage.id,
        score,
        clamp_score(analysis.confidence),
        analysis.reasoning,
        Jsonb(details),
    )
    change = replace(
        said,
        pipeline_id=target.pipeline.id,
        stage_id=stage.id,
        moved=moved,
        score=score,
        status=status,
        activity=activity,
    )
    return change, StageMove(current["stage_id"], stage) if moved else None


def _write(conn: Conn, changes: list[_Change]) -> set[int]:
    """The changes, and the lead alerts they owe; returns the contacts moved into an alert stage."""
    # Arrays go in binary (%b): dumping long text arrays as text escapes every element, which costs
    # more than the statement.
    conn.execute(
        "UPDATE contacts c SET ai_context = u.summary, ai_context_updated_at = now(),"
        " pipeline_id = COALESCE(u.pipeline_id, c.pipeline_id),"
        " stage_id = CASE WHEN u.pipeline_id IS NULL THEN c.stage_id ELSE u.stage_id END,"
        " stage_entered_at = CASE WHEN u.moved THEN now() ELSE c.stage_entered_at END,"
        " lead_score = COALESCE(u.score, c.lead_score), lead_status = COALESCE(u.status, c.lead_status),"
        " ai_confidence = COALESCE(u.confidence, c.ai_confidence), ai_evidence = u.evidence,"
        " ai_stage_id = COALESCE(u.ai_stage_id, c.ai_stage_id), updated_at = now()"
        " FROM unnest(%b::bigint[], %b::text[], %b::int[], %b::jsonb[], %b::bigint[], %b::bigint[], %b::bigint[],"
        "  %b::boolean[], %b::int[], %b::text[])"
        "  AS u(id, summary, confidence, evidence, ai_stage_id, pipeline_id, stage_id, moved, score, status)"
        " WHERE c.id = u.id",
        (
            [c.contact_id for c in changes],
            [c.summary for c in changes],
            [c.confidence for c in changes],
            [Jsonb(list(c.evidence)) for c in changes],
            [c.ai_stage_id for c in changes],
            [c.pipeline_id for c in changes],
            [c.stage_id for c in changes],
            [c.moved for c in changes],
            [c.score for c in changes],
            [c.status for c in changes],
        ),
    )
    alerted = record_entries(conn, [(c.contact_id, c.stage_id) for c in changes if c.moved and c.stage_id])
    audited = [(c.contact_id, *c.activity) for c in changes if c.activity is not None]
    if not audited:
        return alerted
    columns = list(zip(*audited, strict=True))
    conn.execute(
        "INSERT INTO contact_activities (contact_id, type, from_stage_id, to_stage_id, lead_score, confidence,"
        " reasoning, details)"
        " SELECT contact_id, type, from_stage_id, to_stage_id, lead_score, confidence, reasoning, details"
        " FROM unnest(%b::bigint[], %b::text[], %b::bigint[], %b::bigint[], %b::int[], %b::int[], %b::text[],"
        "  %b::jsonb[]) WITH ORDINALITY AS a(contact_id, type, from_stage_id, to_stage_id, lead_score, confidence,"
        "  reasoning, details, position) ORDER BY position",
        [list(column) for column in columns],
    )
    return alerted
