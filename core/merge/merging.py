"""Merging a page's Messenger contact and Instagram contact into one person, and undoing it.

The Messenger contact is the one kept: it takes the Instagram id, conversations, messages, deliveries
and audit trail; the Instagram contact's row is kept whole in `contact_merges.absorbed` and put back,
under its own id, by an unmerge. Either way both are owed a refresh (core/refresh.py), whose analysis
reads all of a person's conversations, newest last, so each comes out of it with one analysis.

Lock order, as every writer of a contact: the contacts (by id), then conversations, then pending_work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from core import home, work
from core.db import Conn


class MergeRefused(ValueError):
    """The message is user-facing."""


@dataclass(frozen=True)
class Merged:
    contact_id: int  # the merged person (the Messenger contact's id)
    absorbed_id: int  # the Instagram contact's id, gone until an unmerge


@dataclass(frozen=True)
class Unmerged:
    messenger_contact_id: int
    instagram_contact_id: int


_PAIR = """
SELECT c.*, s.position AS stage_position FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id
WHERE c.facebook_page_id = %(page)s AND (c.messenger_psid = %(psid)s OR c.instagram_sid = %(igsid)s)
ORDER BY c.id FOR UPDATE OF c
"""


def merge(conn: Conn, page_pk: int, messenger_psid: str, instagram_sid: str, *, by: str) -> Merged:
    """One person from the page's contacts with these ids, as `by` (a Slack user id, "cli", "automerge")
    decided. Raises MergeRefused when there is no such pair (unknown, or either already merged)."""
    with conn.transaction():
        rows = conn.execute(_PAIR, {"page": page_pk, "psid": messenger_psid, "igsid": instagram_sid}).fetchall()
        kept = next((r for r in rows if r["messenger_psid"] == messenger_psid), None)
        absorbed = next((r for r in rows if r["instagram_sid"] == instagram_sid), None)
        if kept is None or absorbed is None:
            missing = "Messenger" if kept is None else "Instagram"
            raise MergeRefused(f"This page has no {missing} contact with that id.")
        if kept["id"] == absorbed["id"]:
            raise MergeRefused("These two ids are already one merged contact.")
        if kept["instagram_sid"] is not None or absorbed["messenger_psid"] is not None:
            raise MergeRefused("One of the two is already merged with someone else: unmerge it first.")
        staged = _stage_that_wins(kept, absorbed)
        merge_row = conn.execute(
            "INSERT INTO contact_merges (facebook_page_id, contact_id, absorbed, kept, merged_by)"
            " SELECT %(page)s, %(kept)s, to_jsonb(a) - 'search_name', to_jsonb(k) - 'search_name', %(by)s"
            " FROM contacts a, contacts k WHERE a.id = %(absorbed)s AND k.id = %(kept)s RETURNING id",
            {"page": page_pk, "kept": kept["id"], "absorbed": absorbed["id"], "by": by},
        ).fetchone()
        assert merge_row is not None  # both rows are locked: the INSERT ... SELECT finds them
        _move(conn, absorbed["id"], kept["id"], platform=None)
        conn.execute(
            "WITH moved AS (UPDATE contact_activities SET contact_id = %(kept)s WHERE contact_id = %(absorbed)s"
            "  RETURNING id)"
            " UPDATE contact_merges SET moved_activities = ARRAY(SELECT id FROM moved) WHERE id = %(merge)s",
            {"merge": merge_row["id"], "kept": kept["id"], "absorbed": absorbed["id"]},
        )
        conn.execute("DELETE FROM contacts WHERE id = %s", (absorbed["id"],))
        conn.execute(
            "UPDATE contacts SET instagram_sid = %(igsid)s, has_instagram = true,"
            " instagram_username = %(username)s, profile_pic_url = COALESCE(profile_pic_url, %(pic)s),"
            " first_name = COALESCE(first_name, %(first)s), last_name = CASE WHEN first_name IS NULL"
            "  THEN %(last)s ELSE last_name END,"
            " last_interaction = GREATEST(last_interaction, %(last_interaction)s),"
            " pipeline_id = %(pipeline)s, stage_id = %(stage)s, stage_entered_at = %(entered)s,"
            " stage_set_by = %(set_by)s, lead_status = %(status)s,"
            " lead_score = GREATEST(lead_score, %(score)s), updated_at = now() WHERE id = %(kept)s",
            {
                "igsid": instagram_sid,
                "username": absorbed["instagram_username"],
                "pic": absorbed["profile_pic_url"],
                "first": absorbed["first_name"],
                "last": absorbed["last_name"],
                "last_interaction": absorbed["last_interaction"],
                "pipeline": staged["pipeline_id"],
                "stage": staged["stage_id"],
                "entered": staged["stage_entered_at"],
                "set_by": staged["stage_set_by"],
                "status": staged["lead_status"],
                "score": absorbed["lead_score"],
                "kept": kept["id"],
            },
        )
        _record(conn, kept["id"], "MERGED", by, kept["stage_id"], staged["stage_id"], absorbed["id"], instagram_sid)
        _decide(conn, page_pk, messenger_psid, instagram_sid, "merged", by)
        conn.execute("DELETE FROM pending_work WHERE kind = 'refresh' AND subject_id = %s", (absorbed["id"],))
        work.owe(conn, work.Kind.REFRESH, kept["id"], page_pk=page_pk)
        home.owe_publish(conn, page_pk)  # the funnel counts one person less
    return Merged(kept["id"], absorbed["id"])


def unmerge(conn: Conn, page_pk: int, contact_id: int, *, by: str) -> Unmerged:
    """The two contacts again, each with its own conversations, and each analysed again. The pair is
    marked rejected, so it is not suggested again. Raises MergeRefused for a contact not merged."""
    with conn.transaction():
        standing = conn.execute(
            "SELECT m.id, m.absorbed, m.kept FROM contacts c"
            " JOIN contact_merges m ON m.contact_id = c.id AND m.unmerged_at IS NULL"
            " WHERE c.id = %s AND c.facebook_page_id = %s FOR UPDATE OF c, m",
            (contact_id, page_pk),
        ).fetchone()
        if standing is None:
            raise MergeRefused("That contact is not a merged one on this page.")
        absorbed: dict[str, Any] = standing["absorbed"]
        kept: dict[str, Any] = standing["kept"]
        conn.execute(
            "UPDATE contacts SET instagram_sid = NULL, has_instagram = false, instagram_username = %s,"
            " profile_pic_url = %s, first_name = %s, last_name = %s, updated_at = now() WHERE id = %s",
            (kept["instagram_username"], kept["profile_pic_url"], kept["first_name"], kept["last_name"], contact_id),
        )
        conn.execute(
            sql.SQL(
                "INSERT INTO contacts ({columns}) SELECT {columns} FROM jsonb_populate_record(NULL::contacts, %s)"
            ).format(columns=sql.SQL(", ").join(map(sql.Identifier, _stored_columns(conn)))),
            (Jsonb(absorbed),),
        )
        instagram_id = int(absorbed["id"])
        _move(conn, contact_id, instagram_id, platform="instagram")
        conn.execute(
            "UPDATE contact_activities a SET contact_id = %s FROM contact_merges m"
            " WHERE m.id = %s AND a.id = ANY(m.moved_activities)",
            (instagram_id, standing["id"]),
        )
        conn.execute(
            "UPDATE contact_merges SET unmerged_by = %s, unmerged_at = now() WHERE id = %s", (by, standing["id"])
        )
        for subject, other in ((contact_id, instagram_id), (instagram_id, contact_id)):
            _record(conn, subject, "UNMERGED", by, None, None, other, absorbed["instagram_sid"])
            work.owe(conn, work.Kind.REFRESH, subject, page_pk=page_pk)
        _decide(conn, page_pk, kept["messenger_psid"], absorbed["instagram_sid"], "rejected", by)
        home.owe_publish(conn, page_pk)
    return Unmerged(contact_id, instagram_id)


def _stage_that_wins(kept: dict[str, Any], absorbed: dict[str, Any]) -> dict[str, Any]:
    """A stage a person set wins; otherwise, and between two set by people, the further one (until
    the next analysis moves it)."""
    set_by_person = [c for c in (kept, absorbed) if c["stage_set_by"] is not None]
    contenders = set_by_person or [kept, absorbed]
    return max(contenders, key=lambda c: -1 if c["stage_position"] is None else c["stage_position"])


def _move(conn: Conn, source: int, target: int, *, platform: str | None) -> None:
    """The source contact's threads, messages and deliveries (of one platform, or all) to the target,
    every link of both due for analysis again."""
    params = {"source": source, "target": target, "platform": platform}
    conn.execute(
        "UPDATE conversations SET contact_id = %(target)s"
        " WHERE contact_id = %(source)s AND (%(platform)s::text IS NULL OR platform = %(platform)s)",
        params,
    )
    conn.execute(
        "UPDATE conversation_contacts cc SET contact_id = %(target)s FROM conversations v"
        " WHERE cc.contact_id = %(source)s AND v.id = cc.conversation_id"
        " AND (%(platform)s::text IS NULL OR v.platform = %(platform)s)",
        params,
    )
    # A delivery's message without a known thread yet goes by the delivery's platform.
    conn.execute(
        "UPDATE messages m SET contact_id = %(target)s WHERE m.contact_id = %(source)s AND (%(platform)s::text IS NULL"
        " OR m.conversation_id IN (SELECT id FROM conversations"
        "   WHERE contact_id = %(target)s AND platform = %(platform)s)"
        " OR (m.conversation_id IS NULL AND EXISTS (SELECT 1 FROM webhook_events e"
        "     WHERE e.mid = m.mid AND e.contact_id = %(source)s AND e.platform = %(platform)s)))",
        params,
    )
    conn.execute(
        "UPDATE webhook_events SET contact_id = %(target)s"
        " WHERE contact_id = %(source)s AND (%(platform)s::text IS NULL OR platform = %(platform)s)",
        params,
    )
    conn.execute(
        "UPDATE conversation_contacts SET analyzed_at = NULL WHERE contact_id IN (%(source)s, %(target)s)", params
    )


def _record(
    conn: Conn,
    contact_id: int,
    kind: str,
    by: str,
    from_stage: int | None,
    to_stage: int | None,
    other: int,
    igsid: str,
) -> None:
    details = {"by": by, "other_contact_id": other, "instagram_sid": igsid}
    what = "merged with" if kind == "MERGED" else "unmerged from"
    conn.execute(
        "INSERT INTO contact_activities (contact_id, type, from_stage_id, to_stage_id, reasoning, details)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (contact_id, kind, from_stage, to_stage, f"{what} Instagram {igsid} by {by}", Jsonb(details)),
    )


def _decide(conn: Conn, page_pk: int, psid: str, igsid: str, status: str, by: str) -> None:
    """The pair's review outcome, recorded even for a pair never suggested (a merge by CLI)."""
    conn.execute(
        "INSERT INTO merge_candidates (facebook_page_id, messenger_psid, instagram_sid, score, reasons, status,"
        " decided_by, decided_at) VALUES (%(page)s, %(psid)s, %(igsid)s, 0, '{}', %(status)s, %(by)s, now())"
        " ON CONFLICT (facebook_page_id, messenger_psid, instagram_sid) DO UPDATE SET status = EXCLUDED.status,"
        " decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
        {"page": page_pk, "psid": psid, "igsid": igsid, "status": status, "by": by},
    )


def _stored_columns(conn: Conn) -> list[str]:
    """The contacts columns a row is written with (not the generated ones), in table order."""
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'contacts'::regclass AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
    ).fetchall()
    return [row["attname"] for row in rows]
