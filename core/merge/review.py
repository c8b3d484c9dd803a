"""A page's merge candidates in the database: found from its contacts, kept with their review
outcome, listed for a person to decide, and merged without one above the page's automerge score.

Only contacts of one page are ever paired (a page's Instagram contacts are those of the Instagram
account connected to it), so no candidate crosses pages or workspaces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, TypedDict

from core import recordset, work
from core.db import Conn
from core.leads import Lead
from core.leads.queries import LEAD_SELECT
from core.merge.candidates import SUGGEST_THRESHOLD, Candidate, Person, find_candidates
from core.merge.details import contact_details
from core.merge.merging import MergeRefused, merge

logger = logging.getLogger(__name__)

# A customer's own messages that may hold a phone number or an email address: the rest is not read.
_DETAILS_PATTERN = r"@|[0-9][0-9 ().-]{5,}[0-9]"

# A page's review runs this long after the sync or refresh that owed it: people named meanwhile join it.
REVIEW_AFTER_SECONDS = 30

_PEOPLE = f"""
SELECT c.id, c.messenger_psid, c.instagram_sid, c.first_name, c.last_name, c.instagram_username,
  c.profile_pic_url, said.first_at, said.last_at, said.texts
FROM contacts c
LEFT JOIN LATERAL (
  SELECT min(m.created_time) AS first_at, max(m.created_time) AS last_at,
    array_agg(m.text) FILTER (WHERE m.text ~ '{_DETAILS_PATTERN}') AS texts
  FROM messages m
  WHERE m.contact_id = c.id AND NOT m.is_echo AND m.sender_id = COALESCE(c.messenger_psid, c.instagram_sid)) said
  ON true
WHERE c.facebook_page_id = %s AND (c.messenger_psid IS NULL) <> (c.instagram_sid IS NULL)
"""


@dataclass(frozen=True)
class Suggestion:
    messenger_contact_id: int
    instagram_contact_id: int
    messenger_psid: str
    instagram_sid: str
    score: float
    reasons: tuple[str, ...]


class _CandidateRow(TypedDict):
    messenger_psid: str
    instagram_sid: str
    score: Annotated[float, "real"]
    reasons: Annotated[list[str], "text[]"]


_RECORD = f"""
INSERT INTO merge_candidates AS mc (facebook_page_id, messenger_psid, instagram_sid, score, reasons)
SELECT %s, u.* FROM json_to_recordset(%s::json) AS u({recordset.recordset_columns(_CandidateRow)})
ON CONFLICT (facebook_page_id, messenger_psid, instagram_sid) DO UPDATE SET score = EXCLUDED.score,
  reasons = EXCLUDED.reasons WHERE mc.status = 'suggested'
RETURNING messenger_psid, instagram_sid
"""


def owe_review(conn: Conn, page_pk: int) -> None:
    """The page's people changed (a sync ended, a sender was named): its merge review is owed."""
    work.owe(conn, work.Kind.MERGES, page_pk, page_pk=page_pk, delay_seconds=REVIEW_AFTER_SECONDS)


def find(conn: Conn, page_pk: int) -> list[Candidate]:
    """The page's pairs at or above the suggestion threshold, best first, kept as suggestions; a pair
    a person rejected (or merged) keeps its outcome and is not returned."""
    people = _page_people(conn, page_pk)
    found = [c for c in find_candidates(list(people)) if c.score >= SUGGEST_THRESHOLD]
    rows: list[_CandidateRow] = [
        {
            "messenger_psid": people[c.messenger],
            "instagram_sid": people[c.instagram],
            "score": round(c.score, 4),
            "reasons": list(c.reasons),
        }
        for c in found
    ]
    still_open = {
        (row["messenger_psid"], row["instagram_sid"])
        for row in conn.execute(_RECORD, (page_pk, recordset.dumps(rows))).fetchall()
    }
    return [c for c in found if (people[c.messenger], people[c.instagram]) in still_open]


def _page_people(conn: Conn, page_pk: int) -> dict[Person, str]:
    """Each person of the page on one platform only (a merged contact is one person already), with
    their platform id."""
    people: dict[Person, str] = {}
    for row in conn.execute(_PEOPLE, (page_pk,)).fetchall():
        phones, emails = contact_details(row["texts"] or ())
        person = Person(
            contact_id=row["id"],
            platform="messenger" if row["messenger_psid"] else "instagram",
            first_name=row["first_name"],
            last_name=row["last_name"],
            username=row["instagram_username"] if row["instagram_sid"] else None,
            profile_pic_url=row["profile_pic_url"],
            first_message_at=row["first_at"],
            last_message_at=row["last_at"],
            phones=phones,
            emails=emails,
        )
        people[person] = row["messenger_psid"] or row["instagram_sid"]
    return people


