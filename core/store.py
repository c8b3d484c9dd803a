"""Writes extracted conversations: contacts upserted by platform id, conversations, messages (once per mid).

A batch is one statement: its rows travel as one JSON document (see core.recordset) and
data-modifying CTEs write every table in one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict, get_args

from psycopg import sql
from psycopg.rows import DictRow

from core import recordset
from core.db import Conn
from core.extract import ContactRecord, ConversationRecord
from core.graph import Platform
from core.pages import Page
from core.recordset import IsoTime

# Where a contact's id and platform flag live, per platform (also used by the webhook store).
KEY_COLUMN: dict[Platform, str] = {"messenger": "messenger_psid", "instagram": "instagram_sid"}
FLAG_COLUMN: dict[Platform, str] = {"messenger": "has_messenger", "instagram": "has_instagram"}


@dataclass(frozen=True)
class SavedConversation:
    conversation_id: int
    contact_ids: tuple[int, ...]  # every participant but the page, the first one first


@dataclass(frozen=True)
class SavedBatch:
    conversations: dict[str, SavedConversation]  # keyed by graph id
    # How many of the batch's contacts and conversations the sync job had not stored before.
    new_contacts: int = 0
    new_conversations: int = 0

    @staticmethod
    def combine(batches: list[SavedBatch]) -> SavedBatch:
        return SavedBatch(
            {graph_id: saved for batch in batches for graph_id, saved in batch.conversations.items()},
            new_contacts=sum(batch.new_contacts for batch in batches),
            new_conversations=sum(batch.new_conversations for batch in batches),
        )


def save_conversations(
    conn: Conn, page: Page, records: list[ConversationRecord], *, reanalyse: bool = False, job_id: int | None = None
) -> SavedBatch:
    """Upsert one batch of one platform's conversations in one statement.

    Every participant is linked to the conversation; `reanalyse` puts them all back in the analysis
    backlog (a full sync), otherwise only those whose conversation changed are due. With `job_id`
    (a sync run), the rows are marked as that job's, and the batch says how many were new to it."""
    if not records:
        return SavedBatch({})
    platform = _platform_of(records)
    records = _newest_copies(records)
    rows = conn.execute(
        _SAVE[platform, reanalyse], {"page": page.id, "job": job_id, "batch": recordset.dumps(_batch(records))}
    ).fetchall()
    return _saved(records, rows)


def _platform_of(records: list[ConversationRecord]) -> Platform:
    platforms = {record.platform for record in records}
    if len(platforms) != 1:
        raise ValueError("a batch holds conversations of one platform")
    return platforms.pop()


def _newest_copies(records: list[ConversationRecord]) -> list[ConversationRecord]:
    """`ON CONFLICT DO UPDATE` cannot touch a row twice in one statement: a conversation Meta listed
    twice is written once, as its newest copy."""
    newest: dict[str, ConversationRecord] = {}
    for record in records:
        if record.graph_id not in newest or record.updated_time > newest[record.graph_id].updated_time:
            newest[record.graph_id] = record
    return list(newest.values())


class _ContactRow(TypedDict):
    external_id: str
    first_name: str | None
    last_name: str | None
    username: str | None
    last_interaction: IsoTime


class _ConversationRow(TypedDict):
    graph_id: str
    contact: str  # the first participant's external id
    updated_time: IsoTime


class _LinkRow(TypedDict):
    graph_id: str
    contact: str


class _MessageRow(TypedDict):
    graph_id: str
    contact: str
    mid: str
    sender_id: str
    sender_name: str | None
    text: str | None
    created_time: IsoTime
    is_echo: bool


class _Batch(TypedDict):
    """The statement's one JSON document: each key an array of rows, read as `_SAVE_TEMPLATE`'s
    placeholder of the same name."""

    contacts: list[_ContactRow]
    conversations: list[_ConversationRow]
    links: list[_LinkRow]
    messages: list[_MessageRow]


