"""Which stage entries are announced: an analysis moving a contact into one of its page's alert
stages owes the page a lead alert (core/alerts.py reads them, worker/alerts.py posts them).

Once per contact and stage (lead_alerts' primary key): a contact that leaves a stage and comes back
is not announced again. Only pages with a notify channel owe alerts: without one there is nobody to
tell, and a channel set later does not receive a backlog of old entries.
"""

from __future__ import annotations

from collections.abc import Sequence

from core import work
from core.db import Conn

# What facebook_pages.alert_stages NULL means (migration 015); '{}' means none.
DEFAULT_ALERT_STAGES = ("Qualified Lead", "Proposal Sent")
# The due time of a page's alerts after an entry: a batch's or a burst's entries go out together.
GATHER_SECONDS = 2.0

# Whether stage `s` alerts for page `p`: case-insensitive, as people type stage names.
ALERTING_SQL = (
    "EXISTS (SELECT 1 FROM unnest(COALESCE(p.alert_stages, ARRAY["
    + ", ".join(f"'{name}'" for name in DEFAULT_ALERT_STAGES)
    + "])) AS alerting(name) WHERE lower(alerting.name) = lower(s.name))"
)


def record_entries(conn: Conn, entries: Sequence[tuple[int, int]]) -> set[int]:
    """For contacts an analysis just moved, (contact id, new stage id): owe the alerts of those that
    entered an alert stage of a page with a notify channel (in the caller's transaction). Returns the
    contacts that entered one, announced before or not: the one-line stage notice leaves them to
    their alert (core/refresh.py)."""
    if not entries:
        return set()
    row = conn.execute(
        "WITH entered AS (SELECT c.id AS contact_id, s.id AS stage_id, p.id AS page_pk"
        "  FROM unnest(%b::bigint[], %b::bigint[]) AS m(contact_id, stage_id)"
        "  JOIN contacts c ON c.id = m.contact_id JOIN facebook_pages p ON p.id = c.facebook_page_id"
        "  JOIN pipeline_stages s ON s.id = m.stage_id"
        "  WHERE p.notify_channel IS NOT NULL AND " + ALERTING_SQL + "),"
        " added AS (INSERT INTO lead_alerts (contact_id, stage_id, facebook_page_id)"
        "  SELECT contact_id, stage_id, page_pk FROM entered"
        "  ON CONFLICT (contact_id, stage_id) DO NOTHING RETURNING facebook_page_id)"
        " SELECT ARRAY(SELECT contact_id FROM entered) AS entered,"
        "  ARRAY(SELECT DISTINCT facebook_page_id FROM added) AS pages",
        ([contact for contact, _ in entries], [stage for _, stage in entries]),
    ).fetchone()
    assert row is not None
    for page_pk in row["pages"]:
        work.owe(conn, work.Kind.ALERTS, page_pk, page_pk=page_pk, delay_seconds=GATHER_SECONDS)
    return set(row["entered"])
