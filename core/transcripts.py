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
# webhook messages whose conversation is not known yet. Read per contact (`o.owner`, one of _OWNERS)
# through the indexes, so that a batch costs its own messages however many the database holds.
_COLUMNS = "m.id, m.sender_id, m.sender_name, m.text, m.created_time, m.is_echo, m.edit_count, m.deleted_at"
_OWN_SCOPE = (
    f"SELECT {_COLUMNS} FROM conversation_contacts cc JOIN messages m ON m.conversation_id = cc.conversation_id"
    " WHERE cc.contact_id = o.owner"
    " UNION ALL"
    f" SELECT {_COLUMNS} FROM messages m WHERE m.contact_id = o.owner AND m.conversation_id IS NULL"
)
_OWNERS = "unnest(%(ids)s::bigint[]) AS o(owner)"
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
        f"SELECT o.owner, scope.version FROM {_OWNERS}"
        f" CROSS JOIN LATERAL (SELECT {_VERSION} AS version FROM ({_OWN_SCOPE}) m) scope",
        {"ids": contact_ids},
    ).fetchall()
    versions = {row["owner"]: row["version"] or "" for row in rows}
    return {contact_id: versions.get(contact_id, "") for contact_id in contact_ids}


def contact_snapshots(conn: Conn, page: Page, contact_ids: list[int]) -> dict[int, ContactSnapshot]:
    """Each contact's latest messages over all their conversations, oldest first, keyed by contact id;
    unsent ones are gone."""
    contacts = conn.execute(
        "SELECT id, first_name, last_name, messenger_psid, instagram_sid,"
        " COALESCE(messenger_psid, instagram_sid) AS external_id, concat_ws('+',"
        "  CASE WHEN messenger_psid IS NOT NULL THEN 'messenger' END,"
        "  CASE WHEN instagram_sid IS NOT NULL THEN 'instagram' END) AS platform"
        " FROM contacts WHERE id = ANY(%s)",
        (contact_ids,),
    ).fetchall()
    messages = conn.execute(
        f"SELECT o.owner, recent.sender_id, recent.sender_name, recent.text, recent.created_time, recent.is_echo"
        f" FROM {_OWNERS} CROSS JOIN LATERAL (SELECT * FROM ({_OWN_SCOPE}) m WHERE m.deleted_at IS NULL"
        "  ORDER BY m.created_time DESC, m.id DESC LIMIT %(limit)s) recent"
        " ORDER BY o.owner, recent.created_time, recent.id",
        {"ids": contact_ids, "limit": RECENT_MESSAGES},
    ).fetchall()
    links = conn.execute(
        "SELECT cc.contact_id, v.id, v.updated_time FROM conversation_contacts cc"
        " JOIN conversations v ON v.id = cc.conversation_id WHERE cc.contact_id = ANY(%s) ORDER BY v.id",
        (contact_ids,),
    ).fetchall()
    lines: dict[int, list[Line]] = {}
    versions = scope_versions(conn, contact_ids)
    # A merged contact speaks under both ids.
    own_ids = {c["id"]: {c["messenger_psid"], c["instagram_sid"]} - {None} for c in contacts}
    for row in messages:
        owner = row["owner"]
        if row["is_echo"]:
            speaker, who = "page", None
        elif row["sender_id"] in own_ids.get(owner, ()):
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