def _batch(records: list[ConversationRecord]) -> _Batch:
    contacts = _merge_contacts(records)
    known = {contact.external_id for contact in contacts}
    return {
        "contacts": [
            {
                "external_id": c.external_id,
                "first_name": c.name.first,
                "last_name": c.name.last,
                "username": c.username,
                "last_interaction": c.last_interaction.isoformat(),
            }
            for c in contacts
        ],
        "conversations": [
            {"graph_id": r.graph_id, "contact": r.contacts[0].external_id, "updated_time": r.updated_time.isoformat()}
            for r in records
        ],
        "links": [{"graph_id": r.graph_id, "contact": c.external_id} for r in records for c in r.contacts],
        # A message belongs to the customer who sent it; the page's own, to the conversation's first customer.
        "messages": [
            {
                "graph_id": r.graph_id,
                "contact": m.sender_id if m.sender_id in known else r.contacts[0].external_id,
                "mid": m.mid,
                "sender_id": m.sender_id,
                "sender_name": m.sender_name,
                "text": m.text,
                "created_time": m.created_time.isoformat(),
                "is_echo": m.is_echo,
            }
            for r in records
            for m in r.messages
        ],
    }


def _saved(records: list[ConversationRecord], rows: list[DictRow]) -> SavedBatch:
    """What the statement returned, per conversation (one another page holds is left out)."""
    ids: dict[str, dict[str, int]] = {"contact": {}, "conversation": {}}
    new_to_job = dict.fromkeys(ids, 0)
    for row in rows:
        ids[row["kind"]][row["key"]] = row["id"]
        new_to_job[row["kind"]] += row["new_to_job"]
    contact_ids, conversation_ids = ids["contact"], ids["conversation"]
    saved = {
        r.graph_id: SavedConversation(
            conversation_ids[r.graph_id], tuple(contact_ids[c.external_id] for c in r.contacts)
        )
        for r in records
        if r.graph_id in conversation_ids
    }
    return SavedBatch(saved, new_contacts=new_to_job["contact"], new_conversations=new_to_job["conversation"])


def _merge_contacts(records: list[ConversationRecord]) -> list[ContactRecord]:
    """One row per person, who may be in several of the batch's conversations."""
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


# A sync that sees no name keeps the name we already have, and a merged contact (both ids) its
# Messenger name; nor does an Instagram username, which is all a conversation tells of a person,
# replace the profile name a refresh stored ("Grace Hopper" stays, "grace.h" does not take over).
_KEEPS_STORED_NAME = sql.SQL(
    "(EXCLUDED.first_name IS NULL OR (contacts.first_name IS NOT NULL AND EXCLUDED.last_name IS NULL"
    " AND EXCLUDED.first_name = EXCLUDED.instagram_username))"
)

