"""Transcripts for the analyzer, from what a sync just read or from the stored messages."""
from __future__ import annotations

from datetime import datetime

from psycopg import Connection

from core.analysis.model import Line, Transcript
from core.extract import ConversationRecord, display_name
from core.pages import Page

# The analyzer cuts the transcript to its own budget from the newest end; this bounds what we load.
RECENT_MESSAGES = 50


def line(is_echo: bool, text: str | None, at: datetime) -> Line:
    """The page's own messages (echoes) are the business speaking."""
    return Line("page" if is_echo else "contact", text or "[attachment]", at)


def transcript_of(record: ConversationRecord, page_name: str) -> Transcript:
    contact = record.contacts[0]
    return Transcript(
        contact_name=display_name(contact.name.first, contact.name.last, contact.external_id),
        platform=record.platform,
        page_name=page_name,
        lines=tuple(line(m.is_echo, m.text, m.created_time) for m in record.messages),
    )


def stored_transcripts(conn: Connection, page: Page, contact_ids: list[int]) -> dict[int, Transcript]:
    """Each contact's latest stored messages, oldest first, keyed by contact id; unsent ones are gone."""
    contacts = conn.execute(
        "SELECT id, first_name, last_name, COALESCE(messenger_psid, instagram_sid) AS external_id,"
        " CASE WHEN messenger_psid IS NOT NULL THEN 'messenger' ELSE 'instagram' END AS platform"
        " FROM contacts WHERE id = ANY(%s)",
        (contact_ids,),
    ).fetchall()
    messages = conn.execute(
        "SELECT contact_id, text, created_time, is_echo FROM ("
        "  SELECT m.*, row_number() OVER (PARTITION BY contact_id ORDER BY created_time DESC) AS newest"
        "  FROM messages m WHERE contact_id = ANY(%s) AND deleted_at IS NULL) recent"
        " WHERE newest <= %s ORDER BY contact_id, created_time",
        (contact_ids, RECENT_MESSAGES),
    ).fetchall()
    lines: dict[int, list[Line]] = {}
    for row in messages:
        lines.setdefault(row["contact_id"], []).append(line(row["is_echo"], row["text"], row["created_time"]))
    return {
        c["id"]: Transcript(
            contact_name=display_name(c["first_name"], c["last_name"], c["external_id"]),
            platform=c["platform"],
            page_name=page.name,
            lines=tuple(lines.get(c["id"], ())),
        )
        for c in contacts
    }