_SUGGESTIONS = """
SELECT m.id AS messenger_contact_id, i.id AS instagram_contact_id, mc.messenger_psid, mc.instagram_sid,
  mc.score, mc.reasons
FROM merge_candidates mc
JOIN contacts m ON m.facebook_page_id = mc.facebook_page_id AND m.messenger_psid = mc.messenger_psid
  AND m.instagram_sid IS NULL
JOIN contacts i ON i.facebook_page_id = mc.facebook_page_id AND i.instagram_sid = mc.instagram_sid
  AND i.messenger_psid IS NULL
WHERE mc.facebook_page_id = %(page)s AND mc.status = 'suggested' AND (NOT %(unposted)s OR mc.posted_at IS NULL)
ORDER BY mc.score DESC, mc.messenger_psid, mc.instagram_sid
"""


def suggestions(conn: Conn, page_pk: int, *, unposted: bool = False) -> list[Suggestion]:
    """The page's pairs awaiting a person's decision, best first: both contacts still there and
    unmerged (a contact merged with someone else ends its other pairs)."""
    rows = conn.execute(_SUGGESTIONS, {"page": page_pk, "unposted": unposted}).fetchall()
    return [
        Suggestion(
            row["messenger_contact_id"],
            row["instagram_contact_id"],
            row["messenger_psid"],
            row["instagram_sid"],
            float(row["score"]),
            tuple(row["reasons"]),
        )
        for row in rows
    ]


def pair_leads(conn: Conn, page_pk: int, messenger_psid: str, instagram_sid: str) -> list[Lead]:
    """The contacts a pair names, as leads: the Messenger one first (one, once merged; none, once gone)."""
    rows = conn.execute(
        LEAD_SELECT + " WHERE c.facebook_page_id = %s AND (c.messenger_psid = %s OR c.instagram_sid = %s)"
        " ORDER BY c.messenger_psid IS NULL, c.id",
        (page_pk, messenger_psid, instagram_sid),
    ).fetchall()
    return [Lead.from_row(row) for row in rows]


def mark_posted(conn: Conn, page_pk: int, posted: list[Suggestion]) -> None:
    conn.execute(
        "UPDATE merge_candidates mc SET posted_at = now() FROM unnest(%s::text[], %s::text[]) AS u(psid, igsid)"
        " WHERE mc.facebook_page_id = %s AND mc.messenger_psid = u.psid AND mc.instagram_sid = u.igsid",
        ([s.messenger_psid for s in posted], [s.instagram_sid for s in posted], page_pk),
    )


def reject(conn: Conn, page_pk: int, messenger_psid: str, instagram_sid: str, *, by: str) -> bool:
    """ "Not the same": the pair is never suggested again. False when the page had no such pair."""
    row = conn.execute(
        "UPDATE merge_candidates SET status = 'rejected', decided_by = %s, decided_at = now()"
        " WHERE facebook_page_id = %s AND messenger_psid = %s AND instagram_sid = %s AND status = 'suggested'"
        " RETURNING 1",
        (by, page_pk, messenger_psid, instagram_sid),
    ).fetchone()
    return row is not None


def automerge_score(conn: Conn, page_pk: int) -> float | None:
    row = conn.execute("SELECT automerge_score FROM facebook_pages WHERE id = %s", (page_pk,)).fetchone()
    if row is None:
        raise LookupError(f"no page {page_pk}")
    return None if row["automerge_score"] is None else float(row["automerge_score"])


def set_automerge_score(conn: Conn, page_pk: int, score: float | None) -> None:
    """Merge without a person from `score` up (None: never, the default)."""
    if score is not None and not SUGGEST_THRESHOLD <= score <= 1:
        raise MergeRefused(f"The automerge score is between {SUGGEST_THRESHOLD:.2f} (the suggestion threshold) and 1.")
    conn.execute("UPDATE facebook_pages SET automerge_score = %s, updated_at = now() WHERE id = %s", (score, page_pk))


def automerge(conn: Conn, page_pk: int, pending: list[Suggestion]) -> list[Suggestion]:
    """Merge the pairs at or above the page's automerge score, best first; a contact merged once is
    not merged again by a weaker pair. Returns those merged."""
    threshold = automerge_score(conn, page_pk)
    if threshold is None:
        return []
    merged: list[Suggestion] = []
    used: set[int] = set()
    for suggestion in pending:
        if suggestion.score < threshold:
            break
        if {suggestion.messenger_contact_id, suggestion.instagram_contact_id} & used:
            continue
        try:
            merge(conn, page_pk, suggestion.messenger_psid, suggestion.instagram_sid, by="automerge")
        except MergeRefused as refused:  # merged or gone meanwhile
            logger.info("automerge skipped page_pk=%s reason=%s", page_pk, refused)
            continue
        used.update((suggestion.messenger_contact_id, suggestion.instagram_contact_id))
        merged.append(suggestion)
    return merged
