"""Storing a webhook delivery durably, before it is acknowledged: events, contacts and messages.

One transaction for the whole delivery. A mid already stored (Meta delivers at least once) changes
nothing. Deliveries for pages that are not connected are counted and left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import Connection, sql
from psycopg.types.json import Jsonb

from core.store import FLAG_COLUMN, KEY_COLUMN
from core.webhook_events import CONTENT_KINDS, EventKind, InboundEvent



@dataclass
class StoredDelivery:
    stored: int = 0
    duplicates: int = 0
    unknown_accounts: set[str] = field(default_factory=set)
    # (page pk, contact id) whose conversation changed: to be refreshed.
    to_refresh: set[tuple[int, int]] = field(default_factory=set)


def store_delivery(conn: Connection, events: list[InboundEvent]) -> StoredDelivery:
    result = StoredDelivery()
    if not events:
        return result
    with conn.transaction():
        pages_by_account = _connected_pages(conn, {e.account_id for e in events})
        known = []
        for event in events:
            if event.account_id in pages_by_account:
                known.append((pages_by_account[event.account_id], event))
            else:
                result.unknown_accounts.add(event.account_id)
        contact_ids = _contacts(conn, known)
        for page_pk, event in known:
            contact_id = contact_ids.get((page_pk, event.platform, event.contact_id))
            if not _insert_event(conn, page_pk, contact_id, event):
                result.duplicates += 1
                continue
            result.stored += 1
            if event.mid and contact_id is not None:
                _insert_message(conn, contact_id, event)
            if event.worth_analysing and contact_id is not None:
                result.to_refresh.add((page_pk, contact_id))
    return result


def _connected_pages(conn: Connection, accounts: set[str]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT id, page_id, instagram_account_id FROM facebook_pages"
        " WHERE is_active AND (page_id = ANY(%(ids)s) OR instagram_account_id = ANY(%(ids)s))",
        {"ids": list(accounts)},
    ).fetchall()
    found: dict[str, int] = {}
    for row in rows:
        for account in (row["page_id"], row["instagram_account_id"]):
            if account in accounts:
                found[account] = row["id"]
    return found


def _contacts(conn: Connection, known: list[tuple[int, InboundEvent]]) -> dict[tuple[int, str, str], int]:
    """Contact ids for everyone in the delivery; a new sender becomes a contact with no name yet."""
    ids: dict[tuple[int, str, str], int] = {}
    for page_pk, event in known:
        key = (page_pk, event.platform, event.contact_id)
        if key in ids:
            continue
        column, flag = sql.Identifier(KEY_COLUMN[event.platform]), sql.Identifier(FLAG_COLUMN[event.platform])
        if event.worth_analysing:
            row = conn.execute(
                sql.SQL(
                    "INSERT INTO contacts (facebook_page_id, {column}, {flag}, last_interaction)"
                    " VALUES (%s, %s, true, %s) ON CONFLICT (facebook_page_id, {column}) DO UPDATE SET {flag} = true,"
                    " last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction),"
                    " updated_at = now() RETURNING id"
                ).format(column=column, flag=flag),
                (page_pk, event.contact_id, event.timestamp),
            ).fetchone()
        else:
            # Reads, deliveries and reactions only happen in conversations we may already know.
            row = conn.execute(
                sql.SQL("SELECT id FROM contacts WHERE facebook_page_id = %s AND {column} = %s").format(column=column),
                (page_pk, event.contact_id),
            ).fetchone()
        if row is not None:
            ids[key] = row["id"]
    return ids


def _insert_event(conn: Connection, page_pk: int, contact_id: int | None, event: InboundEvent) -> bool:
    row = conn.execute(
        "INSERT INTO webhook_events (facebook_page_id, contact_id, object, page_id, platform, sender_id, mid, kind,"
        " standby, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (mid) DO NOTHING RETURNING id",
        (page_pk, contact_id, event.object, event.account_id, event.platform, event.contact_id, event.mid,
         event.kind.value, event.standby, Jsonb(event.item)),
    ).fetchone()
    return row is not None


def _insert_message(conn: Connection, contact_id: int, event: InboundEvent) -> None:
    sender = event.item.get("sender", {}).get("id", event.contact_id)
    conn.execute(
        "INSERT INTO messages (conversation_id, contact_id, mid, sender_id, text, created_time, is_echo)"
        " VALUES ((SELECT id FROM conversations WHERE contact_id = %s ORDER BY updated_time DESC LIMIT 1),"
        " %s, %s, %s, %s, %s, %s) ON CONFLICT (mid) DO NOTHING",
        (contact_id, contact_id, event.mid, sender, event.text, event.timestamp, event.kind is EventKind.ECHO),
    )
    # The conversation moved on: its analysis watermark must see the new message as newer.
    conn.execute(
        "UPDATE conversations SET updated_time = GREATEST(updated_time, %s) WHERE contact_id = %s",
        (event.timestamp, contact_id),
    )


def mark_enqueued(conn: Connection, contact_ids: list[int]) -> None:
    conn.execute(
        "UPDATE webhook_events SET enqueued_at = now() WHERE contact_id = ANY(%s) AND enqueued_at IS NULL",
        (contact_ids,),
    )


def pending_refreshes(conn: Connection) -> set[tuple[int, int]]:
    """(page pk, contact id) with stored content events that never reached the queue (Redis was down)."""
    rows = conn.execute(
        "SELECT DISTINCT facebook_page_id, contact_id FROM webhook_events"
        " WHERE enqueued_at IS NULL AND contact_id IS NOT NULL AND kind = ANY(%s)",
        ([kind.value for kind in CONTENT_KINDS],),
    ).fetchall()
    return {(row["facebook_page_id"], row["contact_id"]) for row in rows}