# Data-modifying CTEs all run on the statement's one snapshot: each write sees only the RETURNING of
# those before it, and a subquery in RETURNING reads a row as it was before this statement (NULL for
# a row it inserted), which is how a run tells whom it stores for the first time. Foreign keys are
# checked at the statement's end, when the conversation a message points at exists.
_SAVE_TEMPLATE = sql.SQL(
    """
WITH batch AS (SELECT %(batch)s::jsonb AS doc),
uc AS (SELECT u.* FROM batch, {contacts}),
uv AS (SELECT u.* FROM batch, {conversations}),
saved_contacts AS (
  INSERT INTO contacts (facebook_page_id, {key}, first_name, last_name, instagram_username, {flag},
    last_interaction, last_synced_job_id)
  SELECT %(page)s, external_id, first_name, last_name, username, true, last_interaction, %(job)s FROM uc
  ON CONFLICT (facebook_page_id, {key}) DO UPDATE SET
    first_name = CASE WHEN {keeps} OR {merged} THEN contacts.first_name ELSE EXCLUDED.first_name END,
    last_name = CASE WHEN {keeps} OR {merged} THEN contacts.last_name ELSE EXCLUDED.last_name END,
    instagram_username = COALESCE(EXCLUDED.instagram_username, contacts.instagram_username),
    {flag} = true,
    last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction),
    last_synced_job_id = COALESCE(EXCLUDED.last_synced_job_id, contacts.last_synced_job_id),
    updated_at = now()
  RETURNING id, {key} AS external_id,
    (SELECT before.last_synced_job_id FROM contacts before WHERE before.id = contacts.id) AS marked_by),
-- A conversation another page holds is left alone (and so not returned).
saved_conversations AS (
  INSERT INTO conversations (facebook_page_id, graph_id, platform, contact_id, updated_time, last_synced_job_id)
  SELECT %(page)s, uv.graph_id, {platform}, c.id, uv.updated_time, %(job)s
  FROM uv JOIN saved_contacts c ON c.external_id = uv.contact
  ON CONFLICT (graph_id) DO UPDATE SET updated_time = EXCLUDED.updated_time, contact_id = EXCLUDED.contact_id,
    last_synced_job_id = COALESCE(EXCLUDED.last_synced_job_id, conversations.last_synced_job_id)
  WHERE conversations.facebook_page_id = EXCLUDED.facebook_page_id
  RETURNING id, graph_id,
    (SELECT before.last_synced_job_id FROM conversations before WHERE before.id = conversations.id) AS marked_by),
links AS (
  INSERT INTO conversation_contacts (conversation_id, contact_id)
  SELECT DISTINCT v.id, c.id FROM batch, {links}
  JOIN saved_conversations v ON v.graph_id = u.graph_id JOIN saved_contacts c ON c.external_id = u.contact
  ORDER BY v.id, c.id
  ON CONFLICT (conversation_id, contact_id) DO {on_link}),
-- Meta delivers at least once, and syncs overlap webhooks: a mid is stored once. A message a
-- webhook stored before its conversation was known gets the conversation now.
stored_messages AS (
  INSERT INTO messages (conversation_id, contact_id, mid, sender_id, sender_name, text, created_time, is_echo)
  SELECT v.id, c.id, u.mid, u.sender_id, u.sender_name, u.text, u.created_time, u.is_echo
  FROM batch, {messages}
  JOIN saved_conversations v ON v.graph_id = u.graph_id JOIN saved_contacts c ON c.external_id = u.contact
  ON CONFLICT (mid) DO UPDATE SET conversation_id = EXCLUDED.conversation_id WHERE messages.conversation_id IS NULL
  RETURNING conversation_id, xmax = 0 AS added),
-- A message new to us is due for analysis whatever the conversation's updated_time says: Graph's is in
-- whole seconds, and a refresh may have marked the conversation analysed at a webhook's millisecond after it.
reopened AS (
  UPDATE conversation_contacts cc SET analyzed_at = NULL
  WHERE cc.analyzed_at IS NOT NULL AND cc.conversation_id IN (SELECT conversation_id FROM stored_messages WHERE added))
SELECT 'contact' AS kind, external_id AS key, id, marked_by IS DISTINCT FROM %(job)s AS new_to_job
FROM saved_contacts
UNION ALL
SELECT 'conversation', graph_id, id, marked_by IS DISTINCT FROM %(job)s FROM saved_conversations
"""
)

# Each of the batch's arrays as a record set `u` of its row shape, its column list written from that shape.
_BATCH_ROWS = {
    key: sql.SQL("jsonb_to_recordset(batch.doc -> {key}) AS u({columns})").format(
        key=sql.Literal(key), columns=sql.SQL(recordset.recordset_columns(get_args(rows)[0]))
    )
    for key, rows in recordset.fields(_Batch).items()
}

_SAVE: dict[tuple[Platform, bool], sql.Composed] = {
    (platform, reanalyse): _SAVE_TEMPLATE.format(
        **_BATCH_ROWS,
        key=sql.Identifier(KEY_COLUMN[platform]),
        merged=sql.SQL("contacts.messenger_psid IS NOT NULL" if platform == "instagram" else "false"),
        platform=sql.Literal(platform),
        flag=sql.Identifier(FLAG_COLUMN[platform]),
        keeps=_KEEPS_STORED_NAME,
        on_link=sql.SQL("UPDATE SET analyzed_at = NULL" if reanalyse else "NOTHING"),
    )
    for platform in ("messenger", "instagram")
    for reanalyse in (False, True)
}
