"""A page's lead alerts (kept in `lead_alerts`, owed by core/pipeline/alerting.py): which stages alert,
the alerts still to post, and what became of them.

An alert still to post is news only while its contact is in that stage, the stage still alerts and
the page has a notify channel; the others are withdrawn (their rows deleted, so a later entry into
the stage is announced after all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.db import Conn
from core.leads import Lead
from core.leads.queries import leads_by_id, resolve_stage
from core.pipeline import Stage
from core.pipeline.alerting import ALERTING_SQL, DEFAULT_ALERT_STAGES


@dataclass(frozen=True)
class Alert:
    contact_id: int
    stage_id: int
    stage: str  # the stage's name


@dataclass(frozen=True)
class PendingAlerts:
    news: list[Alert]  # best leads first (score, then the latest message)
    stale: list[Alert]


def alert_stages(conn: Conn, page_pk: int) -> tuple[str, ...]:
    """The names of the stages whose entrants are announced (the default unless set; empty: off)."""
    row = conn.execute("SELECT alert_stages FROM facebook_pages WHERE id = %s", (page_pk,)).fetchone()
    if row is None:
        raise LookupError(f"no page {page_pk}")
    return DEFAULT_ALERT_STAGES if row["alert_stages"] is None else tuple(row["alert_stages"])


def set_alert_stages(conn: Conn, page_pk: int, names: Sequence[str]) -> list[Stage]:
    """Alerts for these stages of the page's pipeline, as a person types them ("qualified"), or none
    (an empty list: off). Raises core.leads.queries.StageNotFound (its message is user-facing)."""
    chosen: list[Stage] = []
    for name in names:
        stage = resolve_stage(conn, page_pk, name)
        if stage not in chosen:
            chosen.append(stage)
    conn.execute(
        "UPDATE facebook_pages SET alert_stages = %s, updated_at = now() WHERE id = %s",
        ([stage.name for stage in chosen], page_pk),
    )
    return chosen


def pending_alerts(conn: Conn, page_pk: int) -> PendingAlerts:
    rows = conn.execute(
        "SELECT a.contact_id, a.stage_id, s.name AS stage,"
        " (c.stage_id = a.stage_id AND p.notify_channel IS NOT NULL AND " + ALERTING_SQL + ") AS news"
        " FROM lead_alerts a JOIN contacts c ON c.id = a.contact_id JOIN pipeline_stages s ON s.id = a.stage_id"
        " JOIN facebook_pages p ON p.id = a.facebook_page_id"
        " WHERE a.facebook_page_id = %s AND a.sent_at IS NULL"
        " ORDER BY c.lead_score DESC, c.last_interaction DESC NULLS LAST, c.id",
        (page_pk,),
    ).fetchall()
    pending = PendingAlerts([], [])
    for row in rows:
        (pending.news if row["news"] else pending.stale).append(Alert(row["contact_id"], row["stage_id"], row["stage"]))
    return pending


def leads_of(conn: Conn, alerts: Sequence[Alert]) -> dict[int, Lead]:
    """The alerts' contacts as leads, by contact id (one query)."""
    return leads_by_id(conn, [a.contact_id for a in alerts])


def mark_sent(conn: Conn, alerts: Sequence[Alert]) -> None:
    conn.execute(
        "UPDATE lead_alerts a SET sent_at = now() FROM unnest(%s::bigint[], %s::bigint[]) AS k(contact_id, stage_id)"
        " WHERE a.contact_id = k.contact_id AND a.stage_id = k.stage_id AND a.sent_at IS NULL",
        ([a.contact_id for a in alerts], [a.stage_id for a in alerts]),
    )


def withdraw(conn: Conn, alerts: Sequence[Alert]) -> None:
    conn.execute(
        "DELETE FROM lead_alerts a USING unnest(%s::bigint[], %s::bigint[]) AS k(contact_id, stage_id)"
        " WHERE a.contact_id = k.contact_id AND a.stage_id = k.stage_id AND a.sent_at IS NULL",
        ([a.contact_id for a in alerts], [a.stage_id for a in alerts]),
    )


def gathering(conn: Conn, page_pk: int) -> bool:
    """A sync of the page or its analysis is at work: more entries are coming, for the same digest."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM sync_jobs WHERE facebook_page_id = %(page)s AND status = 'IN_PROGRESS')"
        " OR EXISTS (SELECT 1 FROM pending_work WHERE kind = 'analysis' AND subject_id = %(page)s) AS busy",
        {"page": page_pk},
    ).fetchone()
    return bool(row and row["busy"])
