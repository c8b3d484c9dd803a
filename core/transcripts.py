"""What the analyzer reads about a person: their stored messages over all their conversations, newest
last, and the version of it, so that a result is applied only to the data it was made from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.analysis.model import Line, Transcript
from core.db import Conn
from core.extract import display_name
from core.pages import Page

# The analyzer cuts the transcript to its own budget from the newest end; this bounds what we load.
RECENT_MESSAGES = 80

# Every message a contact's analysis reads: their conversations' (all participants'), and their own
# webhook messages whose conversation is not known yet.
_COLUMNS = "m.id, m.sender_id, m.sender_name, m.text, m.created_time, m.is_echo, m.edit_count, m.deleted_at"
_SCOPE = (
    f"SELECT cc.contact_id AS owner, {_COLUMNS}"
    " FROM conversation_contacts cc JOIN messages m ON m.conversation_id = cc.conversation_id"
    " WHERE cc.contact_id = ANY(%(ids)s)"
    " UNION ALL"
    f" SELECT m.contact_id, {_COLUMNS}"
    " FROM messages m WHERE m.contact_id = ANY(%(ids)s) AND m.conversation_id IS NULL"
)
# What the messages in scope are now: the newest, and how many edits and unsends they have had.
_VERSION = "max(id) || ':' || sum(edit_count) || ':' || count(deleted_at)"


@dataclass(frozen=True)
class ContactSnapshot:
    contact_id: int
    external_id: str  # PSID / IGSID, for error records
    platform: str
    transcript: Transcript
    # The messages in scope when read (_VERSION): the analysis applies only if they are still the same.
    version: str
    # (conversation id, its updated_time) as read: what the analysis brings up to date.
    conversations: tuple[tuple[int, datetime], ...]


def scope_versions(conn: Conn, contact_ids: list[int]) -> dict[int, str]:
    """What each contact's messages in scope are now ("" for none)."""
    rows = conn.execute(
        f"SELECT owner, {_VERSION} AS version FROM ({_SCOPE}) scope GROUP BY owner", {"ids": contact_ids}
    ).fetchall()
    versions = {row["owner"]: row["version"] for row in rows}
    return {contact_id: versions.get(contact_id, "") for contact_id in contact_ids}


def contact_snapshots(conn: Conn, page: Page, contact_ids: list[int]) -> dict[int, ContactSnapshot]:
    """Each contact's latest messages over all their conversations, oldest first, keyed by contact id;
    unsent ones are gone."""
    contacts = conn.execute(
        "SELECT id, first_name, last_name, COALESCE(messenger_psid, instagram_sid) AS external_id,"
        " CASE WHEN messenger_psid IS NOT NULL THEN 'messenger' ELSE 'instagram' END AS platform"
        " FROM contacts WHERE id = ANY(%s)",
        (contact_ids,),
    ).fetchall()
    messages = conn.execute(
        "SELECT owner, sender_id, sender_name, text, created_time, is_echo FROM ("
        "  SELECT said.*, row_number() OVER (PARTITION BY owner ORDER BY created_time DESC, id DESC) AS newest"
        f"  FROM ({_SCOPE}) said WHERE deleted_at IS NULL) recent"
        " WHERE newest <= %(limit)s ORDER BY owner, created_time, id",
        {"ids": contact_ids, "limit": RECENT_MESSAGES},
    ).fetchall()
    links = conn.execute(
        "SELECT cc.contact_id, v.id, v.updated_time FROM conversation_contacts cc"
        " JOIN conversations v ON v.id = cc.conversation_id WHERE cc.contact_id = ANY(%s) ORDER BY v.id",
        (contact_ids,),
    ).fetchall()
    lines: dict[int, list[Line]] = {}
    versions = scope_versions(conn, contact_ids)
    external = {c["id"]: c["external_id"] for c in contacts}
    for row in messages:
        owner = row["owner"]
        if row["is_echo"]:
            speaker, who = "page", None
        elif row["sender_id"] == external.get(owner):
            speaker, who = "contact", None
        else:
            speaker, who = "other", row["sender_name"] or display_name(None, None, row["sender_id"])
        lines.setdefault(owner, []).append(
            Line(speaker, row["text"] or "[attachment]", row["created_time"], who)  # type: ignore[arg-type]
        )
    conversations: dict[int, list[tuple[int, datetime]]] = {}
    for row in links:
        conversations.setdefault(row["contact_id"], []).append((row["id"], row["updated_time"]))
    return {
        c["id"]: ContactSnapshot(
            contact_id=c["id"],
            external_id=c["external_id"],
            platform=c["platform"],
            transcript=Transcript(
                contact_name=display_name(c["first_name"], c["last_name"], c["external_id"]),
                platform=c["platform"],
                page_name=page.name,
                lines=tuple(lines.get(c["id"], ())),
            ),
            version=versions.get(c["id"], ""),
            conversations=tuple(conversations.get(c["id"], ())),
        )
        for c in contacts
    }
