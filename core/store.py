"""Writes extracted conversations: contacts upserted by platform id, conversations, messages (once per mid)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from psycopg import sql

from core.db import Conn
from core.extract import ContactRecord, ConversationRecord
from core.graph import Platform
from core.pages import Page

# Where a contact's id and platform flag live, per platform (also used by the webhook store).
KEY_COLUMN: dict[Platform, str] = {"messenger": "messenger_psid", "instagram": "instagram_sid"}
FLAG_COLUMN: dict[Platform, str] = {"messenger": "has_messenger", "instagram": "has_instagram"}


@dataclass(frozen=True)
class SavedConversation:
    conversation_id: int
    contact_ids: tuple[int, ...]  # every participant but the page, the first one first


def save_conversations(
    conn: Conn, page: Page, records: list[ConversationRecord], *, reanalyse: bool = False
) -> dict[str, SavedConversation]:
    """Upsert one batch of one platform's conversations; call inside a transaction. Keyed by graph id.

    Every participant is linked to the conversation; `reanalyse` puts them all back in the analysis
    backlog (a full sync), otherwise only those whose conversation changed are due."""
    if not records:
        return {}
    platforms = {record.platform for record in records}
    if len(platforms) != 1:
        raise ValueError("a batch holds conversations of one platform")
    platform = platforms.pop()
    # `ON CONFLICT DO UPDATE` cannot touch a row twice in one statement: a conversation Meta listed
    # twice is written once, as its newest copy.
    newest: dict[str, ConversationRecord] = {}
    for record in records:
        if record.graph_id not in newest or record.updated_time > newest[record.graph_id].updated_time:
            newest[record.graph_id] = record
    records = list(newest.values())
    contact_ids = _upsert_contacts(conn, page, platform, _merge_contacts(records))
    saved = _upsert_conversations(conn, page, records, contact_ids)
    _link_participants(conn, saved, reanalyse)
    _insert_messages(conn, records, saved, contact_ids)
    return saved


def _merge_contacts(records: list[ConversationRecord]) -> list[ContactRecord]:
    """One row per person: `ON CONFLICT DO UPDATE` cannot touch the same row twice in one statement."""
    merged: dict[str, ContactRecord] = {}
    for contact in (c for record in records for c in record.contacts):
        seen = merged.get(contact.external_id)
        if seen is None:
            merged[contact.external_id] = contact
            continue
        newer, older = (contact, seen) if contact.last_interaction > seen.last_interaction else (seen, contact)
        merged[contact.external_id] = replace(
            newer,
            name=newer.name if newer.name.first else older.name,
            username=newer.username or older.username,
        )
    return list(merged.values())


# A sync that sees no name keeps the name we already have; nor does an Instagram username, which is
# all a conversation tells of a person, replace the profile name a refresh stored ("Grace Hopper"
# stays, "grace.h" does not take over).
_KEEPS_STORED_NAME = sql.SQL(
    "(EXCLUDED.first_name IS NULL OR (contacts.first_name IS NOT NULL AND EXCLUDED.last_name IS NULL"
    " AND EXCLUDED.first_name = EXCLUDED.instagram_username))"
)


def _upsert_contacts(conn: Conn, page: Page, platform: Platform, contacts: list[ContactRecord]) -> dict[str, int]:
    key = sql.Identifier(KEY_COLUMN[platform])
    flag = sql.Identifier(FLAG_COLUMN[platform])
    query = sql.SQL(
        "INSERT INTO contacts (facebook_page_id, {key}, first_name, last_name, instagram_username, {flag},"
        " last_interaction)"
        " SELECT %(page)s, u.external_id, u.first_name, u.last_name, u.username, true, u.last_interaction"
        " FROM unnest(%(ids)s::text[], %(first)s::text[], %(last)s::text[], %(usernames)s::text[],"
        "  %(times)s::timestamptz[]) AS u(external_id, first_name, last_name, username, last_interaction)"
        " ON CONFLICT (facebook_page_id, {key}) DO UPDATE SET"
        "  first_name = CASE WHEN {keeps} THEN contacts.first_name ELSE EXCLUDED.first_name END,"
        "  last_name = CASE WHEN {keeps} THEN contacts.last_name ELSE EXCLUDED.last_name END,"
        "  instagram_username = COALESCE(EXCLUDED.instagram_username, contacts.instagram_username),"
        "  {flag} = true,"
        "  last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction),"
        "  updated_at = now()"
        " RETURNING id, {key} AS external_id"
    ).format(key=key, flag=flag, keeps=_KEEPS_STORED_NAME)
    rows = conn.execute(
        query,
        {
            "page": page.id,
            "ids": [c.external_id for c in contacts],
            "first": [c.name.first for c in contacts],
            "last": [c.name.last for c in contacts],
            "usernames": [c.username for c in contacts],
            "times": [c.last_interaction for c in contacts],
        },
    ).fetchall()
    return {row["external_id"]: row["id"] for row in rows}


def _upsert_conversations(
    conn: Conn, page: Page, records: list[ConversationRecord], contact_ids: dict[str, int]
) -> dict[str, SavedConversation]:
    rows = conn.execute(
        "INSERT INTO conversations (facebook_page_id, graph_id, platform, contact_id, updated_time)"
        " SELECT %(page)s, u.graph_id, u.platform, u.contact_id, u.updated_time"
        " FROM unnest(%(ids)s::text[], %(platforms)s::text[], %(contacts)s::bigint[], %(times)s::timestamptz[])"
        "  AS u(graph_id, platform, contact_id, updated_time)"
        " ON CONFLICT (graph_id) DO UPDATE SET updated_time = EXCLUDED.updated_time,"
        "  contact_id = EXCLUDED.contact_id"
        " WHERE conversations.facebook_page_id = EXCLUDED.facebook_page_id"
        " RETURNING id, graph_id",
        {
            "page": page.id,
            "ids": [r.graph_id for r in records],
            "platforms": [r.platform for r in records],
            "contacts": [contact_ids[r.contacts[0].external_id] for r in records],
            "times": [r.updated_time for r in records],
        },
    ).fetchall()
    ids = {row["graph_id"]: row["id"] for row in rows}
    return {
        r.graph_id: SavedConversation(ids[r.graph_id], tuple(contact_ids[c.external_id] for c in r.contacts))
        for r in records
        if r.graph_id in ids
    }


def _link_participants(conn: Conn, saved: dict[str, SavedConversation], reanalyse: bool) -> None:
    links = sorted({(s.conversation_id, contact_id) for s in saved.values() for contact_id in s.contact_ids})
    conn.execute(
        "INSERT INTO conversation_contacts (conversation_id, contact_id)"
        " SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT (conversation_id, contact_id) DO"
        + (" UPDATE SET analyzed_at = NULL" if reanalyse else " NOTHING"),
        ([conversation for conversation, _ in links], [contact for _, contact in links]),
    )


def _insert_messages(
    conn: Conn,
    records: list[ConversationRecord],
    saved: dict[str, SavedConversation],
    contact_ids: dict[str, int],
) -> None:
    # A message belongs to the customer who sent it; the page's own, to the conversation's first customer.
    rows = [
        (saved[r.graph_id].conversation_id, contact_ids.get(m.sender_id, saved[r.graph_id].contact_ids[0]), m)
        for r in records
        if r.graph_id in saved
        for m in r.messages
    ]
    if not rows:
        return
    # Meta delivers at least once, and syncs overlap webhooks: a mid is stored once. A message a
    # webhook stored before its conversation was known gets the conversation now.
    conn.execute(
        "INSERT INTO messages (conversation_id, contact_id, mid, sender_id, sender_name, text, created_time, is_echo)"
        " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],"
        "  %s::timestamptz[], %s::boolean[])"
        " ON CONFLICT (mid) DO UPDATE SET conversation_id = EXCLUDED.conversation_id"
        " WHERE messages.conversation_id IS NULL",
        (
            [conversation for conversation, _, _ in rows],
            [contact for _, contact, _ in rows],
            [m.mid for _, _, m in rows],
            [m.sender_id for _, _, m in rows],
            [m.sender_name for _, _, m in rows],
            [m.text for _, _, m in rows],
            [m.created_time for _, _, m in rows],
            [m.is_echo for _, _, m in rows],
        ),
    )
